// The ActionCable view on real @rails/actioncable 8.1.400 client traffic
// (fixtures/views/actioncable.pcap; the server is a minimal actioncable-v1-json server on ws,
// see fixtures/gen/actioncable.mjs): chosen by the sub-protocol, the identifier and data shown
// parsed out of their JSON strings, subscribe paired with its confirmation or rejection, pings
// folded; and the messages a broken peer would send.
import { describe, expect, it } from 'vitest';
import { actionCableView } from '../../src/views/actioncable-view.js';
import { byContent, byPath } from '../../src/views/registry.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

describe('ActionCable on the real fixture', () => {
  it('is chosen by Sec-WebSocket-Protocol and names every message', async () => {
    const events = await jsonEvents('actioncable.pcap');
    expect(events.filter((e) => e.code === 'app.view.selected').map((e) => e.message)).toEqual([
      'view actioncable (Sec-WebSocket-Protocol: actioncable-v1-json)',
    ]);
    const items = itemsOf(events);
    expect(items.map((i) => `${String(i.message.dir)} ${i.kind} ${String(i.channel)}`)).toEqual([
      's2c welcome undefined',
      'c2s subscribe ChatChannel',
      's2c confirm_subscription ChatChannel',
      'c2s subscribe SecretChannel',
      's2c reject_subscription SecretChannel',
      'c2s message ChatChannel',
      's2c broadcast ChatChannel',
      's2c ping undefined',
      's2c ping undefined',
      'c2s unsubscribe ChatChannel',
      's2c disconnect undefined',
    ]);
    const perform = items.find((i) => i.kind === 'message')!;
    expect(perform).toMatchObject({
      identifier: { channel: 'ChatChannel', room: 'lobby' },
      data: { text: 'hello', action: 'speak' },
      action: 'speak',
    });
    // (itemsOf's `message` is the event: the broadcast's own is in the summary)
    expect(items.find((i) => i.kind === 'broadcast')!.summary).toBe(
      'broadcast ChatChannel {"room":"lobby"} {"text":"hello","from":"ann"}',
    );
    expect(items.at(-1)).toMatchObject({ reason: 'unauthorized', reconnect: false });
  });

  it('pairs subscribe with its confirmation or rejection; --stats counts the rejection as an error', async () => {
    const events = await jsonEvents('actioncable.pcap');
    const paired = events.filter((e) => e.type === 'message' && e.pair !== undefined);
    expect(paired.map((e) => (e.pair as { request: string }).request)).toEqual([
      'subscribe ChatChannel',
      'subscribe SecretChannel',
    ]);
    expect(events.filter((e) => e.type === 'diagnostic' && String(e.code).startsWith('actioncable'))).toEqual([]);
    const run = await readInProcess([fixture('actioncable.pcap'), '--stats', '--json']);
    const [conn] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { app: { methods: { name: string; count: number; errors: number }[] } });
    const by = Object.fromEntries(conn.app.methods.map((m) => [m.name, m]));
    expect(by['subscribe SecretChannel']).toMatchObject({ count: 1, errors: 1 });
    expect(by['subscribe ChatChannel']).toMatchObject({ count: 1, errors: 0 });
    expect(by['ChatChannel#speak']).toMatchObject({ count: 1 });
  });

  it('folds pings; actioncable.channel and actioncable.action filter', async () => {
    const folded = await readInProcess([fixture('actioncable.pcap')]);
    expect(folded.stdout).not.toContain('↳ actioncable ping');
    expect(folded.stdout).toContain('2 keep-alive frames folded');
    const run = await readInProcess([fixture('actioncable.pcap'), '-Y', 'actioncable.action == "speak"']);
    expect(run.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/↳ actioncable message ChatChannel#speak \{"text":"hello"\}$/),
    ]);
  });
});

describe('ActionCable messages', () => {
  it('chosen by /cable and by a welcome first message', () => {
    expect(byPath('/cable')?.name).toBe('actioncable');
    expect(byPath('/cable?token=x')?.name).toBe('actioncable');
    expect(byPath('/cables')).toBeNull();
    expect(byContent(messageMaker()('{"type":"welcome"}', 's2c'))?.name).toBe('actioncable');
  });

  it('broken messages are diagnostics; a subscribe never confirmed is reported', () => {
    const view = actionCableView({ conn: 1, path: null, strict: true });
    const m = messageMaker();
    expect(view.decode(m('{"command":"shout"}', 'c2s')).diagnostics[0].code).toBe('actioncable.message.malformed');
    expect(view.decode(m('{"type":"nope"}', 's2c')).diagnostics[0].code).toBe('actioncable.message.malformed');
    expect(view.decode(m('[1]', 's2c')).diagnostics[0].code).toBe('actioncable.message.malformed');
    expect(view.decode(m('{"identifier":"x","type":"confirm_subscription"}', 's2c')).diagnostics[0].code).toBe(
      'actioncable.subscription.unknown',
    );
    // an identifier that is not JSON inside its string is shown as the string
    const sub = view.decode(m('{"command":"subscribe","identifier":"not json"}', 'c2s'));
    expect(sub.app!.items[0].summary).toBe('subscribe "not json"');
    expect(view.finish!().map((d) => d.message)).toEqual([
      'subscribe "not json" (message at frame #5) was never confirmed nor rejected',
    ]);
  });
});
