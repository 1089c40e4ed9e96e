// Walks raw DEFLATE data (RFC 1951) without producing output, to find the farthest
// back-reference: zlib's inflate only rejects a distance beyond the bytes it holds, never
// one beyond a smaller negotiated window, so RFC 7692 §7.1.2 window limits are checked here.
// Layer rule: protocol/ — pure computation, no I/O; tables are built once, not per call.

import {
  BitReader,
  DIST_BASE,
  DIST_EXTRA,
  dynDist,
  dynLit,
  fixedDist,
  fixedLit,
  LENGTH_EXTRA,
  readDynamic,
  STOP,
  type Huffman,
} from './deflate-bits.js';

/** Walks one Huffman-coded block; returns the largest distance (stops early above `stopAbove`). */
function walkCodes(r: BitReader, lit: Huffman, dist: Huffman, stopAbove: number, max: number): number {
  for (;;) {
    const sym = r.decode(lit);
    if (sym < 256) continue;
    if (sym === 256) return max;
    const lenIndex = sym - 257;
    if (lenIndex >= 29) throw STOP;
    r.bits(LENGTH_EXTRA[lenIndex]);
    const dsym = r.decode(dist);
    if (dsym >= 30) throw STOP;
    const d = DIST_BASE[dsym] + r.bits(DIST_EXTRA[dsym]);
    if (d > max) {
      max = d;
      if (max > stopAbove) return max;
    }
  }
}

/**
 * The farthest back-reference distance used in raw DEFLATE `data`, read up to the end of
 * the final block, the end of the input or the first invalid code (zlib reports those).
 * Stops as soon as a distance above `stopAbove` is seen and returns it.
 */
export function maxMatchDistance(data: Uint8Array, stopAbove: number): number {
  const r = new BitReader(data);
  let max = 0;
  try {
    let last = 0;
    while (last === 0 && max <= stopAbove) {
      last = r.bits(1);
      const type = r.bits(2);
      if (type === 0) {
        r.align();
        const len = r.bits(16);
        r.bits(16);
        r.pos += len;
      } else if (type === 1) {
        max = walkCodes(r, fixedLit, fixedDist, stopAbove, max);
      } else if (type === 2) {
        readDynamic(r);
        max = walkCodes(r, dynLit, dynDist, stopAbove, max);
      } else {
        throw STOP;
      }
    }
  } catch (e) {
    if (e !== STOP) throw e;
  }
  return max;
}
