// Finding frame boundaries in bytes of unknown alignment — after lost TCP data (the session
// resyncs) and in a capture that starts mid-stream (detection) — with one set of rules.
// A run of frames is followed header by header while each header obeys what a real peer
// never breaks:
//   1. the header itself (RFC 6455 §5.2/§5.5): a defined opcode, RSV2/RSV3 clear, RSV1 only
//      on a first data frame and only where an extension may allow it, control frames
//      final and at most 125 bytes, the shortest length encoding, a 64-bit length < 2^53;
//   2. one mask bit per direction (§5.1): the direction's, or the first frame's when unknown;
//   3. fragment order (§5.4): a continuation needs an open message, a new data message none;
//   4. no two empty non-final data frames in a row (legal, pointless, and what zero bytes
//      read as at every other offset); nor does a run start with one;
//   5. no frame longer than the search allows.
// `findFrameBoundary` is the one search; what confirms a boundary depends on the question:
// "confirmed" (resync: enough frames, or fewer whose last one runs off the bytes unless
// implausibly long — more bytes may follow) or "to-end" (detection judging a window: every
// header up to the end of the bytes holds). `FrameChainScanner` follows the same runs
// across a stream too long to keep.
// Layer rule: protocol/ — pure.
import { headerLength } from './frame-decoder.js';

export interface PlausibilityOptions {
  /** true: frames must be masked (client); false: unmasked (server); null: the first frame of a run says. */
  readonly masked: boolean | null;
  /** RSV1 allowed on data frames (permessage-deflate may be in use). */
  readonly allowRsv1: boolean;
  /** Largest payload length believed without a following header to confirm it ("confirmed" searches). */
  readonly maxUnconfirmedLength?: number;
}

export interface FrameStart {
  readonly offset: number;
  /** How many consecutive plausible frames were found from there (≥ 1). */
  readonly chain: number;
}

/** Checks one header at `at` (rule 1, and the mask bit when given); the frame's total length, or -1 (also when incomplete). */
export function plausibleFrameLength(bytes: Uint8Array, at: number, opts: PlausibilityOptions): number {
  if (at + 2 > bytes.length) return -1;
  const b0 = bytes[at];
  const b1 = bytes[at + 1];
  const opcode = b0 & 0x0f;
  const control = (opcode & 0x8) !== 0;
  if (!(opcode <= 2 || (opcode >= 8 && opcode <= 10))) return -1;
  if ((b0 & 0x30) !== 0) return -1;
  if ((b0 & 0x40) !== 0 && (!opts.allowRsv1 || control || opcode === 0)) return -1;
  const masked = (b1 & 0x80) !== 0;
  if (opts.masked !== null && masked !== opts.masked) return -1;
  const len7 = b1 & 0x7f;
  if (control && ((b0 & 0x80) === 0 || len7 > 125)) return -1;
  const hl = headerLength(b1);
  if (at + hl > bytes.length) return -1;
  let length = len7;
  if (len7 === 126) {
    length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 126) return -1;
  } else if (len7 === 127) {
    // bytes 2–9, big-endian (RFC 6455 §5.2); past 2^53 no length is plausible (nor representable)
    const high = ((bytes[at + 2] << 24) >>> 0) + ((bytes[at + 3] << 16) | (bytes[at + 4] << 8) | bytes[at + 5]);
    if (high > 0x1fffff) return -1;
    const low = ((bytes[at + 6] << 24) >>> 0) + ((bytes[at + 7] << 16) | (bytes[at + 8] << 8) | bytes[at + 9]);
    length = high * 2 ** 32 + low;
    if (length < 65536) return -1;
  }
  return hl + length;
}

/** Where a run of frames stands between two headers (rules 3 and 4). */
export interface RunState {
  /** A data message is open (its last frame had FIN clear); null before the first data frame. */
  fragmentOpen: boolean | null;
  /** The latest frame was an empty non-final data frame. */
  emptyFragment: boolean;
}

