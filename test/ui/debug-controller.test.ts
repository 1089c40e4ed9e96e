// The UI's debugger (DebugController) as the engine's decider, between a real ws client and
// a real ws server: the intercept holds what it matches until a key settles it (forward,
// edit, drop, duplicate), injections and resends reach the right peer, and with
// permessage-deflate (context takeover, both peers compressing every message) the peers'
// inflaters stay in step through all of it.
import { describe, expect, it } from 'vitest';
import { parseRule, RuleDecider } from '../../src/engine/rules.js';
import { DebugController } from '../../src/ui/debug-controller.js';
import { fromEditable, toEditable } from '../../src/ui/editable.js';
import type { HeldMessage } from '../../src/ui/model.js';
import { closed, nextMessage } from '../sources/proxy/proxy-harness.js';
import { startPeers, until, type Peers } from '../engine/engine-peers.js';

const texts = (list: { data: Buffer }[]): string[] => list.map((m) => m.data.toString());
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Waits until the controller holds `n` messages. */
async function heldCount(debug: DebugController, n: number): Promise<readonly HeldMessage[]> {
  await new Promise<void>((resolve) => {
    if (debug.held().length >= n) return resolve();
    const off = debug.subscribe(() => {
      if (debug.held().length >= n) {
        off();
        resolve();
      }
    });
  });
  return debug.held();
}

const DEFLATE = { threshold: 0 };

