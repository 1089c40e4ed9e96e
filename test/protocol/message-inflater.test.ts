import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, createDeflateRaw, deflateRawSync, type DeflateRaw } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageInflater, type InflateResult } from '../../src/protocol/message-inflater.js';
import { maxMatchDistance } from '../../src/protocol/max-match-distance.js';
import { applyMask } from '../../src/protocol/unmask.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (r: InflateResult): string => Buffer.from(r.data).toString('utf8');
const codes = (r: InflateResult): string[] => r.diagnostics.map((d) => d.code);
const MiB = 1024 * 1024;
const takeover = (windowBits = 15) => ({ windowBits, noContextTakeover: false });
const noTakeover = (windowBits = 15) => ({ windowBits, noContextTakeover: true });

/** A sender with context takeover: one raw deflate stream, a sync flush per message, trailer removed (RFC 7692 §7.2.1). */
class Sender {
  private readonly z: DeflateRaw;
  constructor(windowBits: number) {
    this.z = createDeflateRaw({ windowBits });
  }
  async send(message: Uint8Array): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): number => chunks.push(c);
    this.z.on('data', onData);
    this.z.write(message);
    await new Promise<void>((resolve) => this.z.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    this.z.off('data', onData);
    const out = Buffer.concat(chunks);
    expect([...out.subarray(out.length - 4)]).toEqual([0x00, 0x00, 0xff, 0xff]);
    return out.subarray(0, out.length - 4);
  }
  close(): void {
    this.z.close();
  }
}

