// Keeps looking for WebSocket frame boundaries in one direction of a stream too long to
// keep (a capture that began inside a frame longer than its detection window, RFC 6455
// §5.2): every run of frames is followed across the stream by frame-plausibility's rules
// (the ones findFrameBoundary applies), keeping per run only the stream offset where its
// next header is due, so the bytes themselves can go.
// Layer rule: protocol/ — pure; bounded: at most MAX_CHAINS runs per direction.
import { headerLength } from './frame-decoder.js';
import { headerComplete, mayStartRun, nextFrameOfRun, type PlausibilityOptions } from './frame-plausibility.js';

/** A run of consecutive plausible frames, in stream offsets (bytes seen in one direction). */
export interface ScannedChain {
  /** First header. */
  readonly start: number;
  /** Latest header: where decoding can start when `start` is no longer held. */
  readonly last: number;
  /** Where the next header is due. */
  readonly next: number;
  readonly frames: number;
  /** Frames with FIN set (messages ended) and frames with payload. */
  readonly fins: number;
  readonly nonEmpty: number;
  /** The mask bit the frames carry (clients mask, servers do not: RFC 6455 §5.1). */
  readonly masked: boolean;
}

interface Chain {
  start: number;
  last: number;
  next: number;
  frames: number;
  fins: number;
  nonEmpty: number;
  masked: boolean;
  fragmentOpen: boolean | null;
  /** The latest frame was an empty fragment (see isEmptyFragment). */
  emptyFragment: boolean;
}

/**
 * Runs followed at once. Random payload keeps only a few alive (a header with a 16-bit
 * length waits up to 64 KiB for its next one); runs that meet at one offset are merged.
 */
const MAX_CHAINS = 64;
const MASKED: PlausibilityOptions = { masked: true, allowRsv1: true };
const UNMASKED: PlausibilityOptions = { masked: false, allowRsv1: true };

/**
 * Per byte scanned, the states (mask bit × fragment state × empty fragment) in which a run
 * reached a header there during one scan: a second run arriving in the same state has the
 * same future, so it is dropped at once. Keeps a scan linear in repeated bytes such as
 * 81 00 (empty messages), which read as a header every other offset. One scan runs at a
 * time, so every scanner shares it.
 */
let visited = new Uint16Array(0);

export class FrameChainScanner {
  private chains: Chain[] = [];
  /** Stream offset of the first position not yet tried as the start of a run. */
  private scanned: number;
  private readonly probe: Chain = {
    start: 0,
    last: 0,
    next: 0,
    frames: 0,
    fins: 0,
    nonEmpty: 0,
    masked: false,
    fragmentOpen: null,
    emptyFragment: false,
  };

  /** `maxFrame`: longest frame followed (longer ones could not be confirmed within the scan). */
  constructor(
    private readonly dirIsClient: boolean | null,
    from: number,
    private readonly maxFrame: number,
  ) {
    this.scanned = from;
  }

  /**
   * Looks at bytes[0, length), stream offsets [base, base + length), which must include every
   * byte from the earliest header not yet complete: starts a run at every new position whose
   * header is plausible, and moves every run on over the headers now complete.
   */
  scan(bytes: Uint8Array, length: number, base: number): void {
    if (visited.length < length) visited = new Uint16Array(length);
    visited.fill(0, 0, length);
    const chains = this.chains;
    for (let i = 0; i < chains.length; i += 1) if (!this.follow(chains[i], bytes, length, base)) chains[i].frames = 0;
    let at = Math.max(0, this.scanned - base);
    for (; at + 1 < length; at += 1) {
      if (!mayStartRun(bytes, at, null)) continue;
      if (at + headerLength(bytes[at + 1]) > length) break; // split header: tried again with more bytes
      const masked = (bytes[at + 1] & 0x80) !== 0;
      if (this.dirIsClient !== null && masked !== this.dirIsClient) continue;
      const p = this.probe;
      p.start = p.last = p.next = base + at;
      p.frames = p.fins = p.nonEmpty = 0;
      p.masked = masked;
      p.fragmentOpen = null;
      p.emptyFragment = false;
      if (this.follow(p, bytes, length, base) && p.frames > 0) chains.push({ ...p });
    }
    this.scanned = base + at;
    this.tidy();
  }

  /**
   * The longest run with at least `minFrames` frames, one ending a message and one carrying
   * payload, and the mask bit `masked` (null: either).
   */
  best(minFrames: number, masked: boolean | null = null): ScannedChain | null {
    let best: Chain | null = null;
    for (const c of this.chains) {
      if (c.frames < minFrames || c.fins === 0 || c.nonEmpty === 0 || (masked !== null && c.masked !== masked))
        continue;
      if (best === null || c.frames > best.frames || (c.frames === best.frames && c.start < best.start)) best = c;
    }
    return best;
  }

  /** Bytes were lost: every run is broken; start again after them. */
  reset(from: number): void {
    this.chains = [];
    this.scanned = from;
  }

  /**
   * Checks headers while they are complete; false when one is implausible (the run is dead)
   * or another run already went on from that header in the same state (a duplicate).
   */
  private follow(c: Chain, bytes: Uint8Array, length: number, base: number): boolean {
    for (;;) {
      const p = c.next - base;
      if (p < 0) return false; // its header was not kept: cannot be checked
      if (!headerComplete(bytes, p, length)) return true; // due later
      const state =
        1 << ((c.masked ? 6 : 0) + (c.emptyFragment ? 3 : 0) + (c.fragmentOpen === null ? 0 : c.fragmentOpen ? 1 : 2));
      if ((visited[p] & state) !== 0) return false;
      visited[p] |= state;
      const total = nextFrameOfRun(bytes, p, c.masked ? MASKED : UNMASKED, c, this.maxFrame);
      if (total < 0) return false;
      c.frames += 1;
      if ((bytes[p] & 0x80) !== 0) c.fins += 1;
      if (total !== headerLength(bytes[p + 1])) c.nonEmpty += 1;
      c.last = c.next;
      c.next += total;
    }
  }

  /** Drops dead runs, merges runs that now agree on everything ahead, keeps MAX_CHAINS. */
  private tidy(): void {
    const alive = this.chains.filter((c) => c.frames > 0);
    // Runs due at the same offset in the same state see the same future: keep the longer.
    alive.sort((a, b) => a.next - b.next || b.frames - a.frames || a.start - b.start);
    const kept: Chain[] = [];
    for (const c of alive) {
      const prev = kept[kept.length - 1];
      const same = prev !== undefined && prev.next === c.next && prev.masked === c.masked;
      if (same && prev.fragmentOpen === c.fragmentOpen && prev.emptyFragment === c.emptyFragment) continue;
      kept.push(c);
    }
    if (kept.length > MAX_CHAINS) {
      // Longer runs are likelier real; among equals, the one due soonest is confirmed soonest.
      kept.sort((a, b) => b.frames - a.frames || a.next - b.next);
      kept.length = MAX_CHAINS;
    }
    this.chains = kept;
  }
}

/** Offset in held bytes (stream offsets [base, …)) of the first header of `c` still held, or -1. */
export function heldStart(c: ScannedChain, base: number): number {
  if (c.start >= base) return c.start - base;
  return c.last >= base ? c.last - base : -1;
}