/**
 * Rules 1, 3, 4 and 5 for the next header of a run, at `at` in bytes[0, length) (its mask
 * bit fixed by `opts`): the frame's total length, with `run` moved past it, or -1 and `run`
 * untouched. The header must be complete (see headerComplete).
 */
export function nextFrameOfRun(
  bytes: Uint8Array,
  at: number,
  opts: PlausibilityOptions,
  run: RunState,
  maxFrame = Number.MAX_SAFE_INTEGER,
): number {
  const total = plausibleFrameLength(bytes, at, opts);
  const b0 = bytes[at];
  if (total < 0 || total > maxFrame || !inFragmentOrder(b0, run.fragmentOpen)) return -1;
  const empty = isEmptyFragment(b0, total === headerLength(bytes[at + 1]));
  if (empty && run.emptyFragment) return -1;
  run.emptyFragment = empty;
  if ((b0 & 0x08) === 0) run.fragmentOpen = (b0 & 0x80) === 0;
  return total;
}

/** The whole header at `at` is within bytes[0, length). */
export function headerComplete(bytes: Uint8Array, at: number, length = bytes.length): boolean {
  return at + 2 <= length && at + headerLength(bytes[at + 1]) <= length;
}

/** RFC 6455 §5.4: a continuation needs an open message; a new data message needs none. */
export function inFragmentOrder(b0: number, fragmentOpen: boolean | null): boolean {
  const opcode = b0 & 0x0f;
  if ((opcode & 0x8) !== 0 || fragmentOpen === null) return true;
  return opcode === 0 ? fragmentOpen : !fragmentOpen;
}

/** An empty data frame with FIN clear: legal, but pointless twice in a row (rule 4). */
export function isEmptyFragment(b0: number, empty: boolean): boolean {
  return empty && (b0 & 0x88) === 0;
}

/**
 * Whether a run may start at `at` (its first two bytes present): a header that can be
 * plausible at all (RSV2/RSV3 clear, a defined opcode), the mask bit wanted (null: any),
 * and not an empty fragment — a real one is rare and the next frame starts the run
 * anyway, while zero bytes hold one at every offset (rule 4).
 */
export function mayStartRun(bytes: Uint8Array, at: number, masked: boolean | null): boolean {
  const b0 = bytes[at];
  const b1 = bytes[at + 1];
  if ((b0 & 0x30) !== 0 || ((b0 & 0x0f) > 2 && (b0 & 0x0f) < 8) || (b0 & 0x0f) > 0xa) return false;
  if (masked !== null && ((b1 & 0x80) !== 0) !== masked) return false;
  return !((b0 & 0x88) === 0 && (b1 & 0x7f) === 0);
}

/** What a walk of frame headers from one offset found. */
export interface FrameChain {
  /** Consecutive plausible frames (the last one may run past the end of the bytes). */
  readonly frames: number;
  /** The walk ran out of bytes (rather than meeting an implausible header). */
  readonly reachesEnd: boolean;
  /** The last frame ends exactly at the end of the bytes. */
  readonly endsExactly: boolean;
  /** The mask bit the frames carry (clients mask, servers do not: RFC 6455 §5.1). */
  readonly masked: boolean;
  /** Length of the last frame when it runs past the end of the bytes (unconfirmed), else -1. */
  readonly overrun: number;
}

/**
 * Walks frame headers from `at` while they obey the rules, up to `maxFrames`. A null mask
 * bit is learnt from the first frame (rule 2).
 */
