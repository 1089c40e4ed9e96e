// permessage-deflate compression of whole messages, one direction (RFC 7692 §7.2.1): the
// sender's side of MessageInflater. One raw DEFLATE stream, a sync flush per message, the
// 00 00 ff ff tail removed; the stream is reset after every message without context takeover.
// Layer rule: protocol/ — synchronous node:zlib only (like the inflater: the caller writes the
// frames of a message in order, and replay stays in step with its script), no I/O.
import { constants, createDeflateRaw, deflateRawSync, type DeflateRaw } from 'node:zlib';
import type { DeflateDirection } from './handshake-types.js';
import { ZlibDrive } from './zlib-drive.js';

export interface MessageDeflaterOptions {
  /** zlib compression level, 0–9 (default: zlib's default, 6, as ws uses). */
  readonly level?: number;
  /** zlib memLevel, 1–9 (default 8). */
  readonly memLevel?: number;
  /**
   * true (default): one zlib stream kept open across messages and driven synchronously.
   * false: a fresh zlib engine per message, preset with the previous output when the context
   * is kept — slower, and what is used anyway when node's zlib handle is not usable.
   */
  readonly liveStream?: boolean;
  /**
   * The receiver's window when this deflater takes over a stream mid-way (a proxy that
   * forwarded the sender's own compressed bytes until now): the plain bytes of the messages
   * the receiver inflated last (RFC 7692 §7.1.1), so later messages may refer to them. Only
   * the last 2^windowBits bytes are used; ignored without context takeover.
   */
  readonly dictionary?: Uint8Array;
}

/** The end of every sync flush: an empty stored block's LEN and NLEN (RFC 7692 §7.2.1). */
const TAIL = [0x00, 0x00, 0xff, 0xff] as const;
/**
 * RFC 7692 §7.2.3.6: an empty message is sent as a single 00 octet (an empty stored block's
 * header bits, non-final, with the 00 00 ff ff that follows removed).
 */
const EMPTY_MESSAGE = Uint8Array.of(0x00);
/** zlib writes into this much scratch first; an output that fits is then copied out at its exact size. */
const SCRATCH_BYTES = 64 * 1024;

/** Compresses the messages of one direction of one connection, in order. */
export class MessageDeflater {
  /** The negotiated window, 8–15. */
  readonly windowBits: number;
  readonly noContextTakeover: boolean;
  private readonly zlibWindowBits: number;
  private readonly level: number;
  private readonly memLevel: number;
  private live: LiveDeflate | null = null;
  private useLive: boolean;
  /** Per-message engine only: the last 2^windowBits bytes sent, the receiver's window. */
  private history: Uint8Array = new Uint8Array(0);

  constructor(settings: DeflateDirection, options: MessageDeflaterOptions = {}) {
    const windowBits = Math.trunc(settings.windowBits);
    if (!(windowBits >= 8 && windowBits <= 15)) throw new RangeError(`window bits ${settings.windowBits} not in 8–15`);
    this.windowBits = windowBits;
    // zlib's raw deflate refuses a 256-byte window and node turns 8 into 9 (what ws gets by
    // passing 8 through). That is safe for a receiver limited to 8: zlib never refers further
    // back than the window minus its 262-byte lookahead, 2^9 - 262 = 250 bytes.
    this.zlibWindowBits = Math.max(9, windowBits);
    this.noContextTakeover = settings.noContextTakeover;
    this.level = options.level ?? constants.Z_DEFAULT_COMPRESSION;
    this.memLevel = options.memLevel ?? 8;
    this.useLive = options.liveStream ?? true;
    const dictionary = options.dictionary;
    if (dictionary !== undefined && dictionary.length > 0 && !this.noContextTakeover)
      this.history = dictionary.slice(Math.max(0, dictionary.length - (1 << windowBits)));
  }

