// Runs of consecutive plausible WebSocket frames, for detecting WebSocket in a capture
// that began mid-stream. The rule for one header is protocol/'s plausibleFrameLength
// (RFC 6455 §5.2/§5.5); this adds what detection needs on top: one mask bit per direction
// learnt from the first frame, fragment order (§5.4), and how long the chain is, which
// is the confidence of the guess. Layer rule: capture/ — pure, reads only.
import { headerLength } from '../protocol/frame-decoder.js';
import { plausibleFrameLength, type PlausibilityOptions } from '../protocol/frame-plausibility.js';

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
}

const MASKED: PlausibilityOptions = { masked: true, allowRsv1: true };
const UNMASKED: PlausibilityOptions = { masked: false, allowRsv1: true };

/**
 * Walks frame headers from `at` while they stay plausible, up to `maxFrames`.
 * `dirIsClient` fixes the expected mask bit; null lets the first frame set it.
 * RSV1 is allowed on data frames: permessage-deflate may have been negotiated unseen.
 */
export function measureFrameChain(
  bytes: Uint8Array,
  at: number,
  dirIsClient: boolean | null,
  maxFrames = 8,
): FrameChain {
  if (at + 2 > bytes.length) return { frames: 0, reachesEnd: true, endsExactly: false, masked: dirIsClient ?? false };
  const masked = dirIsClient ?? (bytes[at + 1] & 0x80) !== 0;
  const opts = masked ? MASKED : UNMASKED;
  let fragmentOpen: boolean | null = null; // unknown before the first frame
  let emptyFragment = false;
  let frames = 0;
  let p = at;
  while (frames < maxFrames) {
    if (p + 2 > bytes.length || p + headerLength(bytes[p + 1]) > bytes.length) {
      return { frames, reachesEnd: true, endsExactly: false, masked }; // next header not complete yet
    }
    const length = plausibleFrameLength(bytes, p, opts);
    if (length < 0 || !inFragmentOrder(bytes[p], fragmentOpen)) break;
    const empty = isEmptyFragment(bytes[p], length === headerLength(bytes[p + 1]));
    if (empty && emptyFragment) break;
    emptyFragment = empty;
    if ((bytes[p] & 0x08) === 0) fragmentOpen = (bytes[p] & 0x80) === 0;
    frames += 1;
    p += length;
    if (p >= bytes.length) return { frames, reachesEnd: true, endsExactly: p === bytes.length, masked };
  }
  return { frames, reachesEnd: false, endsExactly: false, masked };
}

/** RFC 6455 §5.4: a continuation needs an open message; a new data message needs none. */
export function inFragmentOrder(b0: number, fragmentOpen: boolean | null): boolean {
  const opcode = b0 & 0x0f;
  if ((opcode & 0x8) !== 0 || fragmentOpen === null) return true;
  return opcode === 0 ? fragmentOpen : !fragmentOpen;
}

/**
 * An empty data frame with FIN clear: legal, but pointless twice in a row. Zero bytes read
 * as an endless run of them, so a second one in a row ends a chain.
 */
export function isEmptyFragment(b0: number, empty: boolean): boolean {
  return empty && (b0 & 0x88) === 0;
}

/**
 * No chain is taken to start with an empty fragment: a real one is rare and the next frame
 * starts the chain anyway, while zero bytes hold one at every offset.
 */
export function startsWithEmptyFragment(bytes: Uint8Array, at: number): boolean {
  return (bytes[at] & 0x88) === 0 && (bytes[at + 1] & 0x7f) === 0;
}

/** Cheap filter before a header is read: RSV2/RSV3 clear and a defined opcode (RFC 6455 §5.2). */
export function mayStartFrame(b0: number): boolean {
  return (b0 & 0x30) === 0 && !((b0 & 0x0f) > 2 && (b0 & 0x0f) < 8) && (b0 & 0x0f) <= 0xa;
}

/**
 * The first offset ≥ from where at least `minFrames` plausible frames follow one another
 * (a chain ending exactly at the end of the bytes needs one frame fewer: a segment
 * boundary is evidence too), or -1 when there is none yet. A frame running past the end
 * counts: its header was checked, its payload has not arrived.
 */
export function findPlausibleFrameStart(
  bytes: Uint8Array,
  from: number,
  dirIsClient: boolean | null,
  minFrames = 2,
): number {
  for (let at = from; at + 1 < bytes.length; at += 1) {
    const b0 = bytes[at];
    // Cheap filter first: RSV2/RSV3 clear and a defined opcode.
    if ((b0 & 0x30) !== 0 || ((b0 & 0x0f) > 2 && (b0 & 0x0f) < 8) || (b0 & 0x0f) > 0xa) continue;
    if (dirIsClient !== null && ((bytes[at + 1] & 0x80) !== 0) !== dirIsClient) continue;
    const found = measureFrameChain(bytes, at, dirIsClient, minFrames);
    if (found.frames >= minFrames || (found.endsExactly && found.frames >= Math.max(1, minFrames - 1))) return at;
  }
  return -1;
}

/** A frame chain that holds from its start to the end of the bytes. */
export interface ChainToEnd {
  readonly start: number;
  readonly frames: number;
  readonly masked: boolean;
}

/** Longest chain walked when judging a whole detection window. */
const MAX_CHAIN = 100_000;

/**
 * The first offset ≥ from where every header up to the end of the bytes is plausible and
 * the evidence is more than one header whose payload runs off the end: at least two
 * frames, or frames ending exactly at the end (a segment boundary). Stricter than
 * findPlausibleFrameStart: random payload bytes rarely keep a chain going to the end.
 */
export function findChainToEnd(bytes: Uint8Array, from: number, dirIsClient: boolean | null): ChainToEnd | null {
  for (let at = from; at + 1 < bytes.length; at += 1) {
    const b0 = bytes[at];
    if ((b0 & 0x30) !== 0 || ((b0 & 0x0f) > 2 && (b0 & 0x0f) < 8) || (b0 & 0x0f) > 0xa) continue;
    if (dirIsClient !== null && ((bytes[at + 1] & 0x80) !== 0) !== dirIsClient) continue;
    if (startsWithEmptyFragment(bytes, at)) continue;
    const chain = measureFrameChain(bytes, at, dirIsClient, MAX_CHAIN);
    if (chain.reachesEnd && chain.frames > 0 && (chain.frames >= 2 || chain.endsExactly)) {
      return { start: at, frames: chain.frames, masked: chain.masked };
    }
  }
  return null;
}
