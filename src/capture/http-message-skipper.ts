// One direction of HTTP/1.1 on a kept-alive connection, message after message: where each
// head ends and where its body ends (Content-Length, chunked transfer coding or none,
// RFC 9112 §6–§7), so the next message can be found. Heads are copied (bounded, they are
// small and may be the WebSocket handshake); body bytes are only counted, never kept.
// Layer rule: capture/ — pure.
import type { DetectionBudget } from './detection-window.js';
import { HeadEndScanner, StreamStart, classifyStreamStart } from '../protocol/upgrade-detection.js';

/** Why `advance` stopped. */
export const SkipStop = {
  /** Every byte given was taken; more are needed. */
  end: 0,
  /** A head is complete (`head`, `headLength`): the caller says how its body is framed. */
  head: 1,
  /** A message (head and body) is complete; the next byte starts another. */
  message: 2,
  /** The bytes are not HTTP that can be followed; the skipper stays failed. */
  failed: 3,
} as const;
export type SkipStop = (typeof SkipStop)[keyof typeof SkipStop];

/** How the body after a head is delimited (RFC 9112 §6.3). */
export type BodyFraming =
  { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };

// States. A head ends where protocol/upgrade-detection's HeadEndScanner says, as for the
// session's HttpHeadParser: a bare-LF head ends in the same place for both.
const HEAD = 0;
const HEAD_DONE = 1; // waiting for startBody
const BODY = 2;
const CHUNK_SIZE = 3;
const CHUNK_EXT = 4;
const CHUNK_DATA = 5;
const CHUNK_DATA_END = 6;
const TRAILER_LINE_START = 7;
const TRAILER_LINE = 8;
const MESSAGE_DONE = 9;
const FAILED = 10;

const CR = 0x0d;
const LF = 0x0a;
/** Longest chunk-size line (size and extensions) or trailer section followed. */
const MAX_CHUNK_LINE = 16 * 1024;
/** Chunk sizes past 2^53 cannot be counted exactly; no real body is that large. */
const MAX_CHUNK_SIZE = Number.MAX_SAFE_INTEGER;

const EMPTY = new Uint8Array(0);

export class HttpMessageSkipper {
  stop: SkipStop = SkipStop.end;
  /** The head in progress or just completed: head[0, headLength). */
  head: Uint8Array = EMPTY;
  headLength = 0;
  private state = HEAD;
  private readonly headEnd = new HeadEndScanner();
  private headChecked = false;
  /** Body or chunk bytes still to skip, or bytes of the current chunk line / trailers seen. */
  private remaining = 0;
  private chunkSize = 0;
  private lineBytes = 0;

  constructor(
    private readonly expect: typeof StreamStart.httpRequest | typeof StreamStart.httpResponse,
    private readonly maxHead: number,
    private readonly budget: DetectionBudget,
  ) {}

  /** Takes bytes from `at` until something happens (see SkipStop); returns where it stopped. */
  advance(bytes: Uint8Array, at: number): number {
    switch (this.state) {
      case HEAD:
        return this.takeHead(bytes, at);
      case BODY:
        return this.skipBody(bytes, at);
      case MESSAGE_DONE:
        this.state = HEAD;
        this.stop = SkipStop.message;
        return at;
      case FAILED:
      case HEAD_DONE:
        this.fail();
        return at;
      default:
        return this.skipChunked(bytes, at);
    }
  }

  /** After SkipStop.head: how the message's body is framed; null when it cannot be told. */
  startBody(framing: BodyFraming | null): void {
    this.headLength = 0;
    this.headChecked = false;
    if (framing === null) this.fail();
    else if (framing.kind === 'chunked') {
      this.state = CHUNK_SIZE;
      this.chunkSize = 0;
      this.lineBytes = 0;
    } else if (framing.kind === 'length' && framing.length > 0) {
      this.state = BODY;
      this.remaining = framing.length;
    } else this.state = MESSAGE_DONE;
  }

  /** Between messages, with no byte of the next one seen (blank lines between messages aside). */
  atMessageStart(): boolean {
    return this.state === HEAD && this.headLength === 0;
  }

  /** Inside a head (possibly empty so far): its bytes may be the start of the WebSocket stream. */
  inHead(): boolean {
    return this.state === HEAD;
  }

  /** A copy of the head bytes so far. */
  copyHead(): Uint8Array {
    return this.head.slice(0, this.headLength);
  }

  /** Bytes missing from the stream: fine inside a body of known length, fatal anywhere else. */
  gap(length: number): boolean {
    const counted = this.state === BODY || this.state === CHUNK_DATA;
    if (counted && length < this.remaining) {
      this.remaining -= length;
      return true;
    }
    this.fail();
    return false;
  }

  failed(): boolean {
    return this.state === FAILED;
  }

  release(): void {
    this.budget.bytes -= this.head.length;
    this.head = EMPTY;
    this.headLength = 0;
  }

