// Incremental RFC 6455 §5.2 frame decoder for one byte stream (one direction). Bytes arrive
// in any chunking and decode identically; "need more bytes" is internal state, never an
// exception. Lengths from the wire are checked against Limits before anything is kept.
// Layer rule: protocol/ — pure, imports nothing of ours but protocol types.
import { Buffer } from 'node:buffer';
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';
import type { Frame, LengthEncoding } from './frame.js';
import { resolveLimits, type Limits } from './limits.js';
import { unmaskInto } from './unmask.js';

export interface FrameDecoderOptions {
  readonly limits?: Partial<Limits>;
  /** Called once per frame, in stream order, as soon as its last byte arrives. */
  readonly onFrame: (frame: Frame) => void;
}

/** What was left undecoded when the input ended mid-header (a truncated frame is emitted instead when the header was complete). */
export interface PartialHeader {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

/**
 * Header fields of the frame whose payload is being collected. One per decoder, filled in
 * again for each frame (emit copies what the Frame keeps before anything else can run).
 */
class PendingFrame {
  offset = 0;
  b0 = 0;
  b1 = 0;
  maskingKey: Uint8Array | null = null;
  lengthEncoding: LengthEncoding = 7;
  payloadLength = 0;
  payloadLengthBig: bigint | undefined = undefined;
  headerLength = 0;
  keep = 0;
  diagnostics: Diagnostic[] = [];
  /**
   * The kept payload: a view of the input chunk (clear, in one chunk), an unmasked copy (masked,
   * in one chunk), or one buffer of `keep` bytes that each chunk is copied or unmasked straight
   * into (spanning chunks), so no pieces are kept and joined later.
   */
  payload: Uint8Array | null = null;
  kept = 0;
  remaining = 0;
}

/**
 * A frame already parsed or built by the caller (a terminating proxy's writer): its first header
 * byte, masking key and plain payload, with the header in its minimal form (RFC 6455 §5.2).
 */
export interface KnownFrame {
  readonly b0: number;
  readonly maskingKey: Uint8Array | null;
  /** The whole payload, unmasked. */
  readonly payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const TWO_POW_32 = 4294967296;

export class FrameDecoder {
  private readonly limits: Limits;
  private readonly onFrame: (frame: Frame) => void;
  /** Stream offset of the next byte to be pushed. */
  private position = 0;
  private readonly head = new Uint8Array(14);
  private headFill = 0;
  private pending: PendingFrame | null = null;
  /** What `pending` points to while a frame is open. */
  private readonly slot = new PendingFrame();
  /**
   * True while an uncompressed binary message is fragmented (its first frame had FIN clear):
   * its continuation frames are kept only up to keepBinaryPayload, as its first frame was.
   */
  private plainBinaryOpen = false;

  constructor(options: FrameDecoderOptions) {
    this.limits = resolveLimits(options.limits);
    this.onFrame = options.onFrame;
  }

  /** Stream offset of the next byte (bytes consumed so far, including skipped gaps). */
  get offset(): number {
    return this.position;
  }

  /** True when the decoder sits exactly between frames. */
  get atFrameBoundary(): boolean {
    return this.pending === null && this.headFill === 0;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.pending !== null) {
        pos = this.collectPayload(chunk, pos, end);
      } else if (this.headFill === 0) {
        pos = this.decodeInChunk(chunk, pos, end);
      } else {
        pos = this.collectHeader(chunk, pos, end);
      }
    }
  }

