// The first bytes of both directions of a connection, copied (bounded) while the
// WebSocket decision is pending, with the order in which they arrived so they can be
// replayed as StreamEvents once the connection is known to carry WebSocket. A direction
// whose first bytes held no frame boundary slides on: a short tail and a chain scanner.
// Layer rule: capture/ — pure; memory bounded per connection and in total.
import type { Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { Timestamp } from '../session/events.js';
import { FrameChainScanner } from '../protocol/frame-chain-scanner.js';
import type { DetectionSide } from './websocket-detector.js';

/** Detection bytes held across all connections. */
export interface DetectionBudget {
  bytes: number;
  readonly limit: number;
}

/** One arrival: bytes [from, to) of a side's window, a hole before `from`, or a diagnostic. */
export interface WindowEntry {
  readonly side: number;
  readonly from: number;
  readonly to: number;
  readonly time: Timestamp;
  /** Bytes missing at `from` (a TCP gap), else 0. */
  readonly gap: number;
  readonly diagnostic: Diagnostic | null;
  /** Bytes: the stream offset of `from`, and the packet that carried them (0 and -1: unknown). */
  readonly at: number;
  readonly packet: number;
  readonly record: number;
}

const EMPTY = new Uint8Array(0);
/** Bytes kept when a sliding window overflows: enough for a split frame header (≤ 14). */
const TAIL = 64;

class SideWindow implements DetectionSide {
  bytes: Uint8Array = EMPTY;
  length = 0;
  full = false;
  resumeAt = 0;
  skipped = 0;
  scanner: FrameChainScanner | null = null;
}

export class DetectionWindow {
  readonly sides: [SideWindow, SideWindow] = [new SideWindow(), new SideWindow()];
  entries: WindowEntry[] = [];

  constructor(
    private readonly capacity: number,
    private readonly budget: DetectionBudget,
  ) {}

  /**
   * Copies a delivery. The segment that crosses the capacity is still kept whole, so
   * nothing is lost if the decision comes now; the window is full after it.
   */
  append(side: number, bytes: Uint8Array, time: Timestamp, at = 0, packet = 0, record = -1): void {
    const w = this.sides[side];
    if (w.full) return;
    const needed = w.length + bytes.length;
    if (needed > w.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, Math.min(this.capacity, Math.max(256, w.bytes.length * 2))));
      grown.set(w.bytes.subarray(0, w.length));
      w.bytes = grown;
    }
    w.bytes.set(bytes, w.length);
    this.entries.push({ side, from: w.length, to: needed, time, gap: 0, diagnostic: null, at, packet, record });
    w.length = needed;
    w.full = needed >= this.capacity;
    this.budget.bytes += bytes.length;
    w.scanner?.scan(w.bytes, w.length, w.skipped);
  }

  note(side: number, diagnostic: Diagnostic, time: Timestamp): void {
    this.entries.push({ side, from: 0, to: 0, time, gap: 0, diagnostic, at: 0, packet: 0, record: -1 });
  }

  /** A hole in a side's bytes: frame chains are looked for only after it. */
  gap(side: number, length: number, time: Timestamp): void {
    const w = this.sides[side];
    this.entries.push({
      side,
      from: w.length,
      to: w.length,
      time,
      gap: length,
      diagnostic: null,
      at: 0,
      packet: 0,
      record: -1,
    });
    w.resumeAt = w.length;
    w.scanner?.reset(w.skipped + w.length);
  }

  /** Forgets a side's bytes. */
  reset(side: number): void {
    this.budget.bytes -= this.sides[side].length;
    this.sides[side] = new SideWindow();
    this.entries = this.entries.filter((e) => e.side !== side);
  }

  /** After the decision: keeps only the sides still looking for a frame boundary. */
  keepOnly(keep: readonly boolean[]): void {
    for (const side of [0, 1]) if (!keep[side]) this.reset(side);
    this.entries = [];
  }

  /**
   * A full side with no frame boundary yet goes on looking: its runs of plausible headers
   * are followed from here by a scanner, and only its last bytes are kept.
   */
  slide(side: number, dirIsClient: boolean | null, maxFrame: number): void {
    const w = this.sides[side];
    if (w.scanner === null) {
      w.scanner = new FrameChainScanner(dirIsClient, w.skipped + w.resumeAt, maxFrame);
      w.scanner.scan(w.bytes, w.length, w.skipped);
    }
    this.keepTail(side);
  }

  /** A side overflowed: keeps its last bytes, which may hold a header's start. */
  keepTail(side: number): void {
    const w = this.sides[side];
    const kept = Math.min(TAIL, w.length);
    const dropped = w.length - kept;
    // In place: no view of these bytes has been handed on, and the buffer fills again.
    w.bytes.copyWithin(0, dropped, w.length);
    this.budget.bytes -= dropped;
    w.skipped += dropped;
    w.resumeAt = Math.max(0, w.resumeAt - dropped);
    w.length = kept;
    w.full = false;
    // The side's arrivals become one, the tail, where its last one was (so replay keeps
    // the order of arrival); holes and diagnostics in the dropped bytes go with them.
    let last = -1;
    this.entries.forEach((e, i) => {
      if (e.side === side && e.to > e.from) last = i;
    });
    this.entries = this.entries.flatMap((e, i) => {
      if (e.side !== side) return [e];
      // the tail may begin in an earlier arrival: its packet is then approximate, its offset not
      const at = e.at + (e.to - e.from) - kept;
      const tail = {
        side,
        from: 0,
        to: kept,
        time: e.time,
        gap: 0,
        diagnostic: null,
        at,
        packet: e.packet,
        record: e.record,
      };
      return i === last && kept > 0 ? [tail] : [];
    });
  }

  /** The arrival holding byte `index` of a side's window, or null (its arrivals were dropped). */
  arrivalAt(side: number, index: number): WindowEntry | null {
    for (const e of this.entries) if (e.side === side && e.from <= index && index < e.to) return e;
    return null;
  }

  overBudget(): boolean {
    return this.budget.bytes > this.budget.limit;
  }

  release(): void {
    this.budget.bytes -= this.sides[0].length + this.sides[1].length;
    this.sides[0] = new SideWindow();
    this.sides[1] = new SideWindow();
    this.entries = [];
  }
}
