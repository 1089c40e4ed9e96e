import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unmaskInto } from '../../src/protocol/unmask.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Frame } from '../../src/protocol/frame.js';
import { buildFrame } from '../helpers/frame-builder.js';

function naive(src: Uint8Array, start: number, length: number, key: Uint8Array, index: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => src[start + i] ^ key[(index + i) & 3]);
}

describe('unmaskInto (RFC 6455 §5.3)', () => {
  it('matches a byte-by-byte XOR for every phase, offset, alignment and input type', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.nat(8), fc.nat(7), fc.nat(100), fc.boolean(),
      (data, key, srcStart, outStart, index, asBuffer) => {
        const src = asBuffer ? Buffer.concat([Buffer.alloc(srcStart), Buffer.from(data)]) : Uint8Array.from([...new Uint8Array(srcStart), ...data]);
        const outBacking = new Uint8Array(outStart + data.length + 3);
        const out = outBacking.subarray(1);
        unmaskInto(out, src, srcStart, data.length, key, index, outStart);
        expect(out.subarray(outStart, outStart + data.length)).toEqual(naive(src, srcStart, data.length, key, index));
        expect(outBacking[0]).toBe(0);
      },
    ), { numRuns: 2000 });
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
