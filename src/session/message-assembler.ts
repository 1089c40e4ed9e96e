// Message assembly for one direction (RFC 6455 §5.4): data frames and their continuations
// become messages, control frames may interleave, text is validated as UTF-8 across fragment
// boundaries, and permessage-deflate messages are inflated (RFC 7692 §6.2). Problems are
// attached to the frame where they show and to the message. Layer rule: session/ — pure.
import { concatBytes } from '../protocol/bytes.js';
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { Opcode, isControlOpcode } from '../protocol/frame.js';
import type { Limits } from '../protocol/limits.js';
import type { InflateCheckpoint, MessageInflater } from '../protocol/message-inflater.js';
import { Utf8StreamValidator, firstUtf8Problem, isValidUtf8 } from '../protocol/utf8.js';
import { parseCloseBody } from './close-body.js';
import type { CaptureOrigin, Direction, InflateInfo, Timestamp } from './events.js';
import { FrameRecord, MessageRecord } from './records.js';

interface OpenMessage {
  readonly opcode: number;
  readonly compressed: boolean;
  readonly firstFrame: number;
  readonly pieces: Uint8Array[];
  readonly utf8: Utf8StreamValidator | null;
  readonly diagnostics: Diagnostic[];
  /** Compressed: the payload length of each frame (for the last frame's CompressedMessage). */
  readonly fragmentLengths: number[];
  /** Capture origins of its first frame and of the last frame appended so far. */
  readonly firstCapture: CaptureOrigin | undefined;
  lastCapture: CaptureOrigin | undefined;
  frames: number;
  kept: number;
  length: number;
}

/**
 * The deflate context of one direction after one of its compressed messages: the next one can
 * be inflated from here (MessageInflater's `checkpoint` option) without those before it.
 */
export interface DeflateCheckpoint extends InflateCheckpoint {
  readonly conn: number;
  readonly dir: Direction;
  /** Compressed messages of this direction inflated so far, this one included. */
  readonly message: number;
  /** Index of this message's last frame: the checkpoint holds for the next message after it. */
  readonly afterFrame: number;
  /** Capture input: where this message is (the next one starts after its streamEnd). */
  readonly capture?: CaptureOrigin;
}

export interface CheckpointOptions {
  /** A checkpoint after every `every`-th compressed message of a direction (with context takeover). */
  readonly every: number;
  readonly onCheckpoint: (checkpoint: DeflateCheckpoint) => void;
}

export class MessageAssembler {
  private open: OpenMessage | null = null;
  private inflater: MessageInflater | null = null;
  private checkpoints: CheckpointOptions | null = null;
  private compressedMessages = 0;

  constructor(
    private readonly conn: number,
    private readonly dir: Direction,
    private readonly limits: Limits,
    private readonly onMessage: (message: MessageRecord) => void,
  ) {}

  /** permessage-deflate in effect for this direction (null: RSV1 means nothing known). */
  setInflater(inflater: MessageInflater | null): void {
    this.inflater = inflater;
  }

  /** Record deflate checkpoints (see DeflateCheckpoint). */
  setCheckpoints(options: CheckpointOptions | null): void {
    this.checkpoints = options !== null && options.every >= 1 ? options : null;
  }

  get deflate(): boolean {
    return this.inflater !== null;
  }

  /** Annotates the frame record (close info, text, inflation) and emits finished messages. */
  accept(rec: FrameRecord): void {
    const f = rec.frame;
    if (isControlOpcode(f.opcode)) {
      if (f.opcode === Opcode.close) rec.close = parseCloseBody(f.payload, rec.diagnostics);
      return;
    }
    if (f.opcode === Opcode.continuation) this.continueMessage(rec);
    else if (f.opcode === Opcode.text || f.opcode === Opcode.binary) this.startMessage(rec);
  }

  /** Lost data: the open message cannot be completed and the deflate context is gone. */
  abandon(time: Timestamp, reason: Diagnostic): void {
    if (this.open !== null) this.emitOpen(time, this.open.firstFrame, false, reason);
    this.inflater?.reset();
  }

  /** Input ended: an open message is emitted as incomplete. */
  finish(time: Timestamp, lastIndex: number): void {
    if (this.open !== null) this.emitOpen(time, lastIndex, false, diagnostic('message.incomplete'));
  }

