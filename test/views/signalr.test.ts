// The SignalR view on real @microsoft/signalr 10.0.11 client traffic (fixtures/views/signalr.pcap:
// connection 1 the JSON hub protocol, connection 2 MessagePack; the server is a minimal hub on
// ws, see fixtures/gen/signalr.mjs): chosen by the handshake, every message type named, the
// invocationId pairing (completion, stream items, a client result), pings folded; and records
// split across or sharing messages, broken records, unknown ids and unanswered invocations.
import { describe, expect, it } from 'vitest';
import { signalrView } from '../../src/views/signalr-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

const EXPECTED = [
  'c2s handshake',
  's2c handshake',
  'c2s ping',
  'c2s invocation add 0',
  's2c ping',
  's2c completion 0',
  'c2s invocation fail 1',
  's2c completion 1',
  'c2s invocation log',
  's2c invocation notify',
  's2c invocation ask s1',
  'c2s completion s1',
  'c2s streaminvocation counter 2',
  's2c streamitem 2',
  's2c streamitem 2',
  's2c streamitem 2',
  's2c completion 2',
  'c2s streaminvocation ticks 3',
  's2c streamitem 3',
  'c2s cancelinvocation 3',
];

describe('SignalR on the real fixture', () => {
  it('chooses the view by the handshake on both connections', async () => {
    const notes = (await jsonEvents('signalr.pcap')).filter((e) => e.code === 'app.view.selected');
    expect(notes.map((n) => `${String(n.conn)} ${String(n.message)}`)).toEqual([
      '1 view signalr (first message is a SignalR handshake)',
      '2 view signalr (first message is a SignalR handshake)',
    ]);
  });

  it('names every message the same way in JSON and MessagePack', async () => {
    const items = itemsOf(await jsonEvents('signalr.pcap'));
    const line = (i: (typeof items)[number]): string =>
      [i.message.dir, i.kind, i.target, i.invocationId].filter((x) => x !== undefined).join(' ');
    const json = items.filter((i) => i.conn === 1).map(line);
    const msgpack = items.filter((i) => i.conn === 2).map(line);
    expect(json).toEqual([...EXPECTED, 'c2s close']);
    // the MessagePack client pings once its handshake is answered; the server closes with an error
    expect(msgpack).toEqual([...EXPECTED, 'c2s invocation bye 4', 's2c completion 4', 's2c close', 'c2s close']);
    const close = items.find((i) => i.conn === 2 && i.kind === 'close' && i.message.dir === 's2c')!;
    expect(close.summary).toBe('close error "Server is shutting down." allowReconnect=false');
    expect(close.type).toBe(7);
    const add = items.filter((i) => i.target === 'add');
    expect(add.map((i) => i.arguments)).toEqual([
      [2, 3],
      [2, 3],
    ]);
    expect(items.filter((i) => i.kind === 'completion' && i.invocationId === '0').map((i) => i.result)).toEqual([5, 5]);
    expect(items.filter((i) => i.invocationId === '1' && i.kind === 'completion').map((i) => i.error)).toEqual([
      'no such order',
      'no such order',
    ]);
  });

  it('pairs by invocationId: completions, each stream item, the client result the server asked for', async () => {
    const events = await jsonEvents('signalr.pcap');
    const paired = events.filter((e) => e.type === 'message' && e.pair !== undefined && e.conn === 1);
    expect(paired.map((e) => (e.pair as { request: string }).request)).toEqual([
      'handshake',
      'add',
      'fail',
      'ask',
      'counter',
      'counter',
      'counter',
      'counter',
      'ticks',
    ]);
    const diags = events.filter((e) => e.type === 'diagnostic' && String(e.code).startsWith('signalr.'));
    expect(diags).toEqual([]);
    expect(events.some((e) => (e.diagnostics as { code: string }[] | undefined)?.length)).toBe(false);
  });

  it('folds pings in the listing; --show-heartbeats and -Y signalr.target show them and filter', async () => {
    const folded = await readInProcess([fixture('signalr.pcap')]);
    expect(folded.stdout).not.toContain('↳ signalr ping');
    expect(folded.stdout).toContain('↳ signalr completion id=1 error "no such order" (fail, ');
    const shown = await readInProcess([fixture('signalr.pcap'), '--show-heartbeats']);
    expect(shown.stdout.match(/↳ signalr ping/g)).toHaveLength(4);
    const run = await readInProcess([fixture('signalr.pcap'), '-Y', 'signalr.target == "counter"']);
    expect(run.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/↳ signalr streaminvocation counter id=2 \[3\]$/),
      expect.stringMatching(/↳ signalr streaminvocation counter id=2 \[3\]$/),
    ]);
  });

  it('--stats counts per hub method, errors and stream latency to the first item', async () => {
    const run = await readInProcess([fixture('signalr.pcap'), '--stats', '--json']);
    const conns = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { app?: { methods: { name: string; count: number; errors: number }[] } });
    const by = Object.fromEntries(conns[0].app!.methods.map((m) => [m.name, m]));
    expect(by.fail).toMatchObject({ count: 1, errors: 1 });
    expect(by.counter).toMatchObject({ count: 1, errors: 0 });
    expect(by.handshake).toMatchObject({ count: 1, errors: 0 });
  });
});