  /**
   * `frames` are exactly the `byteLength` bytes that come next in the stream, whole frames in
   * minimal header form: they are emitted as push() would emit them from those bytes (same
   * fields, the same Limits on what is kept) without reading the bytes. Returns false, having
   * done nothing, when that cannot be vouched for (a frame in progress, sizes that do not add
   * up, a frame over the size limit): the caller pushes the bytes instead.
   */
  pushKnown(frames: readonly KnownFrame[], byteLength: number): boolean {
    if (this.pending !== null || this.headFill !== 0) return false;
    let total = 0;
    for (const f of frames) {
      const n = f.payload.length;
      if (n > this.limits.maxFramePayload) return false;
      total += minimalHeaderLength(n, f.maskingKey !== null) + n;
    }
    if (total !== byteLength) return false;
    for (const f of frames) {
      const length = f.payload.length;
      const masked = f.maskingKey !== null;
      const lengthEncoding: LengthEncoding = length < 126 ? 7 : length < 65536 ? 16 : 64;
      const headerLength = minimalHeaderLength(length, masked);
      const keep = this.keepsOnlyPrefix(f.b0) ? Math.min(length, this.limits.keepBinaryPayload) : length;
      const b0 = f.b0;
      const payload = keep === 0 ? EMPTY : new Uint8Array(f.payload.buffer, f.payload.byteOffset, keep);
      const frame: Frame = {
        offset: this.position,
        fin: (b0 & 0x80) !== 0,
        rsv1: (b0 & 0x40) !== 0,
        rsv2: (b0 & 0x20) !== 0,
        rsv3: (b0 & 0x10) !== 0,
        opcode: b0 & 0x0f,
        masked,
        maskingKey: f.maskingKey,
        lengthEncoding,
        payloadLength: length,
        payloadLengthBig: lengthEncoding === 64 ? BigInt(length) : undefined,
        headerLength,
        payload,
        payloadSkipped: length - keep,
        truncated: false,
        diagnostics: [],
      };
      this.position += headerLength + length;
      this.onFrame(frame);
    }
    return true;
  }

