// The permessage-deflate compressor against the ws library's PerMessageDeflate and our own
// inflater, both ways: our output inflated by ws and by MessageInflater, ws's output inflated
// by MessageInflater, at every window size with and without context takeover.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxMatchDistance } from '../../src/protocol/max-match-distance.js';
import { encodeFrame, fragmentMessage } from '../../src/protocol/frame-encoder.js';
import { Opcode } from '../../src/protocol/frame.js';
import { MessageDeflater } from '../../src/protocol/message-deflater.js';
import { MessageInflater } from '../../src/protocol/message-inflater.js';

/** ws's extension object (not in its package exports: loaded relative to ws's own entry point). */
interface WsPerMessageDeflate {
  params: Record<string, number | boolean>;
  compress(data: Uint8Array, fin: boolean, cb: (error: Error | null, out?: Buffer) => void): void;
  decompress(data: Uint8Array, fin: boolean, cb: (error: Error | null, out?: Buffer) => void): void;
  cleanup(): void;
}
const requireFromWs = createRequire(createRequire(import.meta.url).resolve('ws'));
const PerMessageDeflate = requireFromWs('./lib/permessage-deflate.js') as new (
  options: object,
  isServer: boolean,
  maxPayload: number,
) => WsPerMessageDeflate;

/** ws's frame parser (a Writable), as a server sees a client. */
interface WsReceiver {
  write(chunk: Uint8Array): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'ping', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}
const Receiver = requireFromWs('./lib/receiver.js') as new (options: object) => WsReceiver;

const MiB = 1024 * 1024;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * A ws endpoint that negotiated `windowBits` and context takeover for the client's messages:
 * a client compresses with them, a server inflates with them.
 */
function wsEndpoint(isServer: boolean, windowBits: number, noContextTakeover: boolean): WsPerMessageDeflate {
  const pmd = new PerMessageDeflate({}, isServer, 0);
  pmd.params = {
    client_max_window_bits: windowBits,
    ...(noContextTakeover ? { client_no_context_takeover: true } : {}),
  };
  return pmd;
}

function wsCall(pmd: WsPerMessageDeflate, op: 'compress' | 'decompress', data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pmd[op](data, true, (error, out) => (error === null ? resolve(out!) : reject(error))),
  );
}

describe('MessageDeflater: the bytes', () => {
  it('RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello", then "Hello" again from the shared window', () => {
    const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: false });
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f248cdc9c90700');
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f200110000');
  });

  it('without context takeover each message stands alone', () => {
    const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: true });
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f248cdc9c90700');
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f248cdc9c90700');
  });

  it('an empty message is the single 00 octet (RFC 7692 §7.2.3.6), as ws sends it', async () => {
    for (const liveStream of [true, false]) {
      const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: false }, { liveStream });
      const ws = wsEndpoint(false, 15, false);
      expect(hexOf(deflater.deflate(new Uint8Array(0)))).toBe('00');
      expect(hexOf(await wsCall(ws, 'compress', new Uint8Array(0)))).toBe('00');
      deflater.deflate(utf8('Hello'));
      await wsCall(ws, 'compress', utf8('Hello'));
      expect(hexOf(deflater.deflate(new Uint8Array(0)))).toBe('00');
      expect(hexOf(await wsCall(ws, 'compress', new Uint8Array(0)))).toBe('00');
      deflater.close();
      ws.cleanup();
    }
  });

  it('a large incompressible message grows the output past the scratch buffer', () => {
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff);
    for (const liveStream of [true, false]) {
      const out = new MessageDeflater({ windowBits: 15, noContextTakeover: false }, { liveStream }).deflate(data);
      const back = new MessageInflater({ windowBits: 15, noContextTakeover: false }, MiB).inflate(out, true);
      expect(back.diagnostics).toEqual([]);
      expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('reset() starts a new context: the receiver must reset too', () => {
    const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: false });
    deflater.deflate(utf8('Hello'));
    deflater.reset();
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f248cdc9c90700');
  });

  it('refuses window bits outside 8–15', () => {
    for (const windowBits of [7, 16, Number.NaN])
      expect(() => new MessageDeflater({ windowBits, noContextTakeover: false })).toThrow(RangeError);
  });

  it('window bits 8: zlib works with 9 but never refers more than 250 bytes back', () => {
    // a 200-byte pattern repeated: matches at distance 200 (allowed), never at 400
    const block = Uint8Array.from({ length: 200 }, (_, i) => (Math.imul(i, 2654435761) >>> 11) & 0xff);
    const data = new Uint8Array(4000).map((_, i) => block[i % 200]);
    const out = new MessageDeflater({ windowBits: 8, noContextTakeover: true }).deflate(data);
    expect(out.length).toBeLessThan(400);
    expect(maxMatchDistance(out, 256)).toBeLessThanOrEqual(250);
  });
});

/** `size` bytes of seeded noise whose first 64 bytes come back at the end: one match as far back as it gets. */
function farRepeat(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size + 64);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  out.copyWithin(size, 0, 64);
  return out;
}