  private fail(): void {
    this.state = FAILED;
    this.stop = SkipStop.failed;
  }

  private takeHead(bytes: Uint8Array, at: number): number {
    let i = at;
    // RFC 9112 §2.2: empty lines before a request or status line are ignored.
    if (this.headLength === 0) while (i < bytes.length && (bytes[i] === CR || bytes[i] === LF)) i += 1;
    const end = this.headEnd.scan(bytes, i, bytes.length);
    const stop = end < 0 ? bytes.length : end;
    if (!this.keepHead(bytes, i, stop)) return stop;
    if (end < 0) {
      this.stop = SkipStop.end;
      return stop;
    }
    this.state = HEAD_DONE;
    this.stop = SkipStop.head;
    return end;
  }

  /** Copies head bytes; fails on a head too long or not starting like the HTTP expected. */
  private keepHead(bytes: Uint8Array, from: number, to: number): boolean {
    const n = to - from;
    if (this.headLength + n > this.maxHead) {
      this.fail();
      return false;
    }
    if (this.headLength + n > this.head.length) {
      const grown = new Uint8Array(Math.min(this.maxHead, Math.max(256, this.head.length * 2, this.headLength + n)));
      grown.set(this.head.subarray(0, this.headLength));
      this.budget.bytes += grown.length - this.head.length;
      this.head = grown;
    }
    this.head.set(bytes.subarray(from, to), this.headLength);
    this.headLength += n;
    if (!this.headChecked) {
      const kind = classifyStreamStart(this.head, this.headLength);
      if (kind !== StreamStart.needMore) {
        this.headChecked = true;
        if (kind !== this.expect) {
          this.fail();
          return false;
        }
      }
    }
    if (this.budget.bytes > this.budget.limit) {
      this.fail();
      return false;
    }
    return true;
  }

  private skipBody(bytes: Uint8Array, at: number): number {
    const take = Math.min(this.remaining, bytes.length - at);
    this.remaining -= take;
    if (this.remaining > 0) {
      this.stop = SkipStop.end;
      return at + take;
    }
    this.state = HEAD;
    this.stop = SkipStop.message;
    return at + take;
  }

  /**
   * chunked-body = *chunk last-chunk trailer-section CRLF (RFC 9112 §7.1); chunk data is
   * skipped by count, size lines and trailers are read byte by byte (they are short).
   */
  private skipChunked(bytes: Uint8Array, at: number): number {
    let i = at;
    while (i < bytes.length) {
      if (this.state === CHUNK_DATA) {
        const take = Math.min(this.remaining, bytes.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) {
          this.state = CHUNK_DATA_END;
          this.lineBytes = 0;
        }
        continue;
      }
      const b = bytes[i];
      i += 1;
      if (!this.chunkByte(b)) {
        this.fail();
        return i;
      }
      if (this.state === MESSAGE_DONE) {
        this.state = HEAD;
        this.stop = SkipStop.message;
        return i;
      }
    }
    this.stop = SkipStop.end;
    return i;
  }

  /** One byte of a chunk-size line, the CRLF after chunk data, or the trailer section. */
  private chunkByte(b: number): boolean {
    if (this.state !== CHUNK_DATA_END && (this.lineBytes += 1) > MAX_CHUNK_LINE) return false;
    switch (this.state) {
      case CHUNK_SIZE: {
        const digit = hexDigit(b);
        if (digit >= 0) {
          this.chunkSize = this.chunkSize * 16 + digit;
          return this.chunkSize <= MAX_CHUNK_SIZE;
        }
        if (this.lineBytes === 1) return false; // a size line needs at least one digit
        if (b === LF) return this.chunkLineEnd();
        // chunk-ext (§7.1.1), BWS before it, and the CR of CRLF: skipped up to the LF
        this.state = CHUNK_EXT;
        return true;
      }
      case CHUNK_EXT:
        return b === LF ? this.chunkLineEnd() : true;
      case CHUNK_DATA_END:
        // the CRLF that ends chunk data (a bare LF accepted, as for heads)
        if (b === CR) return (this.lineBytes += 1) === 1;
        if (b !== LF) return false;
        this.state = CHUNK_SIZE;
        this.chunkSize = 0;
        this.lineBytes = 0;
        return true;
      case TRAILER_LINE_START:
        if (b === LF) {
          this.state = MESSAGE_DONE;
          return true;
        }
        if (b !== CR) this.state = TRAILER_LINE;
        return true;
      default: // TRAILER_LINE
        if (b === LF) this.state = TRAILER_LINE_START;
        return true;
    }
  }

  private chunkLineEnd(): boolean {
    if (this.chunkSize === 0) {
      this.state = TRAILER_LINE_START; // last-chunk: the trailer section follows
      return true;
    }
    this.state = CHUNK_DATA;
    this.remaining = this.chunkSize;
    this.lineBytes = 0;
    return true;
  }
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
