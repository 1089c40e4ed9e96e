// One direction of a TCP connection put back in order: sequence numbers compared with
// serial-number arithmetic (RFC 1982) so 32-bit wrap-around is invisible; out-of-order
// segments are copied and held (bounded), retransmissions dropped, overlaps compared
// (first seen wins, as Wireshark does by default), holes that can never fill become gaps.
// Layer rule: capture/ — pure; in-order data is passed on as views, never copied.
import type { DiagnosticCode } from '../protocol/diagnostic-catalogue.js';
import type { Timestamp } from '../session/events.js';

/** The packet being decoded (shared, updated per packet by the PacketDecoder). */
export interface PacketPosition {
  /** 1-based number over all packet records of the file (Wireshark's frame.number); 0 before the first. */
  packet: number;
  /** File offset of its record; -1 when unknown. */
  record: number;
}

/** What a half-connection hands on, in stream order. */
export interface HalfListener {
  /**
   * In-order bytes; `at` is the stream offset of bytes[0] (0 = this direction's first byte),
   * `packet` and `record` say which packet carried them (see PacketPosition).
   */
  halfData(side: number, bytes: Uint8Array, time: Timestamp, at: number, packet: number, record: number): void;
  halfGap(side: number, length: number, time: Timestamp, snaplen: boolean): void;
  halfDiagnostic(side: number, code: DiagnosticCode, detail: string, time: Timestamp): void;
  /** Every byte before this side's FIN has been handed on. */
  halfFinished(side: number, time: Timestamp): void;
}

/** Out-of-order bytes held across every connection, so one total can be capped. */
export interface ReassemblyBudget {
  heldBytes: number;
}

interface HeldSegment {
  seq: number;
  data: Uint8Array;
  /** Bytes after data that the snap length cut off. */
  missing: number;
  /** The packet that carried it (PacketPosition). */
  packet: number;
  record: number;
}

const NO_POSITION: PacketPosition = { packet: 0, record: -1 };

