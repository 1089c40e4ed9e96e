// Decides from the first bytes of both directions whether a TCP connection carries
// WebSocket: an HTTP Upgrade request (RFC 6455 §4.1) says so outright; TLS and plain
// HTTP say no; bytes that are neither (a capture that began mid-stream) are judged by how
// many consecutive plausible frame headers they hold. Layer rule: capture/ — pure.
import { findChainToEnd, type ChainToEnd } from './frame-plausibility.js';
import { StreamStart, classifyStreamStart, findHeadEnd, hasWebSocketUpgrade, responseStatus } from './stream-start.js';

/** The first bytes of one direction, as far as they were kept. */
export interface DetectionSide {
  readonly bytes: Uint8Array;
  readonly length: number;
  /** No more bytes will be kept for this direction (the detection window is full). */
  readonly full: boolean;
  /** Where the bytes after the last hole start: frame chains are looked for from here. */
  readonly resumeAt: number;
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
  | { readonly kind: 'wait' }
  | { readonly kind: 'ignore' }
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

const WAIT: Verdict = { kind: 'wait' };
const IGNORE: Verdict = { kind: 'ignore' };

export function detectWebSocket(input: DetectionInput): Verdict {
  const starts = [0, 1].map((s) => classifyStreamStart(input.sides[s].bytes, input.sides[s].length));
  for (const s of [0, 1]) {
    if (starts[s] === StreamStart.httpRequest) return judgeRequest(input, s);
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
  if (!hasWebSocketUpgrade(side.bytes, headEnd < 0 ? side.length : headEnd)) return IGNORE; // plain HTTP
  return { kind: 'websocket', detectedBy: 'handshake', clientSide: s, starts: [0, 0], reason: 'HTTP Upgrade request' };
}

/** A response seen without its request (capture began between the two). */
function judgeResponse(input: DetectionInput, s: number): Verdict {
  const side = input.sides[s];
  const headEnd = findHeadEnd(side.bytes, side.length);
  if (headEnd < 0 && !side.full && !input.final) return WAIT;
  const end = headEnd < 0 ? side.length : headEnd;
  if (responseStatus(side.bytes, end) !== 101 || !hasWebSocketUpgrade(side.bytes, end)) return IGNORE;
  return { kind: 'websocket', detectedBy: 'handshake', clientSide: 1 - s, starts: [0, 0], reason: '101 response to an HTTP Upgrade' };
}

function tlsClient(input: DetectionInput, s: number): number {
  if (input.synSide >= 0) return input.synSide;
  // A ClientHello (handshake record, message type 1) comes from the client.
  const b = input.sides[s].bytes;
  if (b[0] === 0x16 && input.sides[s].length > 5 && b[5] === 1) return s;
  return input.portClientSide;
}

type SideGuess = ChainToEnd;

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
    return input.final || anyFull ? IGNORE : WAIT;
  }
  const lead = best[0];
  const guess = guesses[lead]!;
  const clientSide = known >= 0 ? known : guess.masked ? lead : 1 - lead;
  const startsOf = (s: number): number => {
    const g = guesses[s];
    if (g !== null) return g.start;
    const side = input.sides[s];
    return findChainToEnd(side.bytes.subarray(0, side.length), side.resumeAt, s === clientSide)?.start ?? -1;
  };
  const starts: [number, number] = [startsOf(0), startsOf(1)];
  return { kind: 'websocket', detectedBy: 'heuristic', clientSide, starts, reason: describe(input, guesses, clientSide, starts) };
}

/** --decode-as with bytes that show no frame chain yet: decode from the first byte. */
function forcedAtZero(input: DetectionInput): Verdict {
  const clientSide = input.synSide >= 0 ? input.synSide : input.portClientSide;
  return { kind: 'websocket', detectedBy: 'heuristic', clientSide, starts: [0, 0], reason: 'forced by --decode-as' };
}

function guessSide(side: DetectionSide, isClient: boolean | null): SideGuess | null {
  return findChainToEnd(side.bytes.subarray(0, side.length), side.resumeAt, isClient);
}

function describe(
  input: DetectionInput, guesses: readonly (SideGuess | null)[], clientSide: number, starts: readonly number[],
): string {
  const parts = [0, 1]
    .filter((s) => guesses[s] !== null)
    .map((s) => {
      const skipped = starts[s] > 0 ? ` after ${starts[s]} byte(s) of an earlier frame` : '';
      return `${guesses[s]!.frames} consecutive plausible frame(s) ${s === clientSide ? 'client→server' : 'server→client'}${skipped}`;
    });
  const frames = (guesses[0]?.frames ?? 0) + (guesses[1]?.frames ?? 0);
  const confidence = frames >= 5 ? 'high' : frames >= HEURISTIC_MIN_FRAMES ? 'medium' : 'low';
  const forced = input.forced ? 'forced by --decode-as; ' : '';
  return `${forced}${parts.join(', ')}; confidence ${confidence}`;
}
