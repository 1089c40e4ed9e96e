// Where the bytes of one direction's frame stream came from: a mark per capture chunk pushed
// into the frame decoder (its position in the decoder's stream, its TCP stream offset, its
// packet number and record offset), so each frame can say which packets carried its first
// and last byte. Marks before the frame being decoded are dropped, so only the packets of
// the current frame are held. Layer rule: session/ — pure.
import type { CaptureOrigin } from './events.js';

/** Dropped marks are compacted away once this many have gathered at the front. */
const COMPACT_AT = 256;

export class OriginMarks {
  private pos: number[] = [];
  private at: number[] = [];
  private packet: number[] = [];
  private record: number[] = [];
  private head = 0;

  /** Held marks (for tests and the bench). */
  get size(): number {
    return this.pos.length - this.head;
  }

  /** Bytes from decoder position `pos` on came from this packet, starting at TCP stream offset `at`. */
  add(pos: number, at: number, packet: number, record: number): void {
    const n = this.pos.length;
    if (n > this.head && this.packet[n - 1] === packet && this.at[n - 1] - this.pos[n - 1] === at - pos) return;
    this.pos.push(pos);
    this.at.push(at);
    this.packet.push(packet);
    this.record.push(record);
  }

  /** Forget every mark (a direction whose bytes no longer come from the capture). */
  clear(): void {
    this.pos = [];
    this.at = [];
    this.packet = [];
    this.record = [];
    this.head = 0;
  }

  /**
   * The origin of decoder positions [first, last], or undefined when no mark covers `first`;
   * marks before the one holding `last` are dropped (the next frame starts after `last`).
   */
  span(first: number, last: number): CaptureOrigin | undefined {
    const i = this.find(first);
    if (i < 0) return undefined;
    const j = last >= first ? this.find(last) : i;
    const origin: CaptureOrigin = {
      packet: this.packet[i],
      record: this.record[i],
      lastPacket: this.packet[j],
      lastRecord: this.record[j],
      streamStart: this.at[i] + (first - this.pos[i]),
      streamEnd: this.at[j] + (Math.max(first, last) - this.pos[j]),
    };
    this.dropBefore(j);
    return origin;
  }

  /** Index of the last mark at or before `pos`, or -1. */
  private find(pos: number): number {
    let lo = this.head;
    let hi = this.pos.length - 1;
    if (hi < lo || this.pos[lo] > pos) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.pos[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private dropBefore(index: number): void {
    this.head = index;
    if (this.head < COMPACT_AT || this.head * 2 < this.pos.length) return;
    this.pos = this.pos.slice(this.head);
    this.at = this.at.slice(this.head);
    this.packet = this.packet.slice(this.head);
    this.record = this.record.slice(this.head);
    this.head = 0;
  }
}
