// FrameDecoder.pushKnown: a terminating proxy hands the display the frames its writer built,
// so they are not parsed again. What it emits must be exactly what push() emits from the
// same bytes (every field, the same Limits on what is kept), and where that cannot be vouched
// for it must refuse and leave the decoder as it was, so the caller pushes the bytes instead.
import { describe, expect, it } from 'vitest';
import { LegWriter } from '../../src/engine/leg-writer.js';
import { FrameDecoder, type KnownFrame } from '../../src/protocol/frame-decoder.js';
import type { Frame } from '../../src/protocol/frame.js';
import type { Limits } from '../../src/protocol/limits.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sizes around every length-form boundary, and random ones. */
const SIZES = [0, 1, 124, 125, 126, 127, 1000, 65535, 65536, 70000];

/** Payloads as the writer frames them: whole, or split into `frames` or `fragment`-sized frames. */
function written(mask: boolean, rand: () => number, count: number): { bytes: Uint8Array; frames: KnownFrame[] }[] {
  const w = new LegWriter(null, mask);
  const out: { bytes: Uint8Array; frames: KnownFrame[] }[] = [];
  for (let i = 0; i < count; i++) {
    const size = i < SIZES.length ? SIZES[i] : Math.floor(rand() * 3000);
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j++) data[j] = Math.floor(rand() * 256);
    const opcode = rand() < 0.5 ? 1 : 2;
    const r = rand();
    const bytes =
      r < 0.2
        ? w.control(rand() < 0.5 ? 9 : 10, data.subarray(0, Math.min(size, 125)))
        : r < 0.6
          ? w.fresh(opcode, data, { compress: false, frames: 1 + Math.floor(rand() * 3) })
          : w.fresh(opcode, data, { compress: false, fragment: 1 + Math.floor(rand() * 200) });
    out.push({ bytes, frames: w.takeFrames() });
  }
  return out;
}

function decodeAll(chunks: { bytes: Uint8Array; frames: KnownFrame[] }[], limits: Partial<Limits>, known: boolean) {
  const frames: Frame[] = [];
  const d = new FrameDecoder({ limits, onFrame: (f) => frames.push(f) });
  for (const c of chunks) {
    if (known) expect(d.pushKnown(c.frames, c.bytes.length)).toBe(true);
    else d.push(c.bytes);
  }
  return { frames, offset: d.offset };
}

/** A Frame with its payload as plain bytes (a Buffer view and a Uint8Array of the same bytes compare equal). */
const plain = (f: Frame) => ({ ...f, payload: Array.from(f.payload) });

describe('FrameDecoder.pushKnown', () => {
  for (const mask of [true, false])
    for (const limits of [{}, { keepBinaryPayload: 10 }, { keepBinaryPayload: 0 }])
      it(`emits what push() emits from the same bytes (${mask ? 'masked' : 'clear'}, ${JSON.stringify(limits)})`, () => {
        const chunks = written(mask, prng(mask ? 7 : 8), 200);
        const fromBytes = decodeAll(chunks, limits, false);
        const fromFrames = decodeAll(chunks, limits, true);
        expect(fromFrames.offset).toBe(fromBytes.offset);
        expect(fromFrames.frames.length).toBe(fromBytes.frames.length);
        expect(fromFrames.frames.map(plain)).toEqual(fromBytes.frames.map(plain));
        // the kept prefix of a long binary frame really was cut (the limits were exercised)
        if (limits.keepBinaryPayload === 10) expect(fromBytes.frames.some((f) => f.payloadSkipped > 0)).toBe(true);
      });

  it('refuses, changing nothing, what it cannot vouch for', () => {
    const [one] = written(true, prng(3), 11).slice(10);
    const frames: Frame[] = [];
    const d = new FrameDecoder({ onFrame: (f) => frames.push(f) });
    // sizes that do not add up
    expect(d.pushKnown(one.frames, one.bytes.length + 1)).toBe(false);
    // a frame in progress: the first byte of a header is buffered
    d.push(one.bytes.subarray(0, 1));
    expect(d.pushKnown(one.frames, one.bytes.length)).toBe(false);
    d.push(one.bytes.subarray(1));
    expect(frames.length).toBe(one.frames.length);
    // a frame over the size limit is the byte decoder's to report
    const big = new FrameDecoder({ limits: { maxFramePayload: 100 }, onFrame: () => {} });
    const w = new LegWriter(null, false);
    const bytes = w.fresh(2, new Uint8Array(65536), { compress: false });
    expect(big.pushKnown(w.takeFrames(), bytes.length)).toBe(false);
    expect(big.offset).toBe(0);
  });
});
