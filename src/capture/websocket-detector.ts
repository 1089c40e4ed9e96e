// Decides from the first bytes of both directions whether a TCP connection carries
// WebSocket: an HTTP Upgrade request (RFC 6455 §4.1, by protocol/upgrade-detection's rule,
// the proxy's too) says so outright; TLS and plain HTTP say no; bytes that are neither (a
// capture that began mid-stream) are judged by how many consecutive plausible frame
// headers they hold (protocol/frame-plausibility's search, the one the session resyncs
// with), looking further than the first bytes (bounded) when those are all inside one long
// frame. Layer rule: capture/ — pure.
import { heldStart, type FrameChainScanner } from '../protocol/frame-chain-scanner.js';
import { findFrameBoundary } from '../protocol/frame-plausibility.js';
import { DEFAULT_LIMITS } from '../protocol/limits.js';
import {
  StreamStart,
  classifyStreamStart,
  findHeadEnd,
  isWebSocketUpgradeRequest,
  isWebSocketUpgradeResponse,
  responseStatus,
} from '../protocol/upgrade-detection.js';

/** The first bytes of one direction, as far as they were kept. */
export interface DetectionSide {
  readonly bytes: Uint8Array;
  readonly length: number;
  /** No more bytes will be kept for this direction (the detection window is full). */
  readonly full: boolean;
  /** Where the bytes after the last hole start: frame chains are looked for from here. */
  readonly resumeAt: number;
  /** Bytes seen before `bytes[0]` and dropped: the window slid on (0 for the first bytes). */
  readonly skipped: number;
  /** Once the window slid: the runs of plausible headers followed past it. */
  readonly scanner: FrameChainScanner | null;
}

export interface DetectionInput {
  readonly sides: readonly [DetectionSide, DetectionSide];
  /** Side that sent the SYN, or -1 when the SYN was not captured. */
  readonly synSide: number;
  /** Side with the higher (ephemeral-looking) port: the client guess of last resort. */
  readonly portClientSide: number;
  /** --decode-as named one of the ports. */
  readonly forced: boolean;
  /** No more bytes will come (connection or input ended): decide with what there is. */
  readonly final: boolean;
}

export type Verdict =
  /** scanFurther: full sides hold no frame boundary; keep their tails and look further. */
  | { readonly kind: 'wait'; readonly scanFurther?: boolean }
  | { readonly kind: 'ignore' }
  /** Plain HTTP so far: follow its messages, a later request on the connection may Upgrade. */
  | { readonly kind: 'http'; readonly clientSide: number; readonly requestSeen: boolean }
  | { readonly kind: 'tls'; readonly clientSide: number }
  | {
      readonly kind: 'websocket';
      readonly detectedBy: 'handshake' | 'heuristic';
      readonly clientSide: number;
      /** Where decoding starts in each side's bytes; -1: no frame boundary found yet. */
      readonly starts: readonly [number, number];
      /** For heuristics: why and how sure, as one sentence. */
      readonly reason: string;
    };

/** Consecutive plausible frames that make a mid-stream guess (RFC 6455 §5.2 headers). */
export const HEURISTIC_MIN_FRAMES = 3;

/**
 * How far past its first bytes a direction is scanned for a frame boundary: as far as the
 * rest of a frame the session decoder still keeps whole can reach (its frame limit,
 * 64 MiB). Past it the connection is taken for something else, as a full window once was.
 * Scanning costs time in proportion to the bytes (figure: bench/README.md), paid only by
 * connections still undecided: neither HTTP nor TLS, and no frames in their first bytes.
 */
export const MAX_SCAN_BYTES = DEFAULT_LIMITS.maxFramePayload;

/**
 * Frames a run found after sliding must hold on its own (what `describe` calls high
 * confidence). A scan tries every offset of up to 64 MiB of payload; over 1 GiB of random
 * bytes the longest run seen was 2 frames. It must also end a message and carry payload.
 */
export const SCAN_MIN_FRAMES = 5;

const WAIT: Verdict = { kind: 'wait' };
const SCAN_FURTHER: Verdict = { kind: 'wait', scanFurther: true };
const IGNORE: Verdict = { kind: 'ignore' };

export function detectWebSocket(input: DetectionInput): Verdict {
  // A side that slid on is past its stream's start: whatever its bytes look like now, it began as 'other'.
  const starts = [0, 1].map((s) => {
    const side = input.sides[s];
    return side.skipped > 0 ? StreamStart.other : classifyStreamStart(side.bytes, side.length);
  });
  // A request is judged before a response beside it: the response answers it.
  const request = starts.indexOf(StreamStart.httpRequest);
  if (request >= 0) return judgeRequest(input, request);
  for (const s of [0, 1]) {
    if (starts[s] === StreamStart.httpResponse) return judgeResponse(input, s);
    if (starts[s] === StreamStart.tls) return { kind: 'tls', clientSide: tlsClient(input, s) };
  }
  if (starts[0] === StreamStart.needMore && starts[1] === StreamStart.needMore && !input.final) return WAIT;
  return judgeHeuristically(input);
}

function judgeRequest(input: DetectionInput, s: number): Verdict {
  const side = input.sides[s];
  const headEnd = findHeadEnd(side.bytes, side.length);
  if (headEnd < 0 && !side.full && !input.final) return WAIT;
  if (!isWebSocketUpgradeRequest(side.bytes, headEnd < 0 ? side.length : headEnd)) {
    // Plain HTTP: a later request on the kept-alive connection may still Upgrade.
    return input.final ? IGNORE : { kind: 'http', clientSide: s, requestSeen: true };
  }
  return { kind: 'websocket', detectedBy: 'handshake', clientSide: s, starts: [0, 0], reason: 'HTTP Upgrade request' };
}

