// Raw DEFLATE (RFC 1951) at the bit level, shared by the walkers that read compressed data
// without inflating it: the window check (max-match-distance.ts) and the teaching trace
// (deflate-trace.ts). puff.c's canonical-Huffman decoding; tables are built once.
// Layer rule: protocol/ — pure computation.

/** Thrown inside the walk when the input ends or a code is invalid; the walk just stops. */
export const STOP = Symbol('stop');

// RFC 1951 §3.2.5: base lengths and extra bits for length symbols 257..285, and base
// distances and extra bits for distance symbols 0..29.
export const LENGTH_EXTRA = Uint8Array.of(
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
);
export const DIST_BASE = Uint16Array.of(
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
);
export const DIST_EXTRA = Uint8Array.of(
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
);
// RFC 1951 §3.2.7: order in which code-length code lengths are stored.
const CL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/** A canonical Huffman code as puff.c keeps it: codes per length, symbols in code order. */
export interface Huffman {
  readonly count: Uint16Array;
  readonly symbol: Uint16Array;
}

const huffman = (symbols: number): Huffman => ({ count: new Uint16Array(16), symbol: new Uint16Array(symbols) });

/** Builds a code from code lengths; returns false when the lengths over-subscribe the code. */
function build(h: Huffman, lengths: Uint8Array, n: number): boolean {
  h.count.fill(0);
  for (let s = 0; s < n; s++) h.count[lengths[s]]++;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = (left << 1) - h.count[len];
    if (left < 0) return false;
  }
  offs.fill(0);
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + h.count[len];
  for (let s = 0; s < n; s++) if (lengths[s] !== 0) h.symbol[offs[lengths[s]]++] = s;
  return true;
}

// Scratch tables shared by every call: the walk is synchronous, so one set suffices.
const offs = new Uint16Array(16);
const lengths = new Uint8Array(320);
export const dynLit = huffman(288);
export const dynDist = huffman(30);
export const fixedLit = huffman(288);
export const fixedDist = huffman(30);
{
  const l = new Uint8Array(288);
  l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  build(fixedLit, l, 288);
  build(fixedDist, new Uint8Array(30).fill(5), 30);
}

export class BitReader {
  pos = 0;
  private buf = 0;
  private cnt = 0;
  constructor(private readonly data: Uint8Array) {}

  bits(n: number): number {
    let buf = this.buf;
    while (this.cnt < n) {
      if (this.pos >= this.data.length) throw STOP;
      buf |= this.data[this.pos++] << this.cnt;
      this.cnt += 8;
    }
    this.buf = buf >>> n;
    this.cnt -= n;
    return buf & ((1 << n) - 1);
  }

  /** Stored blocks start on a byte boundary (RFC 1951 §3.2.4). */
  align(): void {
    this.buf = 0;
    this.cnt = 0;
  }

  decode(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= this.bits(1);
      const count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw STOP;
  }
}

/** Reads a dynamic block's code definitions into dynLit/dynDist (RFC 1951 §3.2.7). */
export function readDynamic(r: BitReader): void {
  const nlen = r.bits(5) + 257;
  const ndist = r.bits(5) + 1;
  const ncode = r.bits(4) + 4;
  if (nlen > 286 || ndist > 30) throw STOP;
  lengths.fill(0, 0, 19);
  for (let i = 0; i < ncode; i++) lengths[CL_ORDER[i]] = r.bits(3);
  if (!build(dynLit, lengths, 19)) throw STOP;
  let i = 0;
  while (i < nlen + ndist) {
    const sym = r.decode(dynLit);
    if (sym < 16) {
      lengths[i++] = sym;
      continue;
    }
    const value = sym === 16 ? (i === 0 ? -1 : lengths[i - 1]) : 0;
    const repeat = sym === 16 ? 3 + r.bits(2) : sym === 17 ? 3 + r.bits(3) : 11 + r.bits(7);
    if (value < 0 || i + repeat > nlen + ndist) throw STOP;
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (!build(dynLit, lengths, nlen)) throw STOP;
  if (!build(dynDist, lengths.subarray(nlen), ndist)) throw STOP;
}

/** RFC 1951 §3.2.5: base lengths of length symbols 257..285. */
export const LENGTH_BASE = Uint16Array.of(
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
);