/** A sender without context takeover: a fresh stream per message. */
function sendAlone(message: Uint8Array, windowBits = 15): Uint8Array {
  const out = deflateRawSync(message, { windowBits, finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/**
 * `size` printable bytes that do not compress: no 3-byte sequence (DEFLATE's shortest match)
 * occurs twice, so zlib finds no match inside them and every repeat a test sees is one it made.
 */
function noise(size: number): Uint8Array {
  const alphabet = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
  const out = new Uint8Array(size);
  const seen = new Set<number>();
  const random = randomBytes(size * 8);
  let r = 0;
  for (let i = 0; i < size; i++) {
    for (;;) {
      out[i] = alphabet[random[r++ % random.length] & 63];
      if (i < 2) break;
      const triple = (out[i - 2] << 16) | (out[i - 1] << 8) | out[i];
      if (!seen.has(triple)) {
        seen.add(triple);
        break;
      }
    }
  }
  return out;
}

describe('MessageInflater: RFC 7692 §7.2.3 examples and known frames', () => {
  it('masked frame c1 85 …: payload 32 34 34 04 00 inflates to "111"', () => {
    const frame = hex('c1 85 43 02 0a cf 71 36 3e cb 43');
    const payload = applyMask(frame.subarray(6), frame.subarray(2, 6));
    expect(payload).toEqual(hex('32 34 34 04 00'));
    const r = new MessageInflater(takeover(), MiB).inflate(payload, true);
    expect([text(r), r.partial, codes(r)]).toEqual(['111', false, []]);
  });

  it('§7.2.3.1 one compressed block, whole or as two fragments concatenated', () => {
    const inflater = new MessageInflater(noTakeover(), MiB);
    expect(text(inflater.inflate(hex('f2 48 cd c9 c9 07 00'), true))).toBe('Hello');
    const joined = new Uint8Array([...hex('f2 48 cd'), ...hex('c9 c9 07 00')]);
    expect(text(inflater.inflate(joined, true))).toBe('Hello');
  });

  it('§7.2.3.2 sharing the LZ77 window: the second "Hello" copies from the first', () => {
    const inflater = new MessageInflater(takeover(), MiB);
    const first = inflater.inflate(hex('f2 48 cd c9 c9 07 00'), true);
    const second = inflater.inflate(hex('f2 00 11 00 00'), true);
    expect([text(first), codes(first), text(second), second.partial, codes(second)]).toEqual([
      'Hello',
      [],
      'Hello',
      false,
      [],
    ]);
  });

  it('§7.2.3.2 with no_context_takeover: deflate.context-takeover, "Hello" recovered from the previous output', () => {
    const inflater = new MessageInflater(noTakeover(), MiB, { sender: 'server' });
    inflater.inflate(hex('f2 48 cd c9 c9 07 00'), true);
    const r = inflater.inflate(hex('f2 00 11 00 00'), true);
    expect([text(r), r.partial, codes(r)]).toEqual(['Hello', false, ['deflate.context-takeover']]);
    expect(r.diagnostics[0].message).toContain('server_no_context_takeover');
    expect(r.diagnostics[0].message).toContain('recovered');
  });

  it('§7.2.3.3 a stored (uncompressed) block', () => {
    const r = new MessageInflater(takeover(), MiB).inflate(hex('00 05 00 fa ff 48 65 6c 6c 6f 00'), true);
    expect([text(r), codes(r)]).toEqual(['Hello', []]);
  });

  it('§7.2.3.4 a block with BFINAL set, followed by the 00 octet: no trailing-data', () => {
    const inflater = new MessageInflater(takeover(), MiB);
    const r = inflater.inflate(hex('f3 48 cd c9 c9 07 00 00'), true);
    expect([text(r), codes(r)]).toEqual(['Hello', []]);
    // The stream ended, yet the next message still inflates (its context is kept).
    expect(text(inflater.inflate(hex('f2 00 11 00 00'), true))).toBe('Hello');
  });

  it('§7.2.3.5 two DEFLATE blocks in one message', () => {
    const r = new MessageInflater(takeover(), MiB).inflate(hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00'), true);
    expect([text(r), codes(r)]).toEqual(['Hello', []]);
  });

  it('§7.2.3.6 an empty final fragment (00) after a flushed first fragment, and 00 alone', () => {
    const inflater = new MessageInflater(takeover(), MiB);
    const r = inflater.inflate(hex('f2 48 cd c9 c9 07 00 00 00 ff ff 00'), true);
    expect([text(r), codes(r)]).toEqual(['Hello', []]);
    const empty = inflater.inflate(hex('00'), true);
    expect([empty.data.length, empty.partial, codes(empty)]).toEqual([0, false, []]);
  });

  it('a zero-length compressed payload is an empty message', () => {
    const r = new MessageInflater(takeover(), MiB).inflate(new Uint8Array(0), true);
    expect([r.data.length, r.partial, codes(r)]).toEqual([0, false, []]);
  });

  it('server frame c1 18 … with 23 of 24 payload bytes: partial output and deflate.partial', () => {
    const frame = hex('c1 18 7a 36 a7 f7 69 d7 c2 a7 33 57 3c 9d 3d e9 ae 29 56 0a 86 86 86 00 00');
    const r = new MessageInflater(takeover(), MiB).inflate(frame.subarray(2), false);
    expect([r.partial, codes(r)]).toEqual([true, ['deflate.partial']]);
    expect(r.data.length).toBe(209);
    expect(Buffer.from(r.data.subarray(0, 9)).toString('utf8')).toBe('服务器');
    expect(r.diagnostics[0].message).toContain('23 compressed bytes');
  });
});

describe('MessageInflater: failures explained', () => {
  it('window exceeded inside one message: data intact, deflate.window-exceeded names the parameter', () => {
    const head = noise(5000);
    const message = new Uint8Array([...head, ...head.subarray(0, 300)]);
    const r = new MessageInflater(noTakeover(10), MiB, { sender: 'server' }).inflate(sendAlone(message, 15), true);
    expect(Buffer.from(r.data).equals(message)).toBe(true);
    expect([r.partial, codes(r)]).toEqual([false, ['deflate.window-exceeded']]);
    expect(r.diagnostics[0].message).toContain('5000 bytes back');
    expect(r.diagnostics[0].message).toContain('server_max_window_bits=10');
  });

  it('window exceeded across messages: zlib fails at 2^10, the retry with 2^15 recovers the data', async () => {
    const sender = new Sender(15);
    const first = noise(3000);
    const second = new Uint8Array([...utf8('x'), ...first.subarray(0, 400)]);
    const third = utf8('after the violation the context is still known');
    const inflater = new MessageInflater(takeover(10), MiB, { sender: 'client' });
    expect(codes(inflater.inflate(await sender.send(first), true))).toEqual([]);
    const r = inflater.inflate(await sender.send(second), true);
    expect(Buffer.from(r.data).equals(second)).toBe(true);
    expect([r.partial, codes(r)]).toEqual([false, ['deflate.window-exceeded']]);
    expect(r.diagnostics[0].message).toContain('client_max_window_bits=10');
    const after = inflater.inflate(await sender.send(third), true);
    expect([text(after), codes(after)]).toEqual([Buffer.from(third).toString(), []]);
    sender.close();
  });

  it('windowBits 8 accepts what zlib sends when asked for 8 (it uses 9 but stays within 250 bytes)', async () => {
    const sender = new Sender(9);
    const inflater = new MessageInflater(takeover(8), MiB);
    for (const m of ['abcabcabc hello hello', 'hello again abcabc', 'x'.repeat(1000)]) {
      const r = inflater.inflate(await sender.send(utf8(m)), true);
      expect([text(r), codes(r)]).toEqual([m, []]);
    }
    sender.close();
  });

  it('context missing: the first message seen refers to an earlier one', async () => {
    const sender = new Sender(15);
    await sender.send(utf8('{"type":"chat","text":"hello"}'));
    const second = await sender.send(utf8('{"type":"chat","text":"hello again"}'));
    const r = new MessageInflater(takeover(), MiB).inflate(second, true);
    expect([r.partial, codes(r)]).toEqual([true, ['deflate.context-missing']]);
    expect(r.data.length).toBeLessThan(36);
    sender.close();
  });

  it('reset(): after lost data the next message that needs the context gets context-missing', async () => {
    const sender = new Sender(15);
    const inflater = new MessageInflater(takeover(), MiB);
    inflater.inflate(await sender.send(utf8('the quick brown fox jumps over the lazy dog')), true);
    inflater.reset();
    const r = inflater.inflate(await sender.send(utf8('the quick brown fox again')), true);
    expect([r.partial, codes(r)]).toEqual([true, ['deflate.context-missing']]);
    // A message that stands alone still inflates, and the context then builds up again.
    const alone = inflater.inflate(sendAlone(utf8('fresh start, fresh start')), true);
    expect([text(alone), codes(alone)]).toEqual(['fresh start, fresh start', []]);
    sender.close();
  });

  it('with fromStart a reference before the first message is a broken message, not a missing context', () => {
    const r = new MessageInflater(takeover(), MiB, { fromStart: true }).inflate(hex('f2 00 11 00 00'), true);
    expect([text(r), r.partial, codes(r)]).toEqual(['H', true, ['deflate.inflate-failed']]);
    expect(r.diagnostics[0].message).toContain('before the start of the stream');
  });

  it('no_context_takeover and nothing seen before: inflate-failed that says what to suspect', () => {
    const r = new MessageInflater(noTakeover(), MiB, { sender: 'client' }).inflate(hex('f2 00 11 00 00'), true);
    expect(codes(r)).toEqual(['deflate.inflate-failed']);
    expect(r.diagnostics[0].message).toContain('client_no_context_takeover');
  });

  it('garbage payload: inflate-failed in plain words, and the inflater keeps working', () => {
    const inflater = new MessageInflater(takeover(), MiB);
    const r = inflater.inflate(utf8('hello world, this is not compressed'), true);
    expect([r.partial, codes(r)]).toEqual([true, ['deflate.inflate-failed']]);
    expect(r.diagnostics[0].message).toContain('does not look like DEFLATE data');
    expect(r.diagnostics[0].message).toContain('invalid stored block lengths');
    const next = inflater.inflate(hex('f2 48 cd c9 c9 07 00'), true);
    expect([text(next), codes(next)]).toEqual(['Hello', []]);
  });

  it('after a failure the context is unknown: a message that refers back gets context-missing', () => {
    const inflater = new MessageInflater(takeover(), MiB, { fromStart: true });
    inflater.inflate(hex('f2 48 cd c9 c9 07 00'), true);
    inflater.inflate(hex('ff ff ff'), true);
    expect(codes(inflater.inflate(hex('f2 00 11 00 00'), true))).toEqual(['deflate.context-missing']);
  });

  it('a complete message that stops inside a block: inflate-failed, the decoded start kept', () => {
    const r = new MessageInflater(takeover(), MiB).inflate(hex('f2 48 cd c9 c9'), true);
    expect([text(r), r.partial, codes(r)]).toEqual(['Hell', true, ['deflate.inflate-failed']]);
    expect(r.diagnostics[0].message).toContain('ends inside a DEFLATE block');
  });

  it('data after the final block: deflate.trailing-data, the first stream kept', () => {
    const joined = new Uint8Array([...deflateRawSync(utf8('Hello')), ...deflateRawSync(utf8('World'))]);
    const r = new MessageInflater(takeover(), MiB).inflate(joined, true);
    expect([text(r), codes(r)]).toEqual(['Hello', ['deflate.trailing-data']]);
  });

  it('bomb: 100 MiB of zeros against a 1 MiB limit, memory stays bounded', async () => {
    const z = createDeflateRaw({ level: 9 });
    const chunks: Buffer[] = [];
    z.on('data', (c: Buffer) => chunks.push(c));
    const zeros = Buffer.alloc(MiB);
    for (let i = 0; i < 100; i++) z.write(zeros);
    await new Promise<void>((resolve) => z.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    z.close();
    const all = Buffer.concat(chunks);
    const bomb = all.subarray(0, all.length - 4);
    const peakBefore = process.resourceUsage().maxRSS;
    const r = new MessageInflater(takeover(), MiB).inflate(bomb, true);
    const grewKiB = process.resourceUsage().maxRSS - peakBefore;
    expect([r.partial, codes(r)]).toEqual([true, ['deflate.bomb']]);
    expect(r.data.length).toBe(MiB);
    expect(r.data.every((b) => b === 0)).toBe(true);
    expect(r.diagnostics[0].message).toContain(`${MiB} bytes`);
    expect(r.diagnostics[0].message).toContain(`${bomb.length} compressed bytes`);
    expect(grewKiB).toBeLessThan(48 * 1024);
  });

  it.each([
    ['a whole message', true],
    ['a message cut off by the end of the input', false],
  ])(
    'bomb in a fresh process, %s: the peak memory it adds stays near the limit (zlib writes the head in place)',
    (_, complete) => {
      // maxRSS is a process-wide peak, so only a process of its own shows what one bomb costs
      const script = `
      import { deflateRawSync, constants } from 'node:zlib';
      import { MessageInflater } from ${JSON.stringify(new URL('../../dist/protocol/message-inflater.js', import.meta.url).href)};
      const limit = ${16 * MiB};
      const bomb = deflateRawSync(Buffer.alloc(8 * limit), { finishFlush: constants.Z_SYNC_FLUSH, level: 1 }).subarray(0, -4);
      const inflater = new MessageInflater({ windowBits: 15, noContextTakeover: false }, limit, { fromStart: true });
      inflater.inflate(deflateRawSync(Buffer.from('first'), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4), true);
      const before = process.resourceUsage().maxRSS;
      const r = inflater.inflate(bomb, ${complete});
      const grewKiB = process.resourceUsage().maxRSS - before;
      console.log(JSON.stringify({ length: r.data.length, zeros: r.data.every((b) => b === 0), codes: r.diagnostics.map((d) => d.code), grewKiB }));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const r = JSON.parse(run.stdout) as { length: number; zeros: boolean; codes: string[]; grewKiB: number };
      expect([r.length, r.zeros, r.codes]).toEqual([
        16 * MiB,
        true,
        complete ? ['deflate.bomb'] : ['deflate.bomb', 'deflate.partial'],
      ]);
      // 16 MiB kept, plus the 4 MiB buffer it grew from; zlib's own output chunks took 2.3-4.4× the limit
      expect(r.grewKiB).toBeLessThan(1.6 * 16 * 1024);
    },
  );

  it('output of exactly the limit is not a bomb', () => {
    const r = new MessageInflater(takeover(), 1000).inflate(sendAlone(new Uint8Array(1000)), true);
    expect([r.data.length, codes(r)]).toEqual([1000, []]);
    const over = new MessageInflater(takeover(), 999).inflate(sendAlone(new Uint8Array(1000)), true);
    expect([over.data.length, codes(over)]).toEqual([999, ['deflate.bomb']]);
  });
});

describe('MessageInflater: properties', () => {
  const word = fc.constantFrom('{"type":"', 'chat', '"text":"', 'hello', ' world', '}', '\u00e9t\u00e9', '42', '\n');
  const message = fc.oneof(
    fc.array(word, { maxLength: 60 }).map((ws) => utf8(ws.join(''))),
    fc.uint8Array({ maxLength: 3000 }),
    fc
      .tuple(fc.integer({ min: 1, max: 40000 }), fc.integer({ min: 1, max: 200 }))
      .map(([n, k]) => new Uint8Array(n).map((_, i) => i % k)),
  );

  it('round trip: a zlib stream with context takeover, windowBits 9..15, inflates back exactly in sequence', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 9, max: 15 }),
        fc.boolean(),
        fc.array(message, { minLength: 1, maxLength: 12 }),
        async (wb, use8, messages) => {
          const sender = new Sender(wb);
          // Negotiated 8 with a zlib sender means 9 on the wire (see the windowBits 8 test).
          const inflater = new MessageInflater(takeover(wb === 9 && use8 ? 8 : wb), 64 * MiB);
          for (const m of messages) {
            const r = inflater.inflate(await sender.send(m), true);
            expect(codes(r)).toEqual([]);
            expect(Buffer.from(r.data).equals(Buffer.from(m))).toBe(true);
          }
          sender.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('round trip without context takeover', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 9, max: 15 }),
        fc.array(message, { minLength: 1, maxLength: 6 }),
        (wb, messages) => {
          const inflater = new MessageInflater(noTakeover(wb), 64 * MiB);
          for (const m of messages) {
            const r = inflater.inflate(sendAlone(m, wb), true);
            expect(codes(r)).toEqual([]);
            expect(Buffer.from(r.data).equals(Buffer.from(m))).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('random and mutated bytes never throw, never exceed the limit, and the inflater keeps working', () => {
    const valid = hex('f2 48 cd c9 c9 07 00');
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.nat(6), fc.integer({ min: 0, max: 255 })).map(([i, b]) => valid.map((v, j) => (j === i ? b : v))),
    );
    fc.assert(
      fc.property(
        fc.record({ windowBits: fc.integer({ min: 8, max: 15 }), noContextTakeover: fc.boolean() }),
        input,
        fc.boolean(),
        (settings, bytes, complete) => {
          const inflater = new MessageInflater(settings, 4096);
          const r = inflater.inflate(bytes, complete);
          expect(r.data.length).toBeLessThanOrEqual(4096);
          if (!complete) expect(codes(r)).toContain('deflate.partial');
          inflater.reset();
          expect(text(inflater.inflate(valid, true))).toBe('Hello');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('maxMatchDistance (window audit helper)', () => {
  it('finds the exact distance of a repeat, none in stored blocks, and stops early above the limit', () => {
    // zlib reaches at most 2^15 - 262 = 32506 bytes back.
    for (const distance of [10, 258, 1024, 1025, 5000, 32506]) {
      const head = noise(distance);
      const data = new Uint8Array([...head, ...head.subarray(0, Math.min(100, distance))]);
      expect(maxMatchDistance(deflateRawSync(data), 32768)).toBe(distance);
    }
    expect(maxMatchDistance(deflateRawSync(new Uint8Array(10000)), 32768)).toBe(1);
    // Stored blocks (level 0) hold no matches; the walk skips them whole.
    expect(maxMatchDistance(deflateRawSync(new Uint8Array(100000), { level: 0 }), 32768)).toBe(0);
    const far = noise(5000);
    expect(maxMatchDistance(deflateRawSync(new Uint8Array([...far, ...far.subarray(0, 100)])), 1024)).toBeGreaterThan(
      1024,
    );
  });

  it('stays within what zlib may use at each window size (2^w - 262)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 9, max: 15 }),
        fc.uint8Array({ maxLength: 5000 }),
        fc.integer({ min: 1, max: 64 }),
        (wb, seed, period) => {
          const data = new Uint8Array(20000).map((_, i) => seed[i % Math.max(1, seed.length)] ^ (i % period));
          expect(maxMatchDistance(deflateRawSync(data, { windowBits: wb }), 32768)).toBeLessThanOrEqual(
            (1 << wb) - 262,
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('random bytes never throw and never report a distance DEFLATE cannot express', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const d = maxMatchDistance(bytes, 32768);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(32768);
      }),
      { numRuns: 2000 },
    );
  });
});