  /**
   * Input ended: a frame whose header was complete is emitted with truncated=true and a
   * frame.truncated diagnostic; an incomplete header is returned for the caller to report.
   */
  finish(): PartialHeader | null {
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      pending.diagnostics.push(
        diagnostic(
          'frame.truncated',
          `input ended inside the frame: ${pending.payloadLength - pending.remaining} of ${pending.payloadLength} payload bytes present`,
        ),
      );
      this.emit(pending, true);
      return null;
    }
    if (this.headFill === 0) return null;
    const partial = { offset: this.position - this.headFill, bytes: this.head.slice(0, this.headFill) };
    this.headFill = 0;
    return partial;
  }

  /** Forget any partial frame (after lost data); decoding restarts at the next byte pushed. */
  reset(skippedBytes = 0): void {
    this.pending = null;
    this.headFill = 0;
    this.plainBinaryOpen = false;
    this.position += skippedBytes;
  }

  /** Fast path: the header starts at chunk[pos] with nothing buffered. */
  private decodeInChunk(chunk: Uint8Array, pos: number, end: number): number {
    const available = end - pos;
    if (available < 2) return this.collectHeader(chunk, pos, end);
    const need = headerLength(chunk[pos + 1]);
    if (available < need) return this.collectHeader(chunk, pos, end);
    this.beginFrame(chunk, pos);
    this.position += need;
    return this.collectPayload(chunk, pos + need, end);
  }

  /** Slow path: gather a header that straddles chunks into this.head. */
  private collectHeader(chunk: Uint8Array, pos: number, end: number): number {
    const head = this.head;
    if (this.headFill < 2) {
      const take = Math.min(2 - this.headFill, end - pos);
      head.set(chunk.subarray(pos, pos + take), this.headFill);
      this.headFill += take;
      pos += take;
      this.position += take;
      if (this.headFill < 2) return pos;
    }
    const need = headerLength(head[1]);
    const take = Math.min(need - this.headFill, end - pos);
    head.set(chunk.subarray(pos, pos + take), this.headFill);
    this.headFill += take;
    this.position += take;
    pos += take;
    if (this.headFill === need) {
      this.headFill = 0;
      this.beginFrame(head, 0, this.position - need);
    }
    return pos;
  }

  /** Reads a complete header at buf[at]; the frame starts at stream offset `offset`. */
  private beginFrame(buf: Uint8Array, at: number, offset = this.position): PendingFrame {
    const b0 = buf[at];
    const b1 = buf[at + 1];
    const len7 = b1 & 0x7f;
    const masked = (b1 & 0x80) !== 0;
    const diagnostics: Diagnostic[] = [];
    let lengthEncoding: LengthEncoding = 7;
    let payloadLength = len7;
    let payloadLengthBig: bigint | undefined;
    let cursor = at + 2;
    if (len7 === 126) {
      lengthEncoding = 16;
      payloadLength = (buf[cursor] << 8) | buf[cursor + 1];
      cursor += 2;
      // RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length"
      if (payloadLength < 126) diagnostics.push(nonMinimal(16, payloadLength));
    } else if (len7 === 127) {
      lengthEncoding = 64;
      const hi = readU32(buf, cursor);
      const lo = readU32(buf, cursor + 4);
      cursor += 8;
      payloadLengthBig = (BigInt(hi) << 32n) | BigInt(lo);
      payloadLength = hi * TWO_POW_32 + lo;
      // RFC 6455 §5.2: "the most significant bit MUST be 0"
      if (hi >= 0x80000000)
        diagnostics.push(
          diagnostic(
            'frame.length.msb-set',
            `64-bit length 0x${payloadLengthBig.toString(16)} has its most significant bit set`,
          ),
        );
      if (payloadLength < 65536) diagnostics.push(nonMinimal(64, payloadLength));
    }
    // a copy, not buf.slice: on a Buffer chunk slice is a view that would pin the chunk
    let maskingKey: Uint8Array | null = null;
    if (masked) {
      maskingKey = new Uint8Array(4);
      maskingKey[0] = buf[cursor];
      maskingKey[1] = buf[cursor + 1];
      maskingKey[2] = buf[cursor + 2];
      maskingKey[3] = buf[cursor + 3];
      cursor += 4;
    }
    let keep = Math.min(payloadLength, this.limits.maxFramePayload);
    if (keep < payloadLength) {
      diagnostics.push(
        diagnostic(
          'frame.length.too-large',
          `declared payload length ${payloadLengthBig ?? payloadLength} exceeds the ${this.limits.maxFramePayload}-byte limit; only the first ${keep} bytes are kept`,
        ),
      );
    }
    if (this.keepsOnlyPrefix(b0)) keep = Math.min(keep, this.limits.keepBinaryPayload);
    const frame = this.slot;
    frame.offset = offset;
    frame.b0 = b0;
    frame.b1 = b1;
    frame.maskingKey = maskingKey;
    frame.lengthEncoding = lengthEncoding;
    frame.payloadLength = payloadLength;
    frame.payloadLengthBig = payloadLengthBig;
    frame.headerLength = cursor - at;
    frame.keep = keep;
    frame.diagnostics = diagnostics;
    frame.payload = null;
    frame.kept = 0;
    frame.remaining = payloadLength;
    this.pending = frame;
    return frame;
  }

  /**
   * True for a frame of an uncompressed binary message (opcode 2, or a continuation of one,
   * RSV1 clear); follows which message is open (RFC 6455 §5.4: control frames may interleave).
   */
  private keepsOnlyPrefix(b0: number): boolean {
    const opcode = b0 & 0x0f;
    if (opcode >= 8) return false;
    const plain = (b0 & 0x40) === 0;
    const fin = (b0 & 0x80) !== 0;
    if (opcode === 0) {
      const keepsPrefix = this.plainBinaryOpen && plain;
      if (fin) this.plainBinaryOpen = false;
      return keepsPrefix;
    }
    const plainBinary = opcode === 2 && plain;
    this.plainBinaryOpen = plainBinary && !fin;
    return plainBinary;
  }

  private collectPayload(chunk: Uint8Array, pos: number, end: number): number {
    const frame = this.pending!;
    const take = Math.min(frame.remaining, end - pos);
    const keepNow = Math.min(take, frame.keep - frame.kept);
    if (keepNow > 0) {
      if (keepNow === frame.keep) frame.payload = this.keepPiece(frame, chunk, pos, keepNow);
      else this.keepSpanning(frame, chunk, pos, keepNow);
      frame.kept += keepNow;
    }
    frame.remaining -= take;
    this.position += take;
    pos += take;
    if (frame.remaining === 0) {
      this.pending = null;
      this.emit(frame, false);
    }
    return pos;
  }

  /** The whole payload in this chunk. Unmasking copies (input buffers may still be queued for forwarding); clear payloads are views. */
  private keepPiece(frame: PendingFrame, chunk: Uint8Array, pos: number, length: number): Uint8Array {
    if (frame.maskingKey === null) return chunk.subarray(pos, pos + length);
    const out = uninitialised(length);
    unmaskInto(out, chunk, pos, length, frame.maskingKey, 0);
    return out;
  }

  /** Part of a payload that spans chunks: into its one buffer (keep is bounded by Limits). */
  private keepSpanning(frame: PendingFrame, chunk: Uint8Array, pos: number, length: number): void {
    const whole = (frame.payload ??= uninitialised(frame.keep));
    if (frame.maskingKey !== null) unmaskInto(whole, chunk, pos, length, frame.maskingKey, frame.kept, frame.kept);
    // a plain view: subarray on a Buffer chunk goes through Buffer's slower species path
    else whole.set(new Uint8Array(chunk.buffer, chunk.byteOffset + pos, length), frame.kept);
  }

  private emit(p: PendingFrame, truncated: boolean): void {
    // a truncated frame filled only the start of a buffer sized for its declared length: keep a copy of what arrived, not the buffer
    const payload = p.payload === null ? EMPTY : p.payload.length === p.kept ? p.payload : p.payload.slice(0, p.kept);
    const frame: Frame = {
      offset: p.offset,
      fin: (p.b0 & 0x80) !== 0,
      rsv1: (p.b0 & 0x40) !== 0,
      rsv2: (p.b0 & 0x20) !== 0,
      rsv3: (p.b0 & 0x10) !== 0,
      opcode: p.b0 & 0x0f,
      masked: p.maskingKey !== null,
      maskingKey: p.maskingKey,
      lengthEncoding: p.lengthEncoding,
      payloadLength: p.payloadLength,
      payloadLengthBig: p.payloadLengthBig,
      headerLength: p.headerLength,
      payload,
      payloadSkipped: p.payloadLength - p.remaining - p.kept,
      truncated,
      diagnostics: p.diagnostics,
    };
    this.onFrame(frame);
  }
}

/** Header size implied by the second header byte (RFC 6455 §5.2). */
export function headerLength(b1: number): number {
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((b1 & 0x80) !== 0 ? 4 : 0);
}

/**
 * A plain Uint8Array over Buffer.allocUnsafe memory: node's pool serves small sizes and
 * nothing is zero-filled (every byte is written at once by unmasking). Wrapped so callers
 * keep Uint8Array semantics (slice copies; no Buffer toString/toJSON).
 */
function uninitialised(length: number): Uint8Array {
  const b = Buffer.allocUnsafe(length);
  return new Uint8Array(b.buffer, b.byteOffset, length);
}

/** Header size of a frame with this payload length in the minimal length form. */
function minimalHeaderLength(length: number, masked: boolean): number {
  return 2 + (length < 126 ? 0 : length < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) >>> 0) + ((buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]);
}

function nonMinimal(bits: 16 | 64, length: number): Diagnostic {
  const minimal = length < 126 ? 'the 7-bit field' : 'the 16-bit form';
  return diagnostic(
    'frame.length.non-minimal',
    `length ${length} written in the ${bits}-bit form; ${minimal} must be used`,
  );
}