  private startMessage(rec: FrameRecord): void {
    const f = rec.frame;
    if (this.open !== null) {
      // RFC 6455 §5.4: fragments of one message must not be interleaved with another message's
      const interrupted = diagnostic(
        'message.interrupted',
        `new ${f.opcode === Opcode.text ? 'text' : 'binary'} message started while message from frame #${this.open.firstFrame} is unfinished`,
      );
      rec.diagnostics.push(interrupted);
      this.emitOpen(rec.time, rec.index - 1, false, interrupted);
    }
    const compressed = f.rsv1 && this.inflater !== null;
    rec.compressed = compressed;
    if (f.fin) {
      this.singleFrameMessage(rec, compressed);
      return;
    }
    this.open = {
      opcode: f.opcode,
      compressed,
      firstFrame: rec.index,
      pieces: [],
      frames: 0,
      kept: 0,
      length: 0,
      utf8: f.opcode === Opcode.text && !compressed ? new Utf8StreamValidator() : null,
      diagnostics: [],
      fragmentLengths: [],
      firstCapture: rec.capture,
      lastCapture: rec.capture,
    };
    this.appendFragment(rec);
  }

  private continueMessage(rec: FrameRecord): void {
    if (this.open === null) {
      rec.diagnostics.push(diagnostic('message.continuation.orphan'));
      return;
    }
    if (!this.open.compressed) rec.messageOpcode = this.open.opcode;
    else rec.continuesCompressed = true;
    this.appendFragment(rec);
    if (rec.frame.fin && !rec.frame.truncated) this.completeOpen(rec);
  }

  /** Fast path: a whole message in one frame needs no copy. */
  private singleFrameMessage(rec: FrameRecord, compressed: boolean): void {
    const f = rec.frame;
    const complete = !f.truncated;
    let data = f.payload;
    let inflate: InflateInfo | undefined;
    const diagnostics: Diagnostic[] = [];
    if (compressed) {
      const result = this.inflater!.inflate(data, complete);
      inflate = { compressedLength: data.length, inflatedLength: result.data.length, partial: result.partial };
      data = result.data;
      rec.inflated = data;
      rec.inflate = inflate;
      pushAll(diagnostics, result.diagnostics);
    }
    if (f.opcode === Opcode.text) {
      const bad = checkText(data, complete);
      if (bad !== null) diagnostics.push(bad);
      rec.textBytes = data;
    }
    pushAll(rec.diagnostics, diagnostics);
    // bytes counted but not kept (Limits) belong to the message's length all the same
    const length = compressed ? data.length : data.length + f.payloadSkipped;
    this.emitMessage(
      rec.capture,
      new MessageRecord(
        this.conn,
        this.dir,
        rec.time,
        f.opcode,
        1,
        rec.index,
        rec.index,
        compressed,
        data,
        length,
        inflate,
        complete,
        diagnostics,
      ),
    );
  }

  private appendFragment(rec: FrameRecord): void {
    const open = this.open!;
    const payload = rec.frame.payload;
    open.lastCapture = rec.capture;
    open.frames++;
    if (open.compressed) open.fragmentLengths.push(payload.length);
    open.length += payload.length + rec.frame.payloadSkipped;
    const room = this.limits.maxMessageBytes - open.kept;
    if (payload.length > room && open.kept <= this.limits.maxMessageBytes) {
      const tooLarge = diagnostic(
        'message.too-large',
        `message exceeds the ${this.limits.maxMessageBytes}-byte assembly limit; the rest is counted, not kept`,
      );
      rec.diagnostics.push(tooLarge);
      open.diagnostics.push(tooLarge);
    }
    // an uncompressed binary message is kept only as far as its frames are (Limits.keepBinaryPayload)
    const keepable =
      open.opcode === Opcode.binary && !open.compressed
        ? Math.min(room, this.limits.keepBinaryPayload - open.kept)
        : room;
    const kept = payload.length <= keepable ? payload : payload.subarray(0, Math.max(0, keepable));
    if (kept.length > 0) {
      open.pieces.push(kept);
      open.kept += kept.length;
    }
    if (open.utf8 !== null && !open.utf8.push(kept)) {
      // report once, on the fragment where the invalid sequence is
      if (!open.diagnostics.some((d) => d.code === 'message.text.invalid-utf8')) {
        const bad = diagnostic(
          'message.text.invalid-utf8',
          `text message is not valid UTF-8 (first invalid byte at message offset ${open.utf8.errorOffset})`,
        );
        rec.diagnostics.push(bad);
        open.diagnostics.push(bad);
      }
    }
  }

