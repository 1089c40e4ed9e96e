// What the session keeps for one direction: its phase, frame decoder, message assembler,
// counters, bytes held while the handshake is pending, and resynchronisation after lost data.
// Layer rule: session/ — pure.
import { concatBytes } from '../protocol/bytes.js';
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { FrameDecoder, type KnownFrame } from '../protocol/frame-decoder.js';
import type { Frame } from '../protocol/frame.js';
import { findFrameStart } from '../protocol/frame-plausibility.js';
import type { Limits } from '../protocol/limits.js';
import type { CaptureOrigin, Direction, InspectEvent, Timestamp } from './events.js';
import { MessageAssembler } from './message-assembler.js';
import { OriginMarks } from './origin-marks.js';

/** Bytes held before the handshake completed, with where they came from (packet 0: unknown). */
export interface HeldBytes {
  readonly bytes: Uint8Array;
  readonly at: number;
  readonly packet: number;
  readonly record: number;
}

/** awaiting-handshake: bytes are held until the 101; lost-sync: looking for a frame header after lost data. */
export type DirectionPhase = 'awaiting-handshake' | 'open' | 'lost-sync' | 'not-websocket';

/** Bytes searched for a frame header after lost data before older bytes are given up. */
const RESYNC_WINDOW = 256 * 1024;

export class DirectionState {
  phase: DirectionPhase = 'awaiting-handshake';
  readonly decoder: FrameDecoder;
  readonly assembler: MessageAssembler;
  frames = 0;
  messages = 0;
  bytes = 0;
  closeSent = false;
  deflateAssumed = false;
  lastIndex = 0;
  private held: HeldBytes[] = [];
  private heldBytes = 0;
  /** Position in the frame decoder's stream of the next byte pushed (bytes and holes so far). */
  private streamPos = 0;
  private readonly marks = new OriginMarks();
  private resyncBuffer: Uint8Array | null = null;
  private skipped = 0;

  constructor(
    private readonly conn: number,
    private readonly dir: Direction,
    private readonly limits: Limits,
    onFrame: (frame: Frame) => void,
    private readonly emit: (event: InspectEvent) => void,
  ) {
    this.decoder = new FrameDecoder({ limits, onFrame });
    this.assembler = new MessageAssembler(conn, dir, limits, emit);
  }

  /** Frames sent before the server answered are held (bounded) until the negotiation is known. */
  hold(bytes: Uint8Array, at = 0, packet = 0, record = -1): void {
    if (this.heldBytes + bytes.length > this.limits.maxMessageBytes) return;
    this.held.push({ bytes, at, packet, record });
    this.heldBytes += bytes.length;
  }

  /** The handshake completed: frames flow; returns what was held. */
  open(): HeldBytes[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    if (this.phase === 'awaiting-handshake') this.phase = 'open';
    return held;
  }

  /** Bytes for the frame decoder; `packet` > 0: they came from that packet at TCP stream offset `at`. */
  push(bytes: Uint8Array, time: Timestamp, at = 0, packet = 0, record = -1): void {
    if (packet > 0) this.marks.add(this.streamPos, at, packet, record);
    this.streamPos += bytes.length;
    if (this.phase === 'lost-sync') this.resync(bytes, time);
    else this.decoder.push(bytes);
  }

  /**
   * Bytes whose frames the caller already knows (a terminating proxy's writer): the decoder takes
   * the frames instead of parsing the bytes, where it can vouch they are the same; else the bytes.
   */
  pushKnown(bytes: Uint8Array, frames: readonly KnownFrame[], time: Timestamp): void {
    if (this.phase === 'open' && this.marks.size === 0 && this.decoder.pushKnown(frames, bytes.length)) {
      this.streamPos += bytes.length;
      return;
    }
    this.push(bytes, time);
  }

  /** Lost data: drop the partial frame and message; look for the next frame header. */
  loseSync(length: number, time: Timestamp, cause: Diagnostic): void {
    this.assembler.abandon(time, cause);
    this.decoder.reset(length);
    this.streamPos += length;
    this.phase = 'lost-sync';
    this.resyncBuffer = null;
    this.skipped = 0;
  }

  /** Where a frame just decoded came from in the capture (undefined: not from a capture). */
  originOf(frame: Frame): CaptureOrigin | undefined {
    if (this.marks.size === 0) return undefined;
    const first = frame.offset;
    return this.marks.span(first, first + frame.headerLength + frame.payload.length + frame.payloadSkipped - 1);
  }

  /** Input ended: flush a partial frame (as truncated) and an open message; returns stray diagnostics. */
  finish(time: Timestamp): Diagnostic[] {
    const out: Diagnostic[] = [];
    if (this.phase === 'lost-sync' && this.resyncBuffer !== null) {
      out.push(
        diagnostic(
          'tcp.resync',
          `no frame header found in the last ${this.resyncBuffer.length + this.skipped} bytes after lost data`,
        ),
      );
      this.resyncBuffer = null;
    }
    const partial = this.decoder.finish();
    if (partial !== null) {
      out.push(
        diagnostic(
          'frame.truncated',
          `input ended inside a frame header: ${partial.bytes.length} byte(s) at offset ${partial.offset}`,
        ),
      );
    }
    this.assembler.finish(time, this.lastIndex);
    return out;
  }

  private resync(bytes: Uint8Array, time: Timestamp): void {
    const buffer = this.resyncBuffer === null ? bytes : concatBytes([this.resyncBuffer, bytes]);
    const start = findFrameStart(buffer, 0, { masked: this.dir === 'c2s', allowRsv1: this.assembler.deflate });
    if (start === null) {
      const keep = buffer.length > RESYNC_WINDOW ? buffer.subarray(buffer.length - RESYNC_WINDOW) : buffer;
      this.skipped += buffer.length - keep.length;
      this.resyncBuffer = keep.slice();
      return;
    }
    const skipped = this.skipped + start.offset;
    this.resyncBuffer = null;
    this.skipped = 0;
    this.phase = 'open';
    this.decoder.reset(skipped);
    this.emit({
      type: 'diagnostic',
      conn: this.conn,
      time,
      dir: this.dir,
      diagnostic: diagnostic(
        'tcp.resync',
        `decoding resumed after skipping ${skipped} bytes (${start.chain} consecutive plausible frame headers)`,
      ),
    });
    this.decoder.push(buffer.subarray(start.offset));
  }
}
