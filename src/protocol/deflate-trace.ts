// What a permessage-deflate payload says, block by block (RFC 1951 §3.2.3): each block's
// BFINAL and BTYPE, a stored block's length, and for Huffman blocks the literals and
// back-references (length, distance) in order, with where each lands in the inflated output.
// For the teaching view (`-V` on a compressed frame). Layer rule: protocol/ — pure.
import {
  BitReader,
  DIST_BASE,
  DIST_EXTRA,
  dynDist,
  dynLit,
  fixedDist,
  fixedLit,
  LENGTH_BASE,
  LENGTH_EXTRA,
  readDynamic,
  STOP,
  type Huffman,
} from './deflate-bits.js';

export type DeflateSymbol =
  | { readonly kind: 'literal'; readonly byte: number; readonly at: number }
  | { readonly kind: 'match'; readonly length: number; readonly distance: number; readonly at: number };

export interface DeflateBlock {
  readonly final: boolean;
  /** BTYPE: 0 stored, 1 fixed Huffman codes, 2 dynamic Huffman codes, 3 reserved (an error). */
  readonly type: 0 | 1 | 2 | 3;
  /** A stored block's LEN. */
  readonly storedLength?: number;
  /** The first symbols (at most the limit asked for), in order. */
  readonly symbols: DeflateSymbol[];
  /** Every literal and match of the block, also those not kept. */
  literals: number;
  matches: number;
  /** Inflated bytes this block produced. */
  outputLength: number;
  /** The block's end-of-block code was read (a block cut off by the end of input has not). */
  complete: boolean;
}

export interface DeflateTrace {
  readonly blocks: DeflateBlock[];
  /** Why the walk stopped before the input ended (an invalid code or length), or null. */
  readonly error: string | null;
}

/**
 * The blocks of raw DEFLATE `data` (for a message: its payload with 00 00 ff ff appended),
 * keeping at most `maxSymbols` symbols per block. `at` counts from the start of this
 * message's output, so a distance greater than `at` reaches into earlier messages
 * (context takeover).
 */
export function traceDeflate(data: Uint8Array, maxSymbols: number): DeflateTrace {
  const r = new BitReader(data);
  const blocks: DeflateBlock[] = [];
  let out = 0;
  let error: string | null = null;
  try {
    let final = false;
    while (!final && r.pos < data.length) {
      final = r.bits(1) === 1;
      const type = r.bits(2) as 0 | 1 | 2 | 3;
      if (type === 3) {
        blocks.push(block(final, type));
        error = 'BTYPE 11 is reserved: the data is not DEFLATE';
        break;
      }
      if (type === 0) {
        r.align();
        const len = r.bits(16);
        const nlen = r.bits(16);
        const b = block(final, type, len);
        blocks.push(b);
        if ((len ^ 0xffff) !== nlen) {
          error = `stored block LEN ${len} does not match NLEN ${nlen} (they must be complements)`;
          break;
        }
        const available = Math.min(len, data.length - r.pos);
        r.pos += available;
        out += available;
        b.outputLength = available;
        b.complete = available === len;
        continue;
      }
      const b = block(final, type);
      blocks.push(b);
      if (type === 2) readDynamic(r);
      out = walkSymbols(r, type === 1 ? fixedLit : dynLit, type === 1 ? fixedDist : dynDist, b, out, maxSymbols);
    }
  } catch (e) {
    if (e !== STOP) throw e;
    const last = blocks[blocks.length - 1];
    if (last !== undefined && !last.complete && r.pos < data.length) error = 'an invalid code in the compressed data';
  }
  return { blocks, error };
}

function block(final: boolean, type: 0 | 1 | 2 | 3, storedLength?: number): DeflateBlock {
  const b: DeflateBlock = { final, type, symbols: [], literals: 0, matches: 0, outputLength: 0, complete: false };
  return storedLength === undefined ? b : { ...b, storedLength };
}

function walkSymbols(r: BitReader, lit: Huffman, dist: Huffman, b: DeflateBlock, out: number, max: number): number {
  const start = out;
  for (;;) {
    const sym = r.decode(lit);
    if (sym === 256) {
      b.complete = true;
      b.outputLength = out - start;
      return out;
    }
    if (sym < 256) {
      b.literals++;
      if (b.symbols.length < max) b.symbols.push({ kind: 'literal', byte: sym, at: out });
      out++;
      b.outputLength = out - start;
      continue;
    }
    const lenIndex = sym - 257;
    if (lenIndex >= 29) throw STOP;
    const length = LENGTH_BASE[lenIndex] + r.bits(LENGTH_EXTRA[lenIndex]);
    const dsym = r.decode(dist);
    if (dsym >= 30) throw STOP;
    const distance = DIST_BASE[dsym] + r.bits(DIST_EXTRA[dsym]);
    b.matches++;
    if (b.symbols.length < max) b.symbols.push({ kind: 'match', length, distance, at: out });
    out += length;
    b.outputLength = out - start;
  }
}