describe('DebugController between real ws peers', () => {
  for (const deflate of [false, DEFLATE] as const) {
    const label = deflate === false ? 'uncompressed' : 'permessage-deflate, context takeover';

    it(`${label}: a held message reaches the server only after forward; pings and the other direction flow meanwhile`, async () => {
      const debug = new DebugController();
      expect(debug.setIntercept('c2s && text contains "hold"')).toBeNull();
      const peers = await startPeers(debug, { serverDeflate: deflate, clientDeflate: deflate });
      try {
        peers.client.send('hold me');
        peers.client.send('then me');
        const [h] = await heldCount(debug, 1);
        expect(h).toMatchObject({ id: 1, conn: 1, dir: 'c2s', opcode: 1 });
        expect(Buffer.from(h.data).toString()).toBe('hold me');
        // s2c flows, pings pass both ways, the held message and the one after it wait
        peers.server.send('hold from the server');
        expect((await nextMessage(peers.client)).toString()).toBe('hold from the server');
        const pong = new Promise<string>((resolve) => peers.client.once('pong', (d) => resolve(d.toString())));
        peers.client.ping('still there?');
        expect(await pong).toBe('still there?');
        expect(peers.received.c2s).toEqual([]);
        expect(peers.engines[0].waiting('c2s')).toBe(2);
        debug.forward(h.id);
        await until(() => peers.received.c2s.length === 2, 'both messages');
        expect(texts(peers.received.c2s)).toEqual(['hold me', 'then me']);
        expect(debug.held()).toEqual([]);
        expect(peers.errors).toEqual([]);
      } finally {
        await peers.close();
      }
    });

    it(`${label}: edit, drop, duplicate, inject both ways and resend, each checked at the peers`, async () => {
      const debug = new DebugController();
      debug.setIntercept('json.op == "buy" || text == "drop me" || text == "twice"');
      const peers = await startPeers(debug, { serverDeflate: deflate, clientDeflate: deflate });
      try {
        // edit: the JSON is pretty-printed for the editor and compacted back, big ids exact
        peers.client.send('{"op":"buy","id":18446744073709551615,"qty":1}');
        let [h] = await heldCount(debug, 1);
        const editable = toEditable(h.opcode, h.data);
        expect(editable.kind).toBe('json');
        expect(editable.text).toContain('\n  "qty": 1\n');
        const edited = fromEditable(h, editable.kind, editable.text.replace('"qty": 1', '"qty": 1000'));
        if (!edited.ok) throw new Error(edited.error);
        debug.edit(h.id, edited.opcode, edited.data);
        await until(() => peers.received.c2s.length === 1, 'the edited message');
        expect(texts(peers.received.c2s)).toEqual(['{"op":"buy","id":18446744073709551615,"qty":1000}']);

        // drop: never arrives (the next message does)
        peers.client.send('drop me');
        [h] = await heldCount(debug, 1);
        debug.drop(h.id);
        peers.client.send('after the drop');
        await until(() => peers.received.c2s.length === 2, 'the message after the drop');
        expect(texts(peers.received.c2s)).toEqual([
          '{"op":"buy","id":18446744073709551615,"qty":1000}',
          'after the drop',
        ]);
        expect(peers.dropped).toEqual(['c2s dropped by the UI drop me']);

        // duplicate: the server gets it twice
        peers.client.send('twice');
        [h] = await heldCount(debug, 1);
        debug.duplicate(h.id);
        await until(() => peers.received.c2s.length === 4, 'the message and its duplicate');
        expect(texts(peers.received.c2s).slice(2)).toEqual(['twice', 'twice']);

        // inject both ways, and a binary one
        expect(debug.inject(1, 'c2s', 1, bytes('injected to the server'))).toBeNull();
        expect(debug.inject(1, 's2c', 2, Uint8Array.from([0, 1, 2, 255]))).toBeNull();
        await until(() => peers.received.c2s.length === 5 && peers.received.s2c.length === 1, 'the injections');
        expect(texts(peers.received.c2s)[4]).toBe('injected to the server');
        expect(peers.received.s2c[0]).toEqual({ text: false, data: Buffer.from([0, 1, 2, 255]) });

        // resend what the server sent: the client gets it again
        peers.server.send('server says hi');
        await until(() => peers.received.s2c.length === 2, "the server's message");
        expect(debug.resend(1, 's2c', 1, bytes('server says hi'))).toBeNull();
        await until(() => peers.received.s2c.length === 3, 'the resent message');
        expect(texts(peers.received.s2c).slice(1)).toEqual(['server says hi', 'server says hi']);

        // after all that, plain traffic in both directions still inflates at both ends
        for (let i = 0; i < 20; i++) {
          peers.client.send(`client ${i} `.repeat(i + 1));
          peers.server.send(`server ${i} `.repeat(i + 1));
        }
        await until(() => peers.received.c2s.length === 25 && peers.received.s2c.length === 23, 'the last messages');
        expect(texts(peers.received.c2s)[24]).toBe('client 19 '.repeat(20));
        expect(texts(peers.received.s2c)[22]).toBe('server 19 '.repeat(20));
        expect(peers.errors).toEqual([]);
        expect(peers.marks.filter((m) => m !== 'c2s wire' && m !== 's2c wire')).toEqual([
          'c2s modified',
          'c2s injected', // the duplicate of "twice"
          'c2s injected',
          's2c injected',
          's2c injected', // the resend
        ]);
      } finally {
        await peers.close();
      }
    });
  }

  const deflates = {
    'context takeover': DEFLATE,
    'no context takeover': { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
    'server_max_window_bits=9': { threshold: 0, serverMaxWindowBits: 9 },
  } as const;
  it.each(Object.entries(deflates))(
    'deflate, %s: many holds, edits and injections interleaved with compressed traffic keep both inflaters in step',
    async (label, deflate) => {
      const debug = new DebugController();
      debug.setIntercept('text contains "#"');
      const peers = await startPeers(debug, { serverDeflate: deflate, clientDeflate: DEFLATE });
      // what the handshake negotiated, as the client accepted it (ws keeps it in its extension object)
      const params = (peers.client as unknown as { _extensions: Record<string, { params: object }> })._extensions[
        'permessage-deflate'
      ].params;
      const negotiated = {
        'context takeover': {},
        'no context takeover': { server_no_context_takeover: true, client_no_context_takeover: true },
        'server_max_window_bits=9': { server_max_window_bits: 9 },
      }[label]!;
      expect(params).toMatchObject(negotiated);
      if (label === 'context takeover')
        expect(Object.keys(params).some((k) => k.endsWith('no_context_takeover'))).toBe(false);
      const expected = { c2s: [] as string[], s2c: [] as string[] };
      try {
        for (let i = 0; i < 60; i++) {
          const dir = i % 2 === 0 ? 'c2s' : 's2c';
          const text = `message ${i} ${'abc'.repeat(i % 7)}${i % 3 === 0 ? '#' : ''}`;
          (dir === 'c2s' ? peers.client : peers.server).send(text);
          if (i % 3 !== 0) {
            expected[dir].push(text);
          } else {
            const [h] = await heldCount(debug, 1);
            if (i % 4 === 0) {
              debug.edit(h.id, 1, bytes(`edited ${text}`));
              expected[dir].push(`edited ${text}`);
            } else if (i % 4 === 1) {
              debug.drop(h.id);
            } else {
              debug.duplicate(h.id);
              expected[dir].push(text, text);
            }
          }
          if (i % 5 === 0) {
            const other = dir === 'c2s' ? 's2c' : 'c2s';
            expect(debug.inject(1, other, 1, bytes(`injected ${i}`))).toBeNull();
            expected[other].push(`injected ${i}`);
          }
          // keep the expected order exact: wait for this step to arrive before the next
          await until(
            () =>
              peers.received.c2s.length === expected.c2s.length && peers.received.s2c.length === expected.s2c.length,
            `step ${i}`,
          );
        }
        expect(texts(peers.received.c2s)).toEqual(expected.c2s);
        expect(texts(peers.received.s2c)).toEqual(expected.s2c);
        expect(peers.errors).toEqual([]);
      } finally {
        await peers.close();
      }
    },
  );

  it('rules come first: the held message is the one the rules made, and `a` sends that', async () => {
    const rules = new RuleDecider([parseRule('text contains "secret" => replace /secret/ "[redacted]"')]);
    const debug = new DebugController({ upstream: rules });
    debug.setIntercept('text contains "redacted"');
    const peers = await startPeers(debug, { serverDeflate: DEFLATE, clientDeflate: DEFLATE });
    try {
      peers.client.send('the secret plan');
      const [h] = await heldCount(debug, 1);
      expect(Buffer.from(h.data).toString()).toBe('the [redacted] plan');
      debug.forward(h.id);
      await until(() => peers.received.c2s.length === 1, 'the message');
      expect(texts(peers.received.c2s)).toEqual(['the [redacted] plan']);
      expect(peers.marks).toEqual(['c2s modified']);
    } finally {
      await peers.close();
    }
  });

  it("a rule's hold is the UI's: held without a timeout until a key releases it", async () => {
    const debug = new DebugController({ upstream: new RuleDecider([parseRule('s2c => hold')]) });
    const peers = await startPeers(debug, { serverDeflate: false, clientDeflate: false, holdTimeoutMs: 50 });
    try {
      peers.server.send('wait for me');
      const [h] = await heldCount(debug, 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(peers.received.s2c).toEqual([]);
      debug.forwardAll();
      await until(() => peers.received.s2c.length === 1, 'the held message');
      expect(h.dir).toBe('s2c');
    } finally {
      await peers.close();
    }
  });

  it('--hold-timeout releases a UI hold, with a note', async () => {
    const notes: string[] = [];
    const debug = new DebugController({ holdTimeoutMs: 100, note: (t) => notes.push(t) });
    debug.setIntercept('c2s');
    const peers = await startPeers(debug, { serverDeflate: false, clientDeflate: false });
    try {
      peers.client.send('released by time');
      await until(() => peers.received.c2s.length === 1, 'the released message');
      expect(notes).toEqual(['a held c2s message of connection 1 was released after 0.1 s (--hold-timeout)']);
      expect(debug.held()).toEqual([]);
    } finally {
      await peers.close();
    }
  });

  it('an injection toward a closed connection is refused with one line; held messages of a closed connection are gone', async () => {
    const debug = new DebugController();
    debug.setIntercept('c2s');
    const peers: Peers = await startPeers(debug, { serverDeflate: false, clientDeflate: false });
    try {
      peers.client.send('held when the close comes');
      await heldCount(debug, 1);
      const gone = closed(peers.server);
      peers.client.close(1000, 'bye');
      expect(await gone).toEqual({ code: 1000, reason: 'bye' });
      // the Close went to the server: the held c2s message can never be sent
      expect(debug.held()).toEqual([]);
      expect(debug.inject(1, 'c2s', 1, bytes('too late'))).toMatch(
        /^connection 1(: a Close has gone to the server| is closed \(1000 "bye"\))/,
      );
      await until(() => peers.engines[0].sendable('s2c') === 'the connection is closed', 'the end of the connection');
      expect(debug.inject(1, 's2c', 1, bytes('too late'))).toBe('connection 1 is closed (1000 "bye")');
      expect(debug.inject(7, 's2c', 1, bytes('nobody'))).toBe(
        'connection 7 is not an open WebSocket connection of this proxy',
      );
      expect(peers.received.c2s).toEqual([]);
    } finally {
      await peers.close();
    }
  });

  it('a bad intercept expression is its one-line error, and the intercept stays as it was', () => {
    const debug = new DebugController();
    expect(debug.setIntercept('c2s')).toBeNull();
    expect(debug.setIntercept('websocket.opcod == 1')).toMatch(
      /^unknown field "websocket.opcod" at 1 — did you mean websocket.opcode\?$/,
    );
    expect(debug.intercept).toBe('c2s');
    expect(debug.setIntercept(null)).toBeNull();
    expect(debug.intercept).toBeNull();
  });
});