  /** One whole message's compressed payload: what the frames of the message carry, RSV1 on the first. */
  deflate(message: Uint8Array): Uint8Array {
    if (message.length === 0) return EMPTY_MESSAGE;
    if (this.useLive) {
      this.live ??= LiveDeflate.create(this.zlibWindowBits, this.level, this.memLevel, this.history);
      // no usable handle on this node: one engine per message from now on
      if (this.live === null) this.useLive = false;
      else {
        const out = this.live.flushed(message);
        if (this.noContextTakeover) this.live.reset();
        return withoutTail(out);
      }
    }
    return this.deflateAlone(message);
  }

  /** Starts a new compression context (the receiver must do the same, e.g. on a new connection). */
  reset(): void {
    this.live?.reset();
    this.history = new Uint8Array(0);
  }

  /** Frees the zlib stream; the deflater must not be used afterwards. */
  close(): void {
    this.live?.close();
    this.live = null;
  }

  /** A fresh engine; with context takeover it is preset with the receiver's window (RFC 7692 §7.1.1). */
  private deflateAlone(message: Uint8Array): Uint8Array {
    const keep = !this.noContextTakeover && this.history.length > 0;
    const out = deflateRawSync(message, {
      windowBits: this.zlibWindowBits,
      level: this.level,
      memLevel: this.memLevel,
      finishFlush: constants.Z_SYNC_FLUSH,
      dictionary: keep ? this.history : undefined,
    });
    if (!this.noContextTakeover) this.remember(message);
    return withoutTail(out);
  }

  private remember(message: Uint8Array): void {
    const size = 1 << this.windowBits;
    if (message.length >= size) {
      this.history = message.slice(message.length - size);
      return;
    }
    const keep = Math.min(this.history.length, size - message.length);
    const next = new Uint8Array(keep + message.length);
    next.set(this.history.subarray(this.history.length - keep), 0);
    next.set(message, keep);
    this.history = next;
  }
}

/** RFC 7692 §7.2.1 step 2: the sync flush's 00 00 ff ff removed. */
function withoutTail(out: Uint8Array): Uint8Array {
  const n = out.length;
  if (n < 4 || TAIL.some((b, i) => out[n - 4 + i] !== b))
    throw new Error(`zlib's sync flush did not end with 00 00 ff ff (${n} bytes)`);
  return out.subarray(0, n - 4);
}

/** A raw deflate stream kept open, driven synchronously through node's zlib handle. */
class LiveDeflate {
  private constructor(
    private readonly stream: DeflateRaw,
    private readonly zlib: ZlibDrive,
  ) {}

  /** null when this node's zlib does not expose a usable handle. */
  static create(windowBits: number, level: number, memLevel: number, dictionary: Uint8Array): LiveDeflate | null {
    const stream = createDeflateRaw({
      windowBits,
      level,
      memLevel,
      dictionary: dictionary.length > 0 ? dictionary : undefined,
    });
    const zlib = ZlibDrive.of(stream, SCRATCH_BYTES, roomForTheRest);
    if (zlib === null) {
      stream.close();
      return null;
    }
    return new LiveDeflate(stream, zlib);
  }

  /** `input` compressed and sync-flushed (ending in 00 00 ff ff). */
  flushed(input: Uint8Array): Uint8Array {
    // no output limit: zlib stops with room to spare only when the input is taken and the flush is complete
    const out = this.zlib.run(input, constants.Z_SYNC_FLUSH, Infinity);
    if (out === null || !(out instanceof Uint8Array)) throw new Error(`zlib deflate failed: ${this.zlib.failure}`);
    return out;
  }

  reset(): void {
    this.zlib.handle.reset();
  }

  close(): void {
    this.stream.close();
  }
}

/**
 * Room for the rest even if it does not compress: DEFLATE adds at most 5 bytes per stored
 * block of up to 64 KiB, zlib's blocks are smaller, 1/1024 covers them.
 */
function roomForTheRest(size: number, filled: number, inputLeft: number): number {
  return Math.max(size * 2, filled + inputLeft + (inputLeft >>> 10) + 1024);
}
