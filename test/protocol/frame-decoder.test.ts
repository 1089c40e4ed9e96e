import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Frame } from '../../src/protocol/frame.js';
import { buildFrame, chunkings, concatBytes, hex, toHex } from '../helpers/frame-builder.js';
import { LENGTH_FORMS, lengthHeader } from '../helpers/length-forms.js';

function decodeChunks(chunks: Uint8Array[], limits?: { maxFramePayload: number }) {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder({ onFrame: (f) => frames.push(f), limits });
  for (const c of chunks) decoder.push(c);
  const partial = decoder.finish();
  return { frames, partial };
}

/** The fields a frame is compared by across chunkings (payload as hex). */
function view(f: Frame) {
  return {
    offset: f.offset,
    fin: f.fin,
    rsv1: f.rsv1,
    rsv2: f.rsv2,
    rsv3: f.rsv3,
    opcode: f.opcode,
    masked: f.masked,
    key: f.maskingKey ? toHex(f.maskingKey) : null,
    enc: f.lengthEncoding,
    len: f.payloadLength,
    big: f.payloadLengthBig,
    hl: f.headerLength,
    payload: toHex(f.payload),
    skipped: f.payloadSkipped,
    truncated: f.truncated,
    codes: f.diagnostics.map((d) => d.code),
  };
}

function expectInvariant(bytes: Uint8Array) {
  const whole = decodeChunks([bytes]);
  for (const chunks of chunkings(bytes)) {
    const got = decodeChunks(chunks);
    expect(got.frames.map(view)).toEqual(whole.frames.map(view));
    expect(got.partial?.bytes).toEqual(whole.partial?.bytes);
  }
  return whole;
}

describe('FrameDecoder: cases that must decode exactly', () => {
  it('c1 85 … : FIN, RSV1, text, masked, key 43020acf, 5 bytes, unmasked 3234340400', () => {
    const { frames } = expectInvariant(hex('c1 85 43 02 0a cf 71 36 3e cb 43'));
    expect(frames).toHaveLength(1);
    const f = frames[0];
    expect([f.fin, f.rsv1, f.rsv2, f.rsv3, f.opcode, f.masked]).toEqual([true, true, false, false, 1, true]);
    expect(toHex(f.maskingKey!)).toBe('43020acf');
    expect(f.payloadLength).toBe(5);
    expect(f.headerLength).toBe(6);
    expect(toHex(f.payload)).toBe('3234340400');
    expect(f.truncated).toBe(false);
  });

  it('server frame declaring 24 bytes with 23 present is truncated', () => {
    const { frames } = expectInvariant(
      hex('c1 18 7a 36 a7 f7 69 d7 c2 a7 33 57 3c 9d 3d e9 ae 29 56 0a 86 86 86 00 00'),
    );
    expect(frames).toHaveLength(1);
    const f = frames[0];
    expect([f.fin, f.rsv1, f.opcode, f.masked, f.payloadLength]).toEqual([true, true, 1, false, 24]);
    expect(f.payload.length).toBe(23);
    expect(f.truncated).toBe(true);
    expect(f.diagnostics.map((d) => d.code)).toEqual(['frame.truncated']);
  });

  it('RFC 6455 §5.7 single-frame unmasked and masked "Hello"', () => {
    const a = expectInvariant(hex('81 05 48 65 6c 6c 6f')).frames[0];
    expect(Buffer.from(a.payload).toString()).toBe('Hello');
    expect(a.masked).toBe(false);
    const b = expectInvariant(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')).frames[0];
    expect(Buffer.from(b.payload).toString()).toBe('Hello');
    expect(toHex(b.maskingKey!)).toBe('37fa213d');
  });

  it('RFC 6455 §5.7 fragmented text, ping and masked pong', () => {
    const { frames } = expectInvariant(
      hex('01 03 48 65 6c 80 02 6c 6f 89 05 48 65 6c 6c 6f 8a 85 37 fa 21 3d 7f 9f 4d 51 58'),
    );
    expect(frames.map((f) => [f.fin, f.opcode, Buffer.from(f.payload).toString()])).toEqual([
      [false, 1, 'Hel'],
      [true, 0, 'lo'],
      [true, 9, 'Hello'],
      [true, 10, 'Hello'],
    ]);
    expect(frames.map((f) => f.offset)).toEqual([0, 5, 9, 16]);
  });

  it('256-byte binary with a 16-bit length', () => {
    const body = Uint8Array.from({ length: 256 }, (_, i) => i);
    const { frames } = expectInvariant(concatBytes(hex('82 7e 01 00'), body));
    expect(frames[0].lengthEncoding).toBe(16);
    expect(frames[0].payloadLength).toBe(256);
    expect(frames[0].headerLength).toBe(4);
    expect(frames[0].payload).toEqual(body);
    expect(frames[0].diagnostics).toEqual([]);
  });

  it('65536-byte binary with a 64-bit length', () => {
    const body = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff);
    const { frames } = expectInvariant(concatBytes(hex('82 7f 00 00 00 00 00 01 00 00'), body));
    expect(frames[0].lengthEncoding).toBe(64);
    expect(frames[0].payloadLength).toBe(65536);
    expect(frames[0].payloadLengthBig).toBe(65536n);
    expect(frames[0].headerLength).toBe(10);
    expect(frames[0].payload).toEqual(body);
  });
});

