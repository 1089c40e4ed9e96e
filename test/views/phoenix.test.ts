// The Phoenix Channels view on real `phoenix` 1.8.16 client traffic (fixtures/views/phoenix.pcap;
// the server is a minimal V2 socket on ws, see fixtures/gen/phoenix.mjs): chosen by the path
// (vsn=2.0.0), text and binary (push, reply, broadcast) decoded, every phx_reply paired with
// its push by ref, heartbeats folded, the push never answered reported at the end.
import { describe, expect, it } from 'vitest';
import { byContent } from '../../src/views/registry.js';
import { phoenixView } from '../../src/views/phoenix-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

describe('Phoenix Channels on the real fixture', () => {
  it('is chosen by the request path and names every message', async () => {
    const events = await jsonEvents('phoenix.pcap');
    expect(events.filter((e) => e.code === 'app.view.selected').map((e) => e.message)).toEqual([
      'view phoenix (request path /socket/websocket?token=abc&vsn=2.0.0)',
    ]);
    const items = itemsOf(events);
    expect(
      items.map((i) => `${String(i.message.dir)} ${i.kind} ${String(i.event)} ${String(i.topic)} ${String(i.ref)}`),
    ).toEqual([
      'c2s join phx_join room:lobby 3',
      's2c reply phx_reply room:lobby 3',
      'c2s push new_msg room:lobby 4',
      's2c reply phx_reply room:lobby 4',
      's2c broadcast new_msg room:lobby null',
      'c2s push delete_all room:lobby 5',
      's2c reply phx_reply room:lobby 5',
      'c2s join phx_join room:secret 8',
      's2c reply phx_reply room:secret 8',
      'c2s leave phx_leave room:secret 9',
      'c2s push upload room:lobby 10',
      's2c reply phx_reply room:secret 9',
      's2c reply phx_reply room:lobby 10',
      's2c broadcast file_ready room:lobby null',
      'c2s push slow room:lobby 11',
      'c2s heartbeat heartbeat phoenix 12',
      's2c reply phx_reply phoenix 12',
      'c2s heartbeat heartbeat phoenix 13',
      's2c reply phx_reply phoenix 13',
      'c2s leave phx_leave room:lobby 14',
      's2c reply phx_reply room:lobby 14',
    ]);
    // binary: the client's push (4 bytes), the reply (status and bytes), a broadcast
    const upload = items.find((i) => i.event === 'upload')!;
    expect(upload).toMatchObject({ joinRef: '3', binary: true, payload: { hex: '01020304' } });
    const reply = items.find((i) => i.ref === '10' && i.kind === 'reply')!;
    expect(reply.payload).toEqual({
      status: 'ok',
      response: { hex: Buffer.from('got 4 bytes of upload').toString('hex') },
    });
    expect(items.find((i) => i.event === 'file_ready')!.payload).toEqual({ hex: 'cafe' });
  });

  it('pairs replies by ref, errors marked, the unanswered push reported', async () => {
    const events = await jsonEvents('phoenix.pcap');
    const paired = events.filter((e) => e.type === 'message' && e.pair !== undefined);
    expect(paired.map((e) => (e.pair as { request: string }).request)).toEqual([
      'phx_join room:lobby',
      'new_msg',
      'delete_all',
      'phx_join room:secret',
      'phx_leave',
      'upload',
      'heartbeat',
      'heartbeat',
      'phx_leave',
    ]);
    const errors = itemsOf(events).filter((i) => (i.payload as { status?: string }).status === 'error');
    expect(errors.map((i) => i.summary)).toEqual([
      expect.stringMatching(/^phx_reply room:lobby ref=5 error \{"reason":"forbidden"\} \(delete_all, [\d.]+ ms\)$/),
      expect.stringMatching(/^phx_reply room:secret ref=8 error \{"reason":"unauthorized"\} \(phx_join room:secret, /),
    ]);
    expect(events.filter((e) => e.code === 'phoenix.reply.missing').map((e) => e.message)).toEqual([
      'push slow (message at frame #15) never got its phx_reply',
    ]);
  });

  it('--stats: errors per push event and join', async () => {
    const run = await readInProcess([fixture('phoenix.pcap'), '--stats', '--json']);
    const [conn] = run.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { app: { methods: { name: string; count: number; errors: number; unanswered: number }[] } },
      );
    const by = Object.fromEntries(conn.app.methods.map((m) => [m.name, m]));
    expect(by.delete_all).toMatchObject({ count: 1, errors: 1 });
    expect(by['phx_join room:secret']).toMatchObject({ count: 1, errors: 1 });
    expect(by['phx_join room:lobby']).toMatchObject({ count: 1, errors: 0 });
    expect(by.slow).toMatchObject({ count: 1, unanswered: 1 });
    expect(by.heartbeat).toMatchObject({ count: 2, errors: 0 });
  });

  it('folds heartbeats; phoenix.topic and phoenix.event filter', async () => {
    const folded = await readInProcess([fixture('phoenix.pcap')]);
    expect(folded.stdout).not.toContain('heartbeat phoenix');
    expect(folded.stdout).toContain('4 keep-alive frames folded');
    const run = await readInProcess([
      fixture('phoenix.pcap'),
      '-Y',
      'phoenix.topic == "room:secret" && phoenix.event == "phx_join"',
    ]);
    expect(run.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/↳ phoenix phx_join room:secret ref=8 \{\}$/),
    ]);
  });
});

describe('Phoenix messages', () => {
  it('content sniffing: a join or heartbeat array, not any 5-element array', () => {
    const m = messageMaker();
    expect(byContent(m('["1","1","room:x","phx_join",{}]', 'c2s'))?.name).toBe('phoenix');
    expect(byContent(m('[null,"1","phoenix","heartbeat",{}]', 'c2s'))?.name).toBe('phoenix');
    expect(byContent(m('[1,2,"a","b",{}]', 'c2s'))?.name).toBe('json');
  });

  it('broken messages are diagnostics, an unknown ref a warning', () => {
    const view = phoenixView({ conn: 1, path: null, strict: true });
    const m = messageMaker();
    expect(view.decode(m('["1","1","t"]', 'c2s')).diagnostics[0].code).toBe('phoenix.message.malformed');
    expect(view.decode(m('{"topic":"t"}', 'c2s')).diagnostics[0].code).toBe('phoenix.message.malformed');
    expect(view.decode(m(Uint8Array.from([1, 9, 0, 0, 0]), 's2c')).diagnostics[0].message).toBe(
      "binary field joinRef runs past the message's end",
    );
    expect(view.decode(m(Uint8Array.from([7]), 's2c')).diagnostics[0].code).toBe('phoenix.message.malformed');
    const orphan = view.decode(m('["1","99","t","phx_reply",{"status":"ok","response":{}}]', 's2c'));
    expect(orphan.diagnostics.map((d) => d.code)).toEqual(['phoenix.reply.unknown']);
    expect(orphan.app!.items[0].kind).toBe('reply');
  });
});
