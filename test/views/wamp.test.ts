// The WAMP view on real autobahn 22.11.1 traffic (fixtures/views/wamp.pcap; the router is a
// minimal basic-profile router on ws, see fixtures/gen/wamp.mjs): chosen by the sub-protocol,
// wamp.2.json and wamp.2.msgpack decoded alike, every answer paired with its request by request
// id and type, EVENTs and INVOCATIONs named by their topic and procedure; and broken messages.
import { describe, expect, it } from 'vitest';
import { byContent } from '../../src/views/registry.js';
import { wampView } from '../../src/views/wamp-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

describe('WAMP on the real fixture', () => {
  it('is chosen by Sec-WebSocket-Protocol for both serializers', async () => {
    const events = await jsonEvents('wamp.pcap');
    expect(events.filter((e) => e.code === 'app.view.selected').map((e) => e.message)).toEqual([
      'view wamp (Sec-WebSocket-Protocol: wamp.2.json)',
      'view wamp (Sec-WebSocket-Protocol: wamp.2.msgpack)',
    ]);
  });

  it('names every message and pairs answers with requests, across the router', async () => {
    const events = await jsonEvents('wamp.pcap');
    const items = itemsOf(events);
    const line = (i: (typeof items)[number]): string => {
      const pair = i.message.pair as { request: string } | undefined;
      return `${i.conn} ${String(i.type)}${pair === undefined ? '' : ` ← ${pair.request}`}`;
    };
    // connection 1 is the callee and subscriber (JSON), 2 the caller and publisher (MessagePack)
    expect(items.filter((i) => i.conn === 2).map(line)).toEqual([
      '2 HELLO',
      '2 WELCOME ← HELLO',
      '2 CALL',
      '2 RESULT ← com.example.add',
      '2 CALL',
      '2 ERROR ← com.example.div',
      '2 CALL',
      '2 ERROR ← com.example.nope',
      '2 PUBLISH',
      '2 PUBLISHED ← PUBLISH com.example.ticks',
      '2 PUBLISH',
      '2 GOODBYE',
      '2 GOODBYE',
    ]);
    expect(items.filter((i) => i.conn === 1).map(line)).toEqual([
      '1 HELLO',
      '1 WELCOME ← HELLO',
      '1 REGISTER',
      '1 REGISTERED ← REGISTER com.example.add',
      '1 REGISTER',
      '1 REGISTERED ← REGISTER com.example.div',
      '1 SUBSCRIBE',
      '1 SUBSCRIBED ← SUBSCRIBE com.example.ticks',
      '1 INVOCATION',
      '1 YIELD ← com.example.add',
      '1 INVOCATION',
      '1 ERROR ← com.example.div',
      '1 EVENT',
      '1 EVENT',
      '1 GOODBYE',
      '1 GOODBYE',
    ]);
    const events1 = items.filter((i) => i.type === 'EVENT').map((i) => i.summary);
    expect(events1).toEqual([
      'EVENT com.example.ticks publication=1008 [1] {"n":1}',
      'EVENT com.example.ticks publication=1009 [2]',
    ]);
    const result = items.find((i) => i.type === 'RESULT')!;
    expect(result).toMatchObject({ request: 1, arguments: [5] });
    expect(events.filter((e) => e.type === 'diagnostic' && String(e.code).startsWith('wamp.'))).toEqual([]);
  });

  it('--stats per procedure and topic; wamp.* fields filter', async () => {
    const run = await readInProcess([fixture('wamp.pcap'), '--stats', '--json']);
    const caller = run.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { conn: number; app: { methods: { name: string; count: number; errors: number }[] } },
      )
      .find((c) => c.conn === 2)!;
    const by = Object.fromEntries(caller.app.methods.map((m) => [m.name, m]));
    expect(by['com.example.div']).toMatchObject({ count: 1, errors: 1 });
    expect(by['com.example.add']).toMatchObject({ count: 1, errors: 0 });
    expect(by['PUBLISH com.example.ticks']).toMatchObject({ count: 2 });
    const filtered = await readInProcess([fixture('wamp.pcap'), '-Y', 'wamp.procedure == "com.example.nope"']);
    expect(filtered.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/↳ wamp CALL com.example.nope request=3 \[\]$/),
    ]);
  });
});

describe('WAMP messages', () => {
  it('a HELLO first message chooses the view', () => {
    expect(byContent(messageMaker()('[1,"realm1",{"roles":{}}]', 'c2s'))?.name).toBe('wamp');
  });

  it('broken messages, unknown answers and unanswered requests are diagnostics', () => {
    const view = wampView({ conn: 1, path: null, strict: true, protocol: 'wamp.2.json' });
    const m = messageMaker();
    expect(view.decode(m('{"a":1}', 'c2s')).diagnostics[0].code).toBe('wamp.message.malformed');
    expect(view.decode(m('[99,1]', 'c2s')).diagnostics[0].message).toBe('unknown message type 99');
    expect(view.decode(m('[48,1]', 'c2s')).diagnostics[0].message).toBe('CALL needs 4 elements, has 2');
    expect(view.decode(m('[50,7,{}]', 's2c')).diagnostics[0].code).toBe('wamp.request.unknown');
    view.decode(m('[48,8,{},"p"]', 'c2s'));
    // a RESULT answers a CALL, not a REGISTER of the same request id
    expect(view.decode(m('[65,8,1]', 's2c')).diagnostics[0].code).toBe('wamp.request.unknown');
    expect(view.finish!().map((d) => d.message)).toEqual(['p (message at frame #5) never answered']);
    const msgpack = wampView({ conn: 1, path: null, strict: true, protocol: 'wamp.2.msgpack' });
    expect(msgpack.decode(m(Uint8Array.from([0xc1]), 'c2s')).diagnostics[0].code).toBe('wamp.message.malformed');
  });
});
