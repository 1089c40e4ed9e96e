// UTF-8 validation for text messages and close reasons (RFC 6455 §8.1, RFC 3629), whole or
// streamed across fragments: a code point split between two frames is valid. The bulk of
// each piece is checked by node's native isUtf8; only the at most 3 bytes of an unfinished
// sequence are carried between pieces. Layer rule: protocol/ — pure (node:buffer only).
import { isUtf8 } from 'node:buffer';
import { concatBytes } from './bytes.js';

export function isValidUtf8(bytes: Uint8Array): boolean {
  return bytes.length === 0 || isUtf8(bytes);
}

/** The first ill-formed sequence: where it starts, and whether the end of the bytes merely cut it off. */
export interface Utf8Problem {
  /** Byte offset where the ill-formed sequence starts (its lead byte, or the stray byte). */
  readonly offset: number;
  /** True when every byte from `offset` on is allowed and only the end of the bytes came too soon. */
  readonly unfinished: boolean;
}

/** The first ill-formed sequence (Unicode Table 3-7), or null. Slow path: only used to explain an error. */
export function firstUtf8Problem(bytes: Uint8Array): Utf8Problem | null {
  let i = 0;
  while (i < bytes.length) {
    const need = sequenceLength(bytes[i]);
    if (need === 0) return { offset: i, unfinished: false };
    if (i + need > bytes.length) return { offset: i, unfinished: prefixIsValid(bytes.subarray(i)) };
    if (!prefixIsValid(bytes.subarray(i, i + need))) return { offset: i, unfinished: false };
    i += need;
  }
  return null;
}

/** Byte offset where the first ill-formed sequence starts (also one cut off by the end), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  return firstUtf8Problem(bytes)?.offset ?? -1;
}

/** Streaming validator: push pieces, then end(); valid() is false once anything was invalid. */
export class Utf8StreamValidator {
  private carry: Uint8Array | null = null;
  private ok = true;
  private seen = 0;
  private errorAt = -1;

  push(piece: Uint8Array): boolean {
    if (!this.ok || piece.length === 0) return this.ok;
    const data = this.carry === null ? piece : concatBytes([this.carry, piece]);
    const base = this.seen - (this.carry === null ? 0 : this.carry.length);
    const split = incompleteTailStart(data);
    const body = data.subarray(0, split);
    const tail = data.subarray(split);
    if (!isValidUtf8(body)) this.fail(base + Math.max(0, firstInvalidUtf8(body)));
    else if (tail.length > 0 && !prefixIsValid(tail)) this.fail(base + split);
    this.carry = tail.length > 0 && this.ok ? tail.slice() : null;
    this.seen += piece.length;
    return this.ok;
  }

  /** The message is over: an unfinished sequence at the end is invalid. */
  end(): boolean {
    if (this.ok && this.carry !== null) this.fail(this.seen - this.carry.length);
    this.carry = null;
    return this.ok;
  }

  get valid(): boolean {
    return this.ok;
  }

  /** Offset (within the whole message) of the first invalid byte, or -1. */
  get errorOffset(): number {
    return this.errorAt;
  }

  private fail(at: number): void {
    this.ok = false;
    this.errorAt = at;
    this.carry = null;
  }
}

/** Length of the sequence a lead byte starts (0 when it cannot start one). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Where an unfinished multi-byte sequence at the end begins (data.length if none). */
function incompleteTailStart(data: Uint8Array): number {
  const n = data.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = data[n - back];
    if ((b & 0xc0) !== 0x80) {
      const need = sequenceLength(b);
      return need > back ? n - back : n;
    }
  }
  return n;
}

/** True when bytes are a valid (possibly unfinished) sequence: RFC 3629 §4 second-byte ranges. */
function prefixIsValid(bytes: Uint8Array): boolean {
  const lead = bytes[0];
  const need = sequenceLength(lead);
  if (need === 0 || bytes.length > need) return false;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i];
    if (i === 1) {
      const lo = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
      const hi = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
      if (b < lo || b > hi) return false;
    } else if ((b & 0xc0) !== 0x80) return false;
  }
  return true;
}
