// One direction of a terminated WebSocket, writing side: messages → frames toward the
// receiver. Frames toward a server get a fresh masking key each (RFC 6455 §5.3), frames
// toward a client none. Compression follows what the handshake negotiated for the sender
// (RFC 7692 §7.1: window bits, context takeover), so the receiver's inflater never notices
// the proxy:
// - while every compressed message of the sender was forwarded as it came ("in step"), the
//   receiver's LZ77 window equals the sender's, and an unchanged message goes on with its
//   original compressed payload and fragmentation;
// - once a compressed message is changed, dropped or one of ours is compressed (with context
//   takeover), the windows differ: from then on every compressed message is deflated again
//   by this leg's own deflater, started with the receiver's window as its dictionary.
// Without context takeover every message stands alone and the step is never lost. Messages
// the proxy adds while in step are sent uncompressed (RSV1 clear, RFC 7692 §6): they leave
// the receiver's window alone.
// Layer rule: engine/ — pure (node:zlib through protocol/, node:crypto for keys).
import {
  writeFrameHeader,
  frameHeaderSize,
  minimalLengthEncoding,
  randomMaskingKey,
} from '../protocol/frame-encoder.js';
import type { KnownFrame } from '../protocol/frame-decoder.js';
import { Opcode } from '../protocol/frame.js';
import type { DeflateDirection } from '../protocol/handshake-types.js';
import { MessageDeflater } from '../protocol/message-deflater.js';
import { unmaskInto } from '../protocol/unmask.js';
import type { ReadMessage } from './message-reader.js';

/** One frame to write: header bits and its (plain, unmasked) payload. */
interface OutFrame {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly opcode: number;
  readonly payload: Uint8Array;
}

/** DEFLATE's largest window: all the history a receiver's inflater can refer to. */
const WINDOW = 32768;

export interface FreshOptions {
  /** Compress (when the connection negotiated permessage-deflate). */
  readonly compress: boolean;
  /** Payload bytes per frame; default one frame, or `frames` frames. */
  readonly fragment?: number;
  /** Split into this many frames (the original's fragmentation of a changed message). */
  readonly frames?: number;
}

export class LegWriter {
  private deflater: MessageDeflater | null = null;
  /** True while the receiver's inflate context is the sender's (original compressed bytes may go on). */
  private inStep = true;
  /** In step with context takeover: the last plain bytes the receiver inflated (its window). */
  private window: Uint8Array | null;
  private windowLength = 0;
  /** The frames encoded since the last takeFrames(), for the display (it need not parse them again). */
  private written: KnownFrame[] = [];

  constructor(
    /** The sender's negotiated settings (what the receiver inflates with), or null without permessage-deflate. */
    private readonly deflate: DeflateDirection | null,
    /** True toward the server: every frame masked with a fresh key. */
    private readonly mask: boolean,
  ) {
    this.window = deflate !== null && !deflate.noContextTakeover ? new Uint8Array(2 * WINDOW) : null;
  }

  /** True once this leg compresses with its own deflater (for tests and notes). */
  get recompressing(): boolean {
    return !this.inStep;
  }

  /**
   * Whether a message the proxy adds should be compressed: yes where that changes nothing
   * for later messages (no context takeover, or already recompressing); in step with context
   * takeover it goes uncompressed so the sender's own bytes can still follow.
   */
  get compressAdded(): boolean {
    return this.deflate !== null && (this.window === null || !this.inStep);
  }

  /** An unchanged message: its original frames while in step, else the same data deflated again in as many frames. */
  original(msg: ReadMessage): Uint8Array {
    if (!msg.compressed || this.inStep) {
      if (msg.compressed) this.remember(msg.data);
      return this.encode(msg.frames);
    }
    return this.encode(this.split(msg.opcode, this.compress(msg.data), true, { frames: msg.frames.length }));
  }

  /**
   * A message the proxy could not read whole (a broken compressed message): its frames as they
   * came, even when this leg recompresses; deflating what could be inflated of it again would
   * hand the receiver a valid message its sender never sent.
   */
  asItCame(msg: ReadMessage): Uint8Array {
    if (msg.compressed && this.inStep) this.remember(msg.data);
    return this.encode(msg.frames);
  }

  /** An unchanged message sent as frames of `size` payload bytes (the compressed bytes as they came while in step). */
  reframe(msg: ReadMessage, size: number): Uint8Array {
    if (!msg.compressed || this.inStep) {
      if (msg.compressed) this.remember(msg.data);
      return this.encode(this.split(msg.opcode, msg.wire, msg.compressed, { fragment: size }));
    }
    return this.encode(this.split(msg.opcode, this.compress(msg.data), true, { fragment: size }));
  }

