// One direction of a terminated WebSocket, reading side: the sender's bytes → frames
// (protocol/FrameDecoder) → whole messages (fragments joined) → inflated with the sender's
// negotiated permessage-deflate settings (protocol/MessageInflater, context kept between
// messages). Control frames come out as they arrive, even between the fragments of a message.
// Layer rule: engine/ — pure (no I/O).
import type { Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { isControlOpcode, Opcode, type Frame } from '../protocol/frame.js';
import type { DeflateDirection } from '../protocol/handshake-types.js';
import { DEFAULT_LIMITS } from '../protocol/limits.js';
import { MessageInflater } from '../protocol/message-inflater.js';

/** A data message as read: its frames (payloads unmasked, still compressed) and its inflated data. */
export interface ReadMessage {
  readonly opcode: number;
  readonly frames: readonly Frame[];
  /** The frames' payloads joined: what went on the wire (compressed when `compressed`). */
  readonly wire: Uint8Array;
  /** The application data (inflated). */
  readonly data: Uint8Array;
  readonly compressed: boolean;
  /** What went wrong reading it (a broken frame or inflation): the engine then passes it as it came. */
  readonly problems: readonly Diagnostic[];
}

export interface MessageReaderEvents {
  message(msg: ReadMessage): void;
  control(frame: Frame): void;
  /** Bytes that are not a usable WebSocket frame stream (a stray continuation): what is left goes on. */
  problem(text: string): void;
  /**
   * A frame the reader cannot keep whole (over the frame size limit): it cannot be relayed, and
   * nothing after it can be relayed faithfully either. The reader reads nothing more.
   */
  tooBig(text: string): void;
}

export class MessageReader {
  private readonly decoder: FrameDecoder;
  private readonly inflater: MessageInflater | null;
  private frames: Frame[] = [];
  /** A frame was too big: the stream is not read any further. */
  private stopped = false;

  constructor(
    deflate: DeflateDirection | null,
    sender: 'client' | 'server',
    private readonly events: MessageReaderEvents,
  ) {
    this.inflater =
      deflate === null
        ? null
        : new MessageInflater(deflate, DEFAULT_LIMITS.maxInflatedBytes, { sender, fromStart: true });
    // the default limits keep every payload whole (the proxy relays it)
    this.decoder = new FrameDecoder({ onFrame: (f) => this.frame(f) });
  }

  push(bytes: Uint8Array): void {
    if (!this.stopped) this.decoder.push(bytes);
  }

  private frame(f: Frame): void {
    if (this.stopped) return;
    if (f.payloadSkipped > 0) {
      // its payload is gone: passing it on (or the rest of its message, or, with context
      // takeover, any later compressed message) would give the receiver something else
      this.stopped = true;
      this.frames = [];
      this.events.tooBig(
        `a frame of ${f.payloadLength} bytes is over the ${DEFAULT_LIMITS.maxFramePayload}-byte limit and cannot be relayed`,
      );
      return;
    }
    if (isControlOpcode(f.opcode)) {
      this.events.control(f);
      return;
    }
    if (f.opcode !== Opcode.continuation && this.frames.length > 0) {
      this.events.problem(
        'a new message began before the previous one ended (RFC 6455 §5.4); the unfinished one is dropped',
      );
      this.frames = [];
    }
    if (f.opcode === Opcode.continuation && this.frames.length === 0) {
      this.events.problem('a continuation frame arrived with no message to continue (RFC 6455 §5.4); it is dropped');
      return;
    }
    this.frames.push(f);
    if (f.fin) this.complete();
  }

  private complete(): void {
    const frames = this.frames;
    this.frames = [];
    const first = frames[0];
    const wire = join(frames);
    const compressed = first.rsv1 && this.inflater !== null;
    // no array per message for the usual case of no problem at all
    let problems: Diagnostic[] | null = null;
    for (const f of frames) for (const d of f.diagnostics) if (d.severity === 'error') (problems ??= []).push(d);
    let data = wire;
    if (compressed) {
      const result = this.inflater!.inflate(wire, true);
      data = result.data;
      // a message the receiver could not inflate either: it passes as it came (see ReadMessage.problems)
      const more = result.partial ? result.diagnostics : result.diagnostics.filter((d) => d.severity === 'error');
      if (more.length > 0) (problems ??= []).push(...more);
    }
    this.events.message({ opcode: first.opcode, frames, wire, data, compressed, problems: problems ?? NO_PROBLEMS });
  }
}

/** Shared by every message read without a problem. */
const NO_PROBLEMS: readonly Diagnostic[] = Object.freeze([]);

function join(frames: readonly Frame[]): Uint8Array {
  if (frames.length === 1) return frames[0].payload;
  let size = 0;
  for (const f of frames) size += f.payload.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of frames) {
    out.set(f.payload, at);
    at += f.payload.length;
  }
  return out;
}
