// What the session keeps for one direction: its phase, frame decoder, message assembler,
// counters, bytes held while the handshake is pending, and resynchronisation after lost data.
// Layer rule: session/ — pure.
import { concatBytes } from '../protocol/bytes.js';
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import type { Frame } from '../protocol/frame.js';
import { findFrameStart } from '../protocol/frame-plausibility.js';
import type { Limits } from '../protocol/limits.js';
import type { Direction, InspectEvent, Timestamp } from './events.js';
import { MessageAssembler } from './message-assembler.js';

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
  private held: Uint8Array[] = [];
  private heldBytes = 0;
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
  hold(bytes: Uint8Array): void {
    if (this.heldBytes + bytes.length > this.limits.maxMessageBytes) return;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
  }

  /** The handshake completed: frames flow; returns what was held. */
  open(): Uint8Array[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    if (this.phase === 'awaiting-handshake') this.phase = 'open';
    return held;
  }

  push(bytes: Uint8Array, time: Timestamp): void {
    if (this.phase === 'lost-sync') this.resync(bytes, time);
    else this.decoder.push(bytes);
  }

  /** Lost data: drop the partial frame and message; look for the next frame header. */
  loseSync(length: number, time: Timestamp, cause: Diagnostic): void {
    this.assembler.abandon(time, cause);
    this.decoder.reset(length);
    this.phase = 'lost-sync';
    this.resyncBuffer = null;
    this.skipped = 0;
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