describe('FrameDecoder: length rules', () => {
  it('flags non-minimal 16- and 64-bit lengths', () => {
    const { frames } = decodeChunks([
      concatBytes(
        buildFrame({ opcode: 2, payload: 'abc', lengthEncoding: 16 }),
        buildFrame({ opcode: 2, payload: 'abc', lengthEncoding: 64 }),
      ),
    ]);
    expect(frames.map((f) => f.diagnostics.map((d) => d.code))).toEqual([
      ['frame.length.non-minimal'],
      ['frame.length.non-minimal'],
    ]);
    expect(frames.map((f) => Buffer.from(f.payload).toString())).toEqual(['abc', 'abc']);
  });

  it('reads a 64-bit length with the top bit set as bigint and never allocates it', () => {
    const bytes = buildFrame({ opcode: 2, payload: new Uint8Array(10), declaredLength: 0x8000000000000010n });
    const { frames } = decodeChunks([bytes], { maxFramePayload: 1024 });
    expect(frames).toHaveLength(1);
    const f = frames[0];
    expect(f.payloadLengthBig).toBe(0x8000000000000010n);
    expect(f.truncated).toBe(true);
    expect(f.payload.length).toBe(10);
    expect(f.diagnostics.map((d) => d.code)).toEqual([
      'frame.length.msb-set',
      'frame.length.too-large',
      'frame.truncated',
    ]);
  });

  it('keeps only maxFramePayload bytes of a huge frame and goes on with the next frame', () => {
    const big = buildFrame({ opcode: 2, payload: new Uint8Array(5000).fill(7), maskingKey: [1, 2, 3, 4] });
    const next = buildFrame({ opcode: 1, payload: 'next', maskingKey: [9, 9, 9, 9] });
    for (const chunks of chunkings(concatBytes(big, next), 3)) {
      const { frames } = decodeChunks(chunks, { maxFramePayload: 1000 });
      expect(frames).toHaveLength(2);
      expect(frames[0].payload).toEqual(new Uint8Array(1000).fill(7));
      expect(frames[0].payloadSkipped).toBe(4000);
      expect(frames[0].diagnostics.map((d) => d.code)).toEqual(['frame.length.too-large']);
      expect(Buffer.from(frames[1].payload).toString()).toBe('next');
    }
  });

  it('collects a payload that spans chunks into one buffer, masked or clear, and keeps what arrived of a truncated one', () => {
    const payload = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7 + 1) & 0xff);
    for (const maskingKey of [undefined, [0xa1, 0xb2, 0xc3, 0xd4]]) {
      const wire = buildFrame({ opcode: 2, payload, maskingKey });
      const cut = wire.length - 1000;
      for (const size of [1, 4093, 16384, 65536]) {
        const chunks: Uint8Array[] = [];
        for (let at = 0; at < cut; at += size) chunks.push(Buffer.from(wire.subarray(at, Math.min(at + size, cut))));
        const whole = decodeChunks([...chunks, wire.subarray(cut)]).frames[0];
        expect(Buffer.from(whole.payload).equals(Buffer.from(payload))).toBe(true);
        const truncated = decodeChunks(chunks).frames[0];
        expect(truncated.truncated).toBe(true);
        expect(Buffer.from(truncated.payload).equals(Buffer.from(payload.subarray(0, payload.length - 1000)))).toBe(
          true,
        );
      }
    }
  });

  it('returns an incomplete header at the end of input instead of a frame', () => {
    const { frames, partial } = decodeChunks([hex('81 05 48 65 6c 6c 6f 82 7e 01')]);
    expect(frames).toHaveLength(1);
    expect(partial).toEqual({ offset: 7, bytes: hex('82 7e 01') });
  });

  it('reset() drops a partial frame and counts skipped bytes in the offset', () => {
    const frames: Frame[] = [];
    const d = new FrameDecoder({ onFrame: (f) => frames.push(f) });
    d.push(hex('81 05 48 65'));
    d.reset(100);
    d.push(hex('81 02 68 69'));
    expect(frames).toHaveLength(1);
    expect(frames[0].offset).toBe(104);
    expect(Buffer.from(frames[0].payload).toString()).toBe('hi');
  });
});