  private completeOpen(rec: FrameRecord): void {
    const open = this.open!;
    if (open.utf8 !== null && open.utf8.valid && !open.utf8.end()) {
      const bad = diagnostic(
        'message.text.invalid-utf8',
        `text message ends inside a UTF-8 sequence (offset ${open.utf8.errorOffset})`,
      );
      rec.diagnostics.push(bad);
      open.diagnostics.push(bad);
    }
    this.emitOpen(rec.time, rec.index, true, null, rec);
  }

  private emitOpen(
    time: Timestamp,
    lastFrame: number,
    complete: boolean,
    extra: Diagnostic | null,
    lastRec?: FrameRecord,
  ): void {
    const open = this.open!;
    this.open = null;
    const diagnostics = open.diagnostics;
    if (extra !== null) diagnostics.push(extra);
    let data = open.pieces.length === 1 ? open.pieces[0] : concatBytes(open.pieces, open.kept);
    let inflate: InflateInfo | undefined;
    if (open.compressed) {
      const result = this.inflater!.inflate(data, complete);
      inflate = { compressedLength: data.length, inflatedLength: result.data.length, partial: result.partial };
      // the whole message for the last frame's -V (only when every byte was kept: nothing cut at the limit)
      if (lastRec !== undefined && open.kept === open.length)
        lastRec.compressedMessage = {
          opcode: open.opcode,
          firstFrame: open.firstFrame,
          fragmentLengths: open.fragmentLengths,
          payload: data,
          inflated: result.data,
          inflate,
        };
      data = result.data;
      pushAll(diagnostics, result.diagnostics);
      if (lastRec !== undefined) pushAll(lastRec.diagnostics, result.diagnostics);
      if (open.opcode === Opcode.text) {
        const bad = checkText(data, complete && !result.partial);
        if (bad !== null) {
          diagnostics.push(bad);
          lastRec?.diagnostics.push(bad);
        }
      }
    }
    const length = open.compressed ? data.length : open.length;
    this.emitMessage(
      spanOf(open.firstCapture, open.lastCapture),
      new MessageRecord(
        this.conn,
        this.dir,
        time,
        open.opcode,
        open.frames,
        open.firstFrame,
        lastFrame,
        open.compressed,
        data,
        length,
        inflate,
        complete,
        diagnostics,
      ),
    );
  }

  private emitMessage(capture: CaptureOrigin | undefined, message: MessageRecord): void {
    message.capture = capture;
    if (message.compressed) this.afterCompressed(message);
    this.onMessage(message);
  }

  /** Every N-th compressed message: the context after it, for inflating later ones alone. */
  private afterCompressed(message: MessageRecord): void {
    this.compressedMessages++;
    const c = this.checkpoints;
    const inflater = this.inflater;
    if (c === null || inflater === null || !inflater.contextTakeover || this.compressedMessages % c.every !== 0) return;
    c.onCheckpoint({
      conn: this.conn,
      dir: this.dir,
      message: this.compressedMessages,
      afterFrame: message.lastFrame,
      capture: message.capture,
      ...inflater.checkpoint(),
    });
  }
}

/** From the first byte of one capture origin to the last byte of another. */
function spanOf(first: CaptureOrigin | undefined, last: CaptureOrigin | undefined): CaptureOrigin | undefined {
  if (first === undefined || last === undefined || first === last) return first;
  return { ...first, lastPacket: last.lastPacket, lastRecord: last.lastRecord, streamEnd: last.streamEnd };
}

/** RFC 6455 §8.1: text must be valid UTF-8; a cut-off message may end mid-sequence. */
function checkText(data: Uint8Array, complete: boolean): Diagnostic | null {
  if (isValidUtf8(data)) return null;
  const problem = firstUtf8Problem(data);
  if (problem === null || (!complete && problem.unfinished)) return null;
  return diagnostic(
    'message.text.invalid-utf8',
    problem.unfinished
      ? `text message ends inside a UTF-8 sequence (offset ${problem.offset})`
      : `text message is not valid UTF-8 (first invalid byte at offset ${problem.offset})`,
  );
}

function pushAll(into: Diagnostic[], from: readonly Diagnostic[]): void {
  for (const d of from) into.push(d);
}
