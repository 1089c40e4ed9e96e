import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIMD_UNMASK, unmaskInto } from '../../src/protocol/unmask.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Frame } from '../../src/protocol/frame.js';
import { buildFrame } from '../helpers/frame-builder.js';

function naive(src: Uint8Array, start: number, length: number, key: Uint8Array, index: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => src[start + i] ^ key[(index + i) & 3]);
}

describe('unmaskInto (RFC 6455 §5.3)', () => {
  it('runs long payloads through the WebAssembly kernel here (so the tests below exercise it)', () => {
    expect(SIMD_UNMASK).toBe(true);
  });

  it('matches a byte-by-byte XOR for every phase, offset, alignment and input type', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.nat(8),
        fc.nat(7),
        fc.nat(100),
        fc.boolean(),
        (data, key, srcStart, outStart, index, asBuffer) => {
          const src = asBuffer
            ? Buffer.concat([Buffer.alloc(srcStart), Buffer.from(data)])
            : Uint8Array.from([...new Uint8Array(srcStart), ...data]);
          const outBacking = new Uint8Array(outStart + data.length + 3);
          const out = outBacking.subarray(1);
          unmaskInto(out, src, srcStart, data.length, key, index, outStart);
          expect(out.subarray(outStart, outStart + data.length)).toEqual(naive(src, srcStart, data.length, key, index));
          expect(outBacking[0]).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('matches a byte-by-byte XOR on long runs: across 64 KiB blocks, at every phase and misalignment', () => {
    // lengths around the SIMD kernel's 64-byte strides and 64 KiB blocks, and above both paths' thresholds
    const lengths = [127, 128, 129, 1000, 65535, 65536, 65537, 131072 + 3, 200_000];
    const key = Uint8Array.of(0x9a, 0x01, 0xff, 0x5c);
    for (const length of lengths) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) & 0xff);
      for (const [srcStart, outStart, index] of [
        [0, 0, 0],
        [3, 1, 1],
        [1, 6, 2],
        [7, 3, 103],
      ]) {
        const src = Buffer.concat([Buffer.alloc(srcStart, 0xee), Buffer.from(data)]);
        const outBacking = new Uint8Array(outStart + length + 5).fill(0x42);
        unmaskInto(outBacking, src, srcStart, length, key, index, outStart);
        expect(
          Buffer.from(outBacking.subarray(outStart, outStart + length)).equals(
            Buffer.from(naive(src, srcStart, length, key, index)),
          ),
        ).toBe(true);
        // nothing written outside the range
        expect(outBacking.subarray(0, outStart).every((b) => b === 0x42)).toBe(true);
        expect(outBacking.subarray(outStart + length).every((b) => b === 0x42)).toBe(true);
      }
    }
  });

  it('leaves the input untouched and gives keys that do not alias Buffer chunks', () => {
    const wire = Buffer.from(buildFrame({ payload: 'x'.repeat(100), maskingKey: [1, 2, 3, 4] }));
    const copy = Buffer.from(wire);
    const frames: Frame[] = [];
    const d = new FrameDecoder({ onFrame: (f) => frames.push(f) });
    d.push(wire);
    expect(wire).toEqual(copy);
    wire.fill(0);
    expect(Array.from(frames[0].maskingKey!)).toEqual([1, 2, 3, 4]);
    expect(Buffer.from(frames[0].payload).toString()).toBe('x'.repeat(100));
  });
});