describe('SignalR records', () => {
  const enc = new TextEncoder();

  it('several records in one message, and one record across two messages', () => {
    const view = signalrView({ conn: 1, path: null, strict: true });
    const m = messageMaker();
    view.decode(m('{"protocol":"json","version":1}\x1e', 'c2s'));
    const two = view.decode(m('{}\x1e{"type":1,"target":"hello","arguments":[]}\x1e', 's2c'));
    expect(two.app!.items.map((i) => i.kind)).toEqual(['handshake', 'invocation']);
    const first = view.decode(m('{"type":1,"invocationId":"7","tar', 'c2s'));
    expect(first).toEqual({ app: null, diagnostics: [] });
    const rest = view.decode(m('get":"add","arguments":[1]}\x1e', 'c2s'));
    expect(rest.app!.items[0].summary).toBe('invocation add id=7 [1]');
    const done = view.decode(m('{"type":3,"invocationId":"7","result":1}\x1e', 's2c'));
    expect(done.pair?.request).toBe('add');
  });

  it('MessagePack: VarInt lengths, a record split in two, a completion of each result kind', () => {
    const view = signalrView({ conn: 1, path: null, strict: true });
    const m = messageMaker();
    view.decode(m(enc.encode('{"protocol":"messagepack","version":1}\x1e'), 'c2s'));
    expect(view.decode(m(enc.encode('{}\x1e'), 's2c')).app!.items[0].kind).toBe('handshake');
    // [1, {}, "1", "add", [2, 3]] then [4, {}, "2", "s", []]
    const inv = [0x0c, 0x95, 1, 0x80, 0xa1, 0x31, 0xa3, 0x61, 0x64, 0x64, 0x92, 2, 3];
    const stream = [0x08, 0x95, 4, 0x80, 0xa1, 0x32, 0xa1, 0x73, 0x90];
    const both = Uint8Array.from([...inv, ...stream]);
    expect(view.decode(m(both.subarray(0, 5), 'c2s')).app).toBeNull();
    const decoded = view.decode(m(both.subarray(5), 'c2s'));
    expect(decoded.app!.items.map((i) => i.summary)).toEqual([
      'invocation add id=1 [2,3]',
      'streaminvocation s id=2 []',
    ]);
    // [3, {}, "1", 1, "bad"] error; [3, {}, "2", 2] void
    const err = view.decode(m(Uint8Array.from([0x0a, 0x95, 3, 0x80, 0xa1, 0x31, 1, 0xa3, 0x62, 0x61, 0x64]), 's2c'));
    expect(err.app!.items[0]).toMatchObject({
      kind: 'completion',
      error: true,
      summary: expect.stringMatching(/^completion id=1 error "bad" \(add/),
    });
    const ok = view.decode(m(Uint8Array.from([0x06, 0x94, 3, 0x80, 0xa1, 0x32, 2]), 's2c'));
    expect(ok.app!.items[0].summary).toBe('completion id=2 (s)');
  });

  it('broken records and unknown ids are diagnostics; decoding goes on; unanswered at the end', () => {
    const view = signalrView({ conn: 1, path: null, strict: true });
    const m = messageMaker();
    view.decode(m('{"protocol":"json","version":1}\x1e', 'c2s'));
    view.decode(m('{}\x1e', 's2c'));
    const bad = view.decode(m('nope\x1e{"type":1,"invocationId":"9","target":"x","arguments":[]}\x1e', 'c2s'));
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['signalr.message.malformed']);
    expect(bad.app!.items[0].kind).toBe('invocation');
    const orphan = view.decode(m('{"type":3,"invocationId":"42"}\x1e', 's2c'));
    expect(orphan.diagnostics.map((d) => d.code)).toEqual(['signalr.invocation.unknown']);
    expect(view.finish!().map((d) => d.message)).toEqual(['invocation x (message at frame #3) never completed']);
  });
});