  /** A message of the proxy's making (changed or injected). */
  fresh(opcode: number, data: Uint8Array, options: FreshOptions): Uint8Array {
    if (!options.compress || this.deflate === null) return this.encode(this.split(opcode, data, false, options));
    return this.encode(this.split(opcode, this.compress(data), true, options));
  }

  /** A compressed message of the sender's that the receiver will never inflate (dropped or replaced). */
  lost(msg: ReadMessage): void {
    if (msg.compressed && this.window !== null) this.leaveStep();
  }

  control(opcode: number, payload: Uint8Array): Uint8Array {
    return this.encode([{ fin: true, rsv1: false, opcode, payload }]);
  }

  /** The frames of the bytes returned since the last call, in order. */
  takeFrames(): KnownFrame[] {
    const frames = this.written;
    this.written = [];
    return frames;
  }

  close(): void {
    this.deflater?.close();
    this.deflater = null;
  }

  private compress(data: Uint8Array): Uint8Array {
    // with context takeover our compressed bytes change the receiver's window
    if (this.window !== null) this.leaveStep();
    this.deflater ??= new MessageDeflater(this.deflate!);
    return this.deflater.deflate(data);
  }

  /** From now on this leg's deflater compresses, starting from the receiver's window. */
  private leaveStep(): void {
    if (!this.inStep) return;
    this.inStep = false;
    const dictionary = this.window === null ? undefined : this.window.subarray(0, this.windowLength);
    if (this.deflate !== null) this.deflater = new MessageDeflater(this.deflate, { dictionary });
    this.window = null;
  }

  private remember(data: Uint8Array): void {
    const w = this.window;
    if (w === null) return;
    const n = data.length;
    if (n >= WINDOW) {
      w.set(data.subarray(n - WINDOW), 0);
      this.windowLength = WINDOW;
      return;
    }
    if (this.windowLength + n > w.length) {
      const keep = WINDOW - n;
      w.copyWithin(0, this.windowLength - keep, this.windowLength);
      this.windowLength = keep;
    }
    w.set(data, this.windowLength);
    this.windowLength += n;
  }

  private split(
    opcode: number,
    payload: Uint8Array,
    rsv1: boolean,
    options: Omit<FreshOptions, 'compress'>,
  ): OutFrame[] {
    const sizes = frameSizes(payload.length, options);
    const frames: OutFrame[] = [];
    let at = 0;
    sizes.forEach((size, i) => {
      frames.push({
        fin: i === sizes.length - 1,
        rsv1: rsv1 && i === 0,
        opcode: i === 0 ? opcode : Opcode.continuation,
        payload: payload.subarray(at, at + size),
      });
      at += size;
    });
    return frames;
  }

  /** The frames' wire bytes in one buffer: one write per message. */
  private encode(frames: readonly OutFrame[]): Uint8Array {
    let size = 0;
    for (const f of frames)
      size += frameHeaderSize(minimalLengthEncoding(f.payload.length), this.mask) + f.payload.length;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const f of frames) {
      const key = this.mask ? randomMaskingKey() : null;
      at = writeFrameHeader(out, at, {
        fin: f.fin,
        rsv1: f.rsv1,
        rsv2: false,
        rsv3: false,
        opcode: f.opcode,
        masked: key !== null,
        maskingKey: key,
        lengthEncoding: minimalLengthEncoding(f.payload.length),
        payloadLength: f.payload.length,
      });
      if (key === null) out.set(f.payload, at);
      else unmaskInto(out, f.payload, 0, f.payload.length, key, 0, at);
      at += f.payload.length;
      this.written.push({
        b0: (f.fin ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | f.opcode,
        maskingKey: key,
        payload: f.payload,
      });
    }
    return out;
  }
}

/** Payload sizes of the frames: `fragment` bytes each, or `frames` near-equal parts, or one frame. */
function frameSizes(length: number, options: Omit<FreshOptions, 'compress'>): number[] {
  if (options.fragment !== undefined && options.fragment > 0) {
    const sizes: number[] = [];
    for (let at = 0; at < length; at += options.fragment) sizes.push(Math.min(options.fragment, length - at));
    return sizes.length === 0 ? [0] : sizes;
  }
  const n = Math.max(1, Math.min(options.frames ?? 1, Math.max(1, length)));
  const base = Math.floor(length / n);
  const sizes = Array<number>(n).fill(base);
  sizes[n - 1] += length - base * n;
  return sizes;
}