/** A response seen without its request (capture began between the two). */
function judgeResponse(input: DetectionInput, s: number): Verdict {
  const side = input.sides[s];
  const headEnd = findHeadEnd(side.bytes, side.length);
  if (headEnd < 0 && !side.full && !input.final) return WAIT;
  const end = headEnd < 0 ? side.length : headEnd;
  const status = responseStatus(side.bytes, end);
  if (status !== 101 && status >= 200 && !input.final) return { kind: 'http', clientSide: 1 - s, requestSeen: false };
  if (!isWebSocketUpgradeResponse(side.bytes, end)) return IGNORE;
  return {
    kind: 'websocket',
    detectedBy: 'handshake',
    clientSide: 1 - s,
    starts: [0, 0],
    reason: '101 response to an HTTP Upgrade',
  };
}

function tlsClient(input: DetectionInput, s: number): number {
  if (input.synSide >= 0) return input.synSide;
  // A ClientHello (handshake record, message type 1) comes from the client.
  const b = input.sides[s].bytes;
  if (b[0] === 0x16 && input.sides[s].length > 5 && b[5] === 1) return s;
  return input.portClientSide;
}

/** A frame chain that holds from its start to the end of a side's bytes. */
interface SideGuess {
  readonly start: number;
  readonly frames: number;
  readonly masked: boolean;
}

/**
 * The first offset ≥ from where every header up to the end of the bytes is plausible, and
 * the evidence is more than one header whose payload runs off the end: at least two frames,
 * or frames ending exactly at the end (a segment boundary). RSV1 is allowed on data frames:
 * permessage-deflate may have been negotiated unseen.
 */
export function findChainToEnd(bytes: Uint8Array, from: number, isClient: boolean | null): SideGuess | null {
  const found = findFrameBoundary(bytes, from, { masked: isClient, allowRsv1: true, minFrames: 2, until: 'to-end' });
  return found === null ? null : { start: found.offset, frames: found.frames, masked: found.masked };
}

function judgeHeuristically(input: DetectionInput): Verdict {
  const known = input.synSide;
  const needed = input.forced ? 1 : input.final ? 2 : HEURISTIC_MIN_FRAMES;
  const guesses = [0, 1].map((s) => guessSide(input.sides[s], known < 0 ? null : s === known));
  // Evidence adds up across directions: frames seen both ways are as telling as one way.
  const total = (guesses[0]?.frames ?? 0) + (guesses[1]?.frames ?? 0);
  const best = total >= needed ? [0, 1].filter((s) => guesses[s] !== null) : [];
  if (best.length === 0) {
    const anyFull = input.sides[0].full || input.sides[1].full;
    if (input.forced && (anyFull || input.final)) return forcedAtZero(input);
    if (input.final || input.sides.some((side) => side.skipped + side.length > MAX_SCAN_BYTES)) return IGNORE;
    return anyFull ? SCAN_FURTHER : WAIT;
  }
  const lead = best[0];
  const guess = guesses[lead]!;
  const clientSide = known >= 0 ? known : guess.masked ? lead : 1 - lead;
  const startsOf = (s: number): number => guesses[s]?.start ?? boundaryOf(input.sides[s], s === clientSide);
  const starts: [number, number] = [startsOf(0), startsOf(1)];
  return {
    kind: 'websocket',
    detectedBy: 'heuristic',
    clientSide,
    starts,
    reason: describe(input, guesses, clientSide, starts),
  };
}

/** --decode-as with bytes that show no frame chain yet: decode from the first byte. */
function forcedAtZero(input: DetectionInput): Verdict {
  const clientSide = input.synSide >= 0 ? input.synSide : input.portClientSide;
  return { kind: 'websocket', detectedBy: 'heuristic', clientSide, starts: [0, 0], reason: 'forced by --decode-as' };
}

/**
 * A side's evidence: a chain holding to the end of its first bytes, or once it slid on, a
 * longer run found by its scanner (start -1 when the run's headers are no longer held).
 */
function guessSide(side: DetectionSide, isClient: boolean | null): SideGuess | null {
  if (side.scanner === null) return findChainToEnd(side.bytes.subarray(0, side.length), side.resumeAt, isClient);
  const run = side.scanner.best(SCAN_MIN_FRAMES, isClient);
  if (run === null) return null;
  return { start: heldStart(run, side.skipped), frames: run.frames, masked: run.masked };
}

/** Where a side without evidence of its own starts once the other side decided: -1 not yet. */
export function boundaryOf(side: DetectionSide, isClient: boolean): number {
  if (side.scanner === null)
    return findChainToEnd(side.bytes.subarray(0, side.length), side.resumeAt, isClient)?.start ?? -1;
  const run = side.scanner.best(2, isClient);
  return run === null ? -1 : heldStart(run, side.skipped);
}

function describe(
  input: DetectionInput,
  guesses: readonly (SideGuess | null)[],
  clientSide: number,
  starts: readonly number[],
): string {
  const parts = [0, 1]
    .filter((s) => guesses[s] !== null)
    .map((s) => {
      const before = input.sides[s].skipped + starts[s];
      const skipped = starts[s] >= 0 && before > 0 ? ` after ${before} byte(s) of an earlier frame` : '';
      return `${guesses[s]!.frames} consecutive plausible frame(s) ${s === clientSide ? 'client→server' : 'server→client'}${skipped}`;
    });
  const frames = (guesses[0]?.frames ?? 0) + (guesses[1]?.frames ?? 0);
  const confidence = frames >= 5 ? 'high' : frames >= HEURISTIC_MIN_FRAMES ? 'medium' : 'low';
  const forced = input.forced ? 'forced by --decode-as; ' : '';
  return `${forced}${parts.join(', ')}; confidence ${confidence}`;
}