describe('FrameDecoder: properties', () => {
  // Large payloads (60–70 KB, across the 16/64-bit length boundary at 65536) are described by
  // a length and a seed and built inside the property: a counterexample prints as two numbers
  // and shrinks in a few steps, where a raw 70 000-byte array took minutes to shrink and
  // printed as 200 KB of text.
  const bigPayload = fc.record({ length: fc.integer({ min: 60000, max: 70000 }), seed: fc.nat() });
  const frameSpec = fc.record({
    fin: fc.boolean(),
    rsv1: fc.boolean(),
    rsv2: fc.boolean(),
    rsv3: fc.boolean(),
    opcode: fc.integer({ min: 0, max: 15 }),
    maskingKey: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
    payload: fc.oneof(fc.uint8Array({ maxLength: 200 }), bigPayload),
  });
  const bytesOf = (p: Uint8Array | { length: number; seed: number }): Uint8Array => {
    if (p instanceof Uint8Array) return p;
    // xorshift32, four bytes a step: cheap enough for ~250 large payloads a run.
    const out = new Uint8Array(p.length);
    let x = p.seed | 1;
    for (let i = 0; i < out.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x;
      out[i + 1] = x >>> 8;
      out[i + 2] = x >>> 16;
      out[i + 3] = x >>> 24;
    }
    return out;
  };

  it('frames built by the builder decode back to the same fields, in any chunking', () => {
    let big = 0;
    fc.assert(
      fc.property(
        fc.array(frameSpec, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (generated, cuts) => {
          const specs = generated.map((s) => ({ ...s, payload: bytesOf(s.payload) }));
          big += specs.filter((s) => s.payload.length >= 60000).length;
          const wire = concatBytes(...specs.map(buildFrame));
          const chunks: Uint8Array[] = [];
          let prev = 0;
          for (const c of [...cuts.map((x) => x % (wire.length + 1))].sort((a, b) => a - b)) {
            chunks.push(wire.subarray(prev, c));
            prev = c;
          }
          chunks.push(wire.subarray(prev));
          const { frames, partial } = decodeChunks(chunks);
          expect(partial).toBeNull();
          expect(
            frames.map((f) => [
              f.fin,
              f.rsv1,
              f.rsv2,
              f.rsv3,
              f.opcode,
              f.masked,
              f.maskingKey && toHex(f.maskingKey),
              f.payloadLength,
            ]),
          ).toEqual(
            specs.map((s) => [
              s.fin,
              s.rsv1,
              s.rsv2,
              s.rsv3,
              s.opcode,
              s.maskingKey !== undefined,
              s.maskingKey ? toHex(s.maskingKey) : null,
              s.payload.length,
            ]),
          );
          // Payloads compared byte for byte; a mismatch names the frame, not 140 KB of hex.
          expect(frames.map((f, i) => Buffer.compare(f.payload, specs[i].payload) === 0)).toEqual(
            specs.map(() => true),
          );
        },
      ),
      // Seeded; shrinking is bounded by the global time limit (test/helpers/fast-check-setup.ts).
      { seed: 0x6455, numRuns: 100 },
    );
    expect(big).toBeGreaterThan(100);
  });

  it('random bytes never throw, and the decoder keeps working afterwards', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const frames: Frame[] = [];
        const d = new FrameDecoder({ onFrame: (f) => frames.push(f), limits: { maxFramePayload: 4096 } });
        for (const c of chunks) d.push(c);
        d.finish();
        frames.length = 0;
        d.reset();
        d.push(hex('81 02 68 69'));
        expect(frames.map((f) => Buffer.from(f.payload).toString())).toEqual(['hi']);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Limits.keepBinaryPayload', () => {
  const frames = (bytes: Uint8Array, keep: number): Frame[] => {
    const out: Frame[] = [];
    const d = new FrameDecoder({ limits: { keepBinaryPayload: keep }, onFrame: (f: Frame) => out.push(f) });
    for (let i = 0; i < bytes.length; i += 7) d.push(bytes.subarray(i, i + 7));
    return out;
  };

  it('keeps the first bytes of an uncompressed binary frame and counts the rest, without a diagnostic', () => {
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    for (const maskingKey of [undefined, [1, 2, 3, 4]]) {
      const [f] = frames(buildFrame({ opcode: 2, payload, maskingKey }), 11);
      expect([f.payload.length, f.payloadSkipped, f.payloadLength, f.truncated, f.diagnostics]).toEqual([
        11,
        989,
        1000,
        false,
        [],
      ]);
      expect([...f.payload]).toEqual([...payload.subarray(0, 11)]);
    }
  });

  it('keeps text and compressed frames, and their continuations, whole', () => {
    const payload = new Uint8Array(300).fill(0x61);
    const bytes = new Uint8Array([
      ...buildFrame({ opcode: 1, payload }),
      ...buildFrame({ opcode: 2, rsv1: true, payload }),
      ...buildFrame({ opcode: 1, fin: false, payload }),
      ...buildFrame({ opcode: 0, payload }),
      ...buildFrame({ opcode: 2, rsv1: true, fin: false, payload }),
      ...buildFrame({ opcode: 0, payload }),
    ]);
    expect(frames(bytes, 11).map((f) => [f.opcode, f.payload.length, f.payloadSkipped])).toEqual([
      [1, 300, 0],
      [2, 300, 0],
      [1, 300, 0],
      [0, 300, 0],
      [2, 300, 0],
      [0, 300, 0],
    ]);
  });

  it('keeps the first bytes of each continuation of an uncompressed binary message, across control frames, until its FIN', () => {
    const payload = new Uint8Array(300).fill(0x62);
    const bytes = new Uint8Array([
      ...buildFrame({ opcode: 2, fin: false, payload, maskingKey: [9, 8, 7, 6] }),
      ...buildFrame({ opcode: 0, fin: false, payload, maskingKey: [1, 2, 3, 4] }),
      ...buildFrame({ opcode: 9, payload: payload.subarray(0, 100) }),
      ...buildFrame({ opcode: 0, payload }),
      // the message is over: a stray continuation (an orphan) is kept whole again
      ...buildFrame({ opcode: 0, payload }),
    ]);
    const out = frames(bytes, 11);
    expect(out.map((f) => [f.opcode, f.payload.length, f.payloadSkipped])).toEqual([
      [2, 11, 289],
      [0, 11, 289],
      [9, 100, 0],
      [0, 11, 289],
      [0, 300, 0],
    ]);
    expect(out.every((f) => f.diagnostics.length === 0 && f.payload.every((b) => b === 0x62))).toBe(true);
  });
});

describe('FrameDecoder: the minimal length form at each boundary (RFC 6455 §5.2)', () => {
  it.each(LENGTH_FORMS.map((f) => [f.length, f.encoding, f.mustUse ?? 'minimal', f] as const))(
    'length %i in the %i-bit form: %s',
    (_n, _e, _m, form) => {
      const payload = Uint8Array.from({ length: form.length }, (_, i) => i & 0xff);
      const bytes = concatBytes(Uint8Array.from(lengthHeader(form)), payload);
      const { frames, partial } = decodeChunks([bytes]);
      expect(partial).toBeNull();
      expect(frames).toHaveLength(1);
      const f = frames[0];
      expect([f.lengthEncoding, f.payloadLength, f.headerLength, f.truncated]).toEqual([
        form.encoding,
        form.length,
        form.encoding === 7 ? 2 : form.encoding === 16 ? 4 : 10,
        false,
      ]);
      expect(f.payload).toEqual(payload);
      expect(f.diagnostics.map((d) => d.message)).toEqual(
        form.mustUse === null
          ? []
          : [`length ${form.length} written in the ${form.encoding}-bit form; ${form.mustUse} must be used`],
      );
    },
  );
});