/** Signed distance a − b in sequence space (RFC 1982 serial-number arithmetic). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpReassembler {
  started = false;
  nextSeq = 0;
  /** First sequence number of data (ISN + 1, or the first seq seen without a SYN). */
  baseSeq = 0;
  /** Sequence number just after this side's FIN, once a FIN was seen. */
  finSeq = -1;
  finished = false;
  /** Highest ACK the peer sent for this direction, once it sent one. */
  peerAck = -1;
  held: HeldSegment[] = [];
  heldBytes = 0;
  /** Stream offset of nextSeq: bytes handed on so far, holes included (no 32-bit wrap). */
  streamAt = 0;
  private history: Uint8Array | null = null;
  private historyPos = 0;
  private historyFill = 0;

  constructor(
    private readonly listener: HalfListener,
    readonly side: number,
    private readonly budget: ReassemblyBudget,
    private readonly maxHeldBytes: number,
    private readonly historySize: number,
    private readonly position: PacketPosition = NO_POSITION,
  ) {}

  syn(seq: number): void {
    if (this.started) return;
    this.started = true;
    this.nextSeq = (seq + 1) >>> 0; // the SYN itself takes one sequence number
    this.baseSeq = this.nextSeq;
  }

  fin(seq: number, time: Timestamp): void {
    if (!this.started) this.start(seq);
    if (this.finSeq < 0) this.finSeq = seq >>> 0;
    this.checkFinished(time);
  }

  /** The peer acknowledged everything before `ack`: holes below it will never fill. */
  acknowledged(ack: number, time: Timestamp): void {
    if (this.peerAck < 0 || seqDiff(ack, this.peerAck) > 0) this.peerAck = ack >>> 0;
    if (this.held.length > 0 && seqDiff(this.peerAck, this.held[0].seq) >= 0) this.flushGap(time);
  }

  segment(seq: number, bytes: Uint8Array, off: number, len: number, missing: number, time: Timestamp): void {
    if (!this.started) this.start(seq);
    let rel = seqDiff(seq, this.nextSeq);
    // A keep-alive probe repeats the last byte (RFC 9293 §3.8.4) with any content: not data.
    if (rel === -1 && len + missing === 1) return;
    if (rel < 0) {
      // Starts before the next expected byte: the front is a retransmission.
      const old = Math.min(-rel, len + missing);
      const conflicting = this.compareWithHistory(rel, bytes, off, Math.min(old, len), time);
      if (old === len + missing) {
        if (!conflicting)
          this.note(
            'tcp.retransmission',
            `retransmission of ${old} byte(s) at relative seq ${this.relative(seq)}; dropped`,
            time,
          );
        return;
      }
      const capturedOld = Math.min(old, len);
      off += capturedOld;
      len -= capturedOld;
      missing -= old - capturedOld;
      rel = 0;
    }
    if (rel === 0 && this.held.length === 0) {
      this.deliver(bytes, off, len, missing, time, this.position.packet, this.position.record);
      this.checkFinished(time);
      return;
    }
    this.hold(rel, bytes, off, len, missing, time);
    this.drain(time);
    if (this.heldBytes > this.maxHeldBytes) this.flushGap(time);
    else if (this.held.length > 0 && this.peerAck >= 0 && seqDiff(this.peerAck, this.held[0].seq) >= 0)
      this.flushGap(time);
    this.checkFinished(time);
  }

  /** Gives up on the first hole: reports it as a gap and goes on with what follows. */
  flushGap(time: Timestamp): void {
    if (this.held.length === 0) return;
    const length = seqDiff(this.held[0].seq, this.nextSeq);
    if (length > 0) {
      this.listener.halfGap(this.side, length, time, false);
      this.nextSeq = this.held[0].seq;
      this.streamAt += length;
    }
    this.drain(time);
  }

  /** End of the connection or of the input: every hole becomes a gap. */
  flushAll(time: Timestamp): void {
    while (this.held.length > 0) this.flushGap(time);
    if (this.finSeq >= 0 && !this.finished) {
      const length = seqDiff(this.finSeq, this.nextSeq);
      if (length > 0) {
        this.listener.halfGap(this.side, length, time, false);
        this.nextSeq = this.finSeq;
        this.streamAt += length;
      }
      this.finish(time);
    }
  }

  /** Frees held memory (connection ended). */
  release(): void {
    this.budget.heldBytes -= this.heldBytes;
    this.heldBytes = 0;
    this.held = [];
    this.history = null;
  }

  relative(seq: number): number {
    return (seq - this.baseSeq) >>> 0;
  }

  private start(seq: number): void {
    this.started = true;
    this.nextSeq = seq >>> 0;
    this.baseSeq = this.nextSeq;
  }

  private checkFinished(time: Timestamp): void {
    if (this.finished || this.finSeq < 0) return;
    if (seqDiff(this.nextSeq, this.finSeq) >= 0 && this.held.length === 0) this.finish(time);
  }

  private finish(time: Timestamp): void {
    this.finished = true;
    this.listener.halfFinished(this.side, time);
  }

  private deliver(
    bytes: Uint8Array,
    off: number,
    len: number,
    missing: number,
    time: Timestamp,
    packet: number,
    record: number,
  ): void {
    if (len > 0) {
      const view = bytes.subarray(off, off + len);
      this.remember(view);
      this.nextSeq = (this.nextSeq + len) >>> 0;
      const at = this.streamAt;
      this.streamAt += len;
      this.listener.halfData(this.side, view, time, at, packet, record);
    }
    if (missing > 0) {
      this.nextSeq = (this.nextSeq + missing) >>> 0;
      this.streamAt += missing;
      this.listener.halfGap(this.side, missing, time, true);
    }
  }

  private drain(time: Timestamp): void {
    while (this.held.length > 0) {
      const head = this.held[0];
      const rel = seqDiff(head.seq, this.nextSeq);
      if (rel > 0) return;
      this.held.shift();
      this.budget.heldBytes -= head.data.length;
      this.heldBytes -= head.data.length;
      const skip = -rel; // held pieces never overlap, so only a gap flush can leave them behind
      const total = head.data.length + head.missing;
      if (skip >= total) continue;
      const capturedSkip = Math.min(skip, head.data.length);
      this.deliver(
        head.data,
        capturedSkip,
        head.data.length - capturedSkip,
        head.missing - (skip - capturedSkip),
        time,
        head.packet,
        head.record,
      );
    }
  }

  /** Stores the parts of [rel, rel+len+missing) that no held segment covers yet. */
  private hold(rel: number, bytes: Uint8Array, off: number, len: number, missing: number, time: Timestamp): void {
    const end = rel + len + missing;
    let cursor = rel;
    let conflicts = 0;
    const pieces: HeldSegment[] = [];
    for (const seg of this.held) {
      const segStart = seqDiff(seg.seq, this.nextSeq);
      const segEnd = segStart + seg.data.length + seg.missing;
      if (segEnd <= cursor) continue;
      if (segStart >= end) break;
      if (segStart > cursor) pieces.push(this.piece(cursor, segStart, rel, bytes, off, len));
      conflicts += countDifferences(
        seg.data,
        segStart,
        bytes,
        off,
        rel,
        len,
        Math.max(cursor, segStart),
        Math.min(end, segEnd),
      );
      cursor = segEnd;
    }
    if (cursor < end) pieces.push(this.piece(cursor, end, rel, bytes, off, len));
    if (conflicts > 0) this.conflict(conflicts, rel, time);
    else if (pieces.length === 0)
      this.note('tcp.retransmission', `retransmission of ${len + missing} byte(s) already held; dropped`, time);
    for (const piece of pieces) this.insert(piece);
  }

  private piece(from: number, to: number, rel: number, bytes: Uint8Array, off: number, len: number): HeldSegment {
    const capturedEnd = rel + len;
    const dataEnd = Math.min(to, capturedEnd);
    const data = from < dataEnd ? bytes.slice(off + (from - rel), off + (dataEnd - rel)) : new Uint8Array(0);
    const { packet, record } = this.position;
    return { seq: (this.nextSeq + from) >>> 0, data, missing: to - from - data.length, packet, record };
  }

  private insert(piece: HeldSegment): void {
    const rel = seqDiff(piece.seq, this.nextSeq);
    let i = this.held.length;
    while (i > 0 && seqDiff(this.held[i - 1].seq, this.nextSeq) > rel) i -= 1;
    this.held.splice(i, 0, piece);
    this.heldBytes += piece.data.length;
    this.budget.heldBytes += piece.data.length;
  }

  /** Keeps the last bytes delivered so a retransmission can be checked against them. */
  private remember(view: Uint8Array): void {
    const size = this.historySize;
    if (size === 0) return;
    if (this.history === null) this.history = new Uint8Array(size);
    const h = this.history;
    const src = view.length > size ? view.subarray(view.length - size) : view;
    const first = size - this.historyPos;
    if (src.length <= first) h.set(src, this.historyPos);
    else {
      h.set(src.subarray(0, first), this.historyPos);
      h.set(src.subarray(first), 0);
    }
    this.historyPos = (this.historyPos + src.length) % size;
    this.historyFill = Math.min(size, this.historyFill + src.length);
  }

  /** Compares retransmitted bytes at relative positions [rel, rel+n) (all < 0) with history. */
  private compareWithHistory(rel: number, bytes: Uint8Array, off: number, n: number, time: Timestamp): boolean {
    const h = this.history;
    if (h === null) return false;
    let differing = 0;
    for (let i = 0; i < n; i += 1) {
      const back = -(rel + i);
      if (back > this.historyFill) continue; // older than what is kept: cannot be checked
      const idx = (this.historyPos - back + h.length) % h.length;
      if (h[idx] !== bytes[off + i]) differing += 1;
    }
    if (differing > 0) this.conflict(differing, rel, time);
    return differing > 0;
  }

  private conflict(differing: number, rel: number, time: Timestamp): void {
    const seq = this.relative((this.nextSeq + rel) >>> 0);
    this.note(
      'tcp.overlap.conflict',
      `overlapping TCP data at relative seq ${seq} differs in ${differing} byte(s) from the data first seen; the first seen is kept`,
      time,
    );
  }

  private note(code: DiagnosticCode, detail: string, time: Timestamp): void {
    this.listener.halfDiagnostic(this.side, code, detail, time);
  }
}

/** Bytes that differ where a held segment and a new one both have captured data in [from, to). */
function countDifferences(
  held: Uint8Array,
  heldStart: number,
  bytes: Uint8Array,
  off: number,
  rel: number,
  len: number,
  from: number,
  to: number,
): number {
  const stop = Math.min(to, heldStart + held.length, rel + len);
  let differing = 0;
  for (let p = from; p < stop; p += 1) {
    if (held[p - heldStart] !== bytes[off + (p - rel)]) differing += 1;
  }
  return differing;
}