/** Messages that compress in different ways: empty, repeats (near and far), text, noise. */
const message = fc.oneof(
  fc.tuple(fc.integer({ min: 64, max: 40_000 }), fc.integer()).map(([size, seed]) => farRepeat(size, seed)),
  fc.constant(new Uint8Array(0)),
  fc.string({ unit: 'grapheme', maxLength: 200 }).map(utf8),
  fc.uint8Array({ maxLength: 1500 }),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 40 }))
    .map(([unit, times]) => new Uint8Array(unit.length * times).map((_, i) => unit[i % unit.length])),
);
/** Up to 6 messages drawn from a pool of up to 3, so later messages repeat earlier ones. */
const messages = fc
  .tuple(fc.array(message, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }))
  .map(([pool, picks]) => picks.map((i) => pool[i % pool.length]));
const WINDOW_BITS = [8, 9, 10, 11, 12, 13, 14, 15];
const RUNS = 20;

describe('MessageDeflater: properties, every window size, with and without context takeover', () => {
  for (const windowBits of WINDOW_BITS) {
    for (const noContextTakeover of [false, true]) {
      const name = `${windowBits} bits, ${noContextTakeover ? 'no context takeover' : 'context takeover'}`;
      const settings = { windowBits, noContextTakeover };

      it(`${name}: ours → ws's inflater and ours, in sequence, within the window`, async () => {
        await fc.assert(
          fc.asyncProperty(messages, fc.boolean(), async (sequence, liveStream) => {
            const deflater = new MessageDeflater(settings, { liveStream });
            const inflater = new MessageInflater(settings, MiB, { fromStart: true });
            const ws = wsEndpoint(true, windowBits, noContextTakeover);
            try {
              for (const m of sequence) {
                const compressed = deflater.deflate(m);
                // RFC 7692 §7.1.2.1: no reference beyond the negotiated window
                expect(maxMatchDistance(compressed, 1 << windowBits)).toBeLessThanOrEqual(1 << windowBits);
                const ours = inflater.inflate(compressed, true);
                expect(ours.diagnostics).toEqual([]);
                expect(hexOf(ours.data)).toBe(hexOf(m));
                expect(hexOf(await wsCall(ws, 'decompress', compressed))).toBe(hexOf(m));
              }
            } finally {
              deflater.close();
              ws.cleanup();
            }
          }),
          { seed: 0x7692 + windowBits, numRuns: RUNS, endOnFailure: true },
        );
      });

      it(`${name}: ws's compressor → our inflater, in sequence`, async () => {
        await fc.assert(
          fc.asyncProperty(messages, async (sequence) => {
            const inflater = new MessageInflater(settings, MiB, { fromStart: true });
            const ws = wsEndpoint(false, windowBits, noContextTakeover);
            try {
              for (const m of sequence) {
                const result = inflater.inflate(await wsCall(ws, 'compress', m), true);
                expect(result.diagnostics).toEqual([]);
                expect(hexOf(result.data)).toBe(hexOf(m));
              }
            } finally {
              ws.cleanup();
            }
          }),
          { seed: 0x1951 + windowBits, numRuns: RUNS, endOnFailure: true },
        );
      });
    }
  }

  it("ws's Receiver gets our compressed, fragmented, masked messages, pings between fragments", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...WINDOW_BITS),
        fc.boolean(),
        messages,
        fc.integer({ min: 1, max: 6 }),
        async (windowBits, noContextTakeover, sequence, fragments) => {
          const deflater = new MessageDeflater({ windowBits, noContextTakeover });
          const pmd = wsEndpoint(true, windowBits, noContextTakeover);
          const receiver = new Receiver({ isServer: true, extensions: { 'permessage-deflate': pmd }, maxPayload: 0 });
          const received: string[] = [];
          let pings = 0;
          const done = new Promise<void>((resolve, reject) => {
            receiver.on('error', reject);
            receiver.on('ping', () => pings++);
            receiver.on('message', (data, isBinary) => {
              expect(isBinary).toBe(true);
              received.push(hexOf(data));
              if (received.length === sequence.length) resolve();
            });
          });
          let expectedPings = 0;
          for (const m of sequence) {
            const compressed = deflater.deflate(m);
            const frames = fragmentMessage(Opcode.binary, compressed, {
              fragmentSize: Math.max(1, Math.ceil(compressed.length / fragments)),
              compressed: true,
              mask: true,
            });
            frames.forEach((frame, i) => {
              receiver.write(encodeFrame(frame));
              if (i === 0 && frames.length > 1) {
                receiver.write(encodeFrame({ opcode: Opcode.ping, payload: utf8('between'), mask: true }));
                expectedPings++;
              }
            });
          }
          await done;
          deflater.close();
          pmd.cleanup();
          expect(received).toEqual(sequence.map(hexOf));
          expect(pings).toBe(expectedPings);
        },
      ),
      { seed: 6455, numRuns: 40, endOnFailure: true },
    );
  });

  it('with context takeover, a repeated message costs a few bytes the second time (the window is kept)', () => {
    const m = utf8('permessage-deflate keeps its window between messages. '.repeat(3));
    for (const windowBits of WINDOW_BITS) {
      for (const liveStream of [true, false]) {
        const deflater = new MessageDeflater({ windowBits, noContextTakeover: false }, { liveStream });
        const first = deflater.deflate(m).length;
        expect(deflater.deflate(m).length, `${windowBits} bits, live ${liveStream}`).toBeLessThan(Math.min(first, 12));
      }
    }
  });
});
