// The engine between a real ws client and server: 1,000 random messages each way (text,
// binary, JSON; small and past the 32 KiB window) go through random transformations
// (pass, replace, set a JSON field, drop, fragment, inject either way), with pings on the
// side. What each peer receives must equal the expected transformed sequence, hash for
// hash, and neither peer may report an error (an inflate error under context takeover is
// what a wrong deflate context would give: tried by making LegWriter.original() forward the
// original bytes after the step was lost — the server then fails with "invalid distance").
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/session/events.js';
import type { Decider, EngineMessage, MessageVerdict } from '../../src/engine/verdict.js';
import { changed, hash, prng, startPeers, until, type Received } from './engine-peers.js';

const MESSAGES = 1000;
const WORDS = ['tick', 'price', 'subscribe', 'order', 'book', 'level', 'stream', 'alpha', 'beta', 'gamma'];

function body(rand: () => number, tag: string): { text: boolean; data: Buffer } {
  const kind = rand();
  const big = rand() < 0.03;
  const n = big ? 4000 + Math.floor(rand() * 8000) : Math.floor(rand() * 200);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
  if (kind < 0.4) return { text: true, data: Buffer.from(`${tag}:${words}`) };
  if (kind < 0.7)
    return { text: true, data: Buffer.from(JSON.stringify({ tag, n, items: words.split(' ').slice(0, 20), words })) };
  const bytes = Buffer.alloc(Math.floor(rand() * (big ? 40000 : 300)));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rand() < 0.5 ? 0x61 + (i % 7) : Math.floor(rand() * 256);
  return { text: false, data: Buffer.concat([Buffer.from(`${tag}:`), bytes]) };
}

/** Random verdicts, recording what each receiver must get: its sender's sequence, and cross-injections apart. */
class RandomDecider implements Decider {
  readonly expected = { c2s: [] as string[], s2c: [] as string[] };
  readonly expectedCross = { c2s: [] as string[], s2c: [] as string[] };
  readonly counts: Record<string, number> = {};
  private readonly rand = { c2s: prng(11), s2c: prng(29) };

  message(msg: EngineMessage): MessageVerdict {
    const dir = msg.dir;
    const other: Direction = dir === 'c2s' ? 's2c' : 'c2s';
    const text = msg.opcode === 1;
    const data = Buffer.from(msg.data);
    const r = this.rand[dir];
    const roll = data.toString('latin1').startsWith('END') ? 0 : r();
    let verdict: MessageVerdict = {};
    let action = 'pass';
    if (roll < 0.4) {
      this.expected[dir].push(hash(text, data));
    } else if (roll < 0.55) {
      action = 'replace';
      const replacement = Buffer.from(
        `r:${data.subarray(0, 40).toString('latin1')}:${'z'.repeat(Math.floor(r() * 3000))}`,
      );
      verdict = { replace: { data: replacement }, fragment: r() < 0.3 ? 1 + Math.floor(r() * 100) : undefined };
      this.expected[dir].push(hash(text, replacement));
    } else if (roll < 0.65 && text && data[0] === 0x7b) {
      action = 'set';
      const json = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      json.topic = 'test';
      const replacement = Buffer.from(JSON.stringify(json));
      verdict = { replace: { data: replacement } };
      this.expected[dir].push(hash(text, replacement));
    } else if (roll < 0.75) {
      action = 'drop';
      verdict = { drop: true };
    } else if (roll < 0.85) {
      action = 'fragment';
      verdict = { fragment: 1 + Math.floor(r() * 200) };
      this.expected[dir].push(hash(text, data));
    } else if (roll < 0.92) {
      action = 'inject-same';
      const injected = Buffer.from(`i:${msg.index}:${'same '.repeat(Math.floor(r() * 50))}`);
      verdict = { inject: [{ dir, opcode: 1, data: injected }] };
      this.expected[dir].push(hash(text, data), hash(true, injected));
    } else {
      action = 'inject-other';
      const injected = Buffer.from(`x:${msg.index}:${'other '.repeat(Math.floor(r() * 50))}`);
      verdict = { inject: [{ dir: other, opcode: 1, data: injected }] };
      this.expected[dir].push(hash(text, data));
      this.expectedCross[other].push(hash(true, injected));
    }
    this.counts[action] = (this.counts[action] ?? 0) + 1;
    return verdict;
  }
}

function split(received: Received[]): { own: string[]; cross: string[] } {
  const own: string[] = [];
  const cross: string[] = [];
  for (const m of received)
    (m.data.subarray(0, 2).toString('latin1') === 'x:' ? cross : own).push(hash(m.text, m.data));
  return { own, cross };
}

const CASES: { name: string; server: false | object; client: false | object }[] = [
  { name: 'permessage-deflate with context takeover', server: { threshold: 0 }, client: { threshold: 0 } },
  {
    name: 'client_no_context_takeover and server_no_context_takeover',
    server: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
    client: { threshold: 0 },
  },
  {
    name: 'server_max_window_bits=9',
    server: { threshold: 0, serverMaxWindowBits: 9 },
    client: { threshold: 0, serverMaxWindowBits: 9 },
  },
  { name: 'no compression', server: false, client: false },
];

describe('the traffic engine between ws peers, random transformations', () => {
  for (const c of CASES) {
    it(`${c.name}: each peer gets the expected sequence, no inflate error`, { timeout: 120_000 }, async () => {
      const decider = new RandomDecider();
      const peers = await startPeers(decider, { serverDeflate: c.server, clientDeflate: c.client });
      try {
        const negotiated = peers.client.extensions;
        if (c.server === false) expect(negotiated).toBe('');
        else expect(negotiated).toContain('permessage-deflate');
        let pongs = 0;
        peers.client.on('pong', () => {
          pongs++;
          changed();
        });
        const send = async (ws: typeof peers.client, tag: string, seed: number): Promise<number> => {
          const rand = prng(seed);
          let pings = 0;
          for (let i = 0; i < MESSAGES; i++) {
            const m = body(rand, `${tag}${i}`);
            ws.send(m.data, { binary: !m.text });
            if (tag === 'c' && i % 50 === 0) {
              ws.ping();
              pings++;
            }
            if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
          ws.send('END');
          return pings;
        };
        const [pings] = await Promise.all([send(peers.client, 'c', 101), send(peers.server, 's', 202)]);
        const gotEnd = (list: Received[]): boolean => list.some((m) => m.data.toString('latin1') === 'END');
        const failed = (): boolean => peers.errors.length > 0;
        await until(() => failed() || (gotEnd(peers.received.c2s) && gotEnd(peers.received.s2c)), 'both ENDs');
        expect(peers.errors).toEqual([]);
        await until(
          () =>
            peers.received.c2s.length === decider.expected.c2s.length + decider.expectedCross.c2s.length &&
            peers.received.s2c.length === decider.expected.s2c.length + decider.expectedCross.s2c.length,
          'every expected message',
        );
        await until(() => pongs === pings, 'a pong for every ping');
        for (const dir of ['c2s', 's2c'] as const) {
          const got = split(peers.received[dir]);
          expect(got.own).toEqual(decider.expected[dir]);
          expect(got.cross).toEqual(decider.expectedCross[dir]);
        }
        expect(peers.errors).toEqual([]);
        expect(Object.keys(decider.counts).sort()).toEqual(
          ['drop', 'fragment', 'inject-other', 'inject-same', 'pass', 'replace', 'set'].sort(),
        );
        expect(peers.engines).toHaveLength(1);
      } finally {
        await peers.close();
      }
    });
  }
});