export function measureFrameChain(
  bytes: Uint8Array,
  at: number,
  masked: boolean | null,
  allowRsv1: boolean,
  maxFrames = 8,
): FrameChain {
  if (at + 2 > bytes.length)
    return { frames: 0, reachesEnd: true, endsExactly: false, masked: masked ?? false, overrun: -1 };
  const bit = masked ?? (bytes[at + 1] & 0x80) !== 0;
  const opts: PlausibilityOptions = { masked: bit, allowRsv1 };
  const run: RunState = { fragmentOpen: null, emptyFragment: false };
  let frames = 0;
  let p = at;
  while (frames < maxFrames) {
    // the next header is not complete yet
    if (!headerComplete(bytes, p)) return { frames, reachesEnd: true, endsExactly: false, masked: bit, overrun: -1 };
    const length = nextFrameOfRun(bytes, p, opts, run);
    if (length < 0) break;
    frames += 1;
    p += length;
    if (p >= bytes.length)
      return {
        frames,
        reachesEnd: true,
        endsExactly: p === bytes.length,
        masked: bit,
        overrun: p > bytes.length ? length : -1,
      };
  }
  return { frames, reachesEnd: false, endsExactly: false, masked: bit, overrun: -1 };
}

export interface BoundarySearch {
  /** The direction's mask bit (rule 2); null: each run's first frame says. */
  readonly masked: boolean | null;
  readonly allowRsv1: boolean;
  /** Frames that make a boundary (a run ending exactly at the end of the bytes may have one fewer, see `until`). */
  readonly minFrames: number;
  /**
   * 'confirmed': `minFrames` frames, or fewer whose last one runs off the end of the bytes,
   * ending exactly there or no longer than `maxUnconfirmedLength` (more bytes may follow).
   * 'to-end': every header up to the end of the bytes holds, and the run has `minFrames`
   * frames, or `minFrames - 1` (at least one) ending exactly at the end.
   */
  readonly until: 'confirmed' | 'to-end';
  /** For 'confirmed' (default 1 MiB). */
  readonly maxUnconfirmedLength?: number;
}

export interface FrameBoundary {
  readonly offset: number;
  /** Frames counted from there ('confirmed': at least minFrames once accepted). */
  readonly frames: number;
  readonly masked: boolean;
}

/** Longest run walked by a 'to-end' search. */
const MAX_CHAIN = 100_000;

/** The one search: the first offset ≥ from where a run of frames makes a boundary, or null. */
export function findFrameBoundary(bytes: Uint8Array, from: number, search: BoundarySearch): FrameBoundary | null {
  const toEnd = search.until === 'to-end';
  const maxUnconfirmed = search.maxUnconfirmedLength ?? 1 << 20;
  for (let at = from; at + 1 < bytes.length; at += 1) {
    if (!mayStartRun(bytes, at, search.masked)) continue;
    const chain = measureFrameChain(bytes, at, search.masked, search.allowRsv1, toEnd ? MAX_CHAIN : search.minFrames);
    if (chain.frames === 0) continue;
    if (toEnd) {
      const enough = chain.frames >= search.minFrames || (chain.endsExactly && chain.frames >= search.minFrames - 1);
      if (chain.reachesEnd && enough) return { offset: at, frames: chain.frames, masked: chain.masked };
    } else {
      const unconfirmed = chain.overrun >= 0 && chain.overrun <= maxUnconfirmed;
      if (chain.frames >= search.minFrames || chain.endsExactly || unconfirmed)
        return { offset: at, frames: Math.max(chain.frames, search.minFrames), masked: chain.masked };
    }
  }
  return null;
}

/**
 * Resync after lost data: the first offset ≥ from where `minChain` frames follow one another
 * (a last frame running off the end of the bytes counts when it ends exactly there or is no
 * longer than opts.maxUnconfirmedLength), or null. `findFrameBoundary` with 'confirmed'.
 */
export function findFrameStart(
  bytes: Uint8Array,
  from: number,
  opts: PlausibilityOptions,
  minChain = 2,
): FrameStart | null {
  const found = findFrameBoundary(bytes, from, { ...opts, minFrames: minChain, until: 'confirmed' });
  return found === null ? null : { offset: found.offset, chain: found.frames };
}
