// Synchronous zlib attempts for permessage-deflate, and the plain-words diagnosis of a message
// that will not inflate: retry with the window or context the sender probably used
// (RFC 7692 §7.1.1, §7.1.2) and say which one worked. Layer rule: protocol/ — node:zlib only,
// synchronous, so the decoder stays in step with the bytes and nothing runs after we return.
import { constants as bufferConstants } from 'node:buffer';
import { constants, inflateRawSync } from 'node:zlib';
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';
import { LiveInflate, Overflow } from './live-inflate.js';
import { maxMatchDistance } from './max-match-distance.js';

/** What one zlib run needs besides the bytes. */
export interface InflateSettings {
  /** 8–15. zlib's raw inflate accepts 8 (only its deflate side refuses 8 and uses 9). */
  readonly windowBits: number;
  /** Preset LZ77 window: the sender's previous output, for context takeover. */
  readonly dictionary: Uint8Array | undefined;
  /** Largest output allowed; more is a decompression bomb. */
  readonly maxOutput: number;
}

export type Attempt =
  | { readonly ok: true; readonly data: Buffer; readonly consumed: number }
  | { readonly ok: false; readonly bomb: boolean; readonly reason: string };

/**
 * One synchronous raw inflate. `finish` means the input ends with a final block (we append
 * one after the RFC 7692 §7.2.2 trailer), so a message that stops mid-block fails instead of
 * passing silently; without it Z_SYNC_FLUSH yields whatever a truncated input decodes to.
 */
export function tryInflate(input: Uint8Array, s: InflateSettings, finish: boolean): Attempt {
  try {
    // With `info` zlib returns { buffer, engine }; the engine's bytesWritten is the input it
    // consumed, which shows where a final block ended. @types/node lacks this overload.
    const result: unknown = inflateRawSync(input, {
      info: true,
      windowBits: s.windowBits,
      dictionary: s.dictionary !== undefined && s.dictionary.length > 0 ? s.dictionary : undefined,
      finishFlush: finish ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      maxOutputLength: s.maxOutput,
      // Small outputs are returned as a view of one chunk: size it to the message, so a
      // 100-byte text does not pin a 16 KiB buffer; zlib's maxOutputLength check is per chunk.
      chunkSize: Math.min(65536, Math.max(512, input.length * 4)),
    });
    const { buffer, engine } = result as { buffer: Buffer; engine: { bytesWritten: number } };
    return { ok: true, data: buffer, consumed: engine.bytesWritten };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, bomb: true, reason: 'output limit' };
    if (typeof code === 'string' && code.startsWith('Z_'))
      return { ok: false, bomb: false, reason: (e as Error).message };
    throw e;
  }
}

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Length of the longest prefix of `compressed` that inflates (sync flush) without error
 * and within the limit, and its output. Failure is monotone in the prefix length (an error
 * or an overflow at byte k stays one for every longer prefix), so a binary search finds it.
 */
function longestPrefix(compressed: Uint8Array, s: InflateSettings): { length: number; data: Buffer } {
  let lo = 0;
  let data = EMPTY;
  let hi = compressed.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const a = tryInflate(compressed.subarray(0, mid), s, false);
    if (a.ok) [lo, data] = [mid, a.data];
    else hi = mid;
  }
  return { length: lo, data };
}

/** What could be inflated before the first error: the data of a failed message. */
export function inflateUntilError(compressed: Uint8Array, s: InflateSettings): Buffer {
  return longestPrefix(compressed, s).data;
}

/**
 * The first `maxOutput` bytes of a bomb with memory bounded by about that. Where node's zlib
 * handle cannot be driven (LiveInflate): find the longest prefix within the limit, then
 * inflate one byte more (RFC 1951 codes expand one input byte to at most a few KiB) with a
 * little headroom, and cut.
 */
export function inflateBombHead(compressed: Uint8Array, s: InflateSettings): Uint8Array {
  const head = LiveInflate.create(s.windowBits, s.dictionary)?.prefix(compressed, s.maxOutput) ?? null;
  if (head !== null) return head instanceof Overflow ? head.head : head;
  const best = longestPrefix(compressed, s);
  const headroom = Math.min(bufferConstants.MAX_LENGTH, s.maxOutput + 65536);
  const next = tryInflate(compressed.subarray(0, best.length + 1), { ...s, maxOutput: headroom }, false);
  return next.ok && next.data.length >= s.maxOutput ? next.data.subarray(0, s.maxOutput) : best.data;
}

export function bombDiagnostic(maxOutput: number, compressedLength: number): Diagnostic {
  return diagnostic(
    'deflate.bomb',
    `inflated size exceeds the limit of ${maxOutput} bytes (from ${compressedLength} compressed bytes); inflation stopped, only the first ${maxOutput} bytes are kept`,
  );
}

/** Distance → "needs a 2^k-byte window" wording for RFC 7692 §7.1.2 violations. */
export function windowExceeded(distance: number, windowBits: number, param: string): Diagnostic {
  const needed = Math.max(8, Math.ceil(Math.log2(distance)));
  return diagnostic(
    'deflate.window-exceeded',
    `the sender used a 2^${needed}-byte LZ77 window (a match reaches ${distance} bytes back) but negotiated ${param}=${windowBits} (${1 << windowBits} bytes)`,
  );
}

/** The message and its direction, as the checks and the diagnosis need them. */
export interface InflatedMessage {
  readonly compressed: Uint8Array;
  /** What was inflated: `compressed` plus our ending when complete (see withEnding). */
  readonly input: Uint8Array;
  readonly complete: boolean;
  readonly windowBits: number;
  /** Parameter name as negotiated for this direction, for the messages. */
  readonly windowParam: string;
}

export interface FailedMessage extends InflatedMessage {
  readonly noContextTakeover: boolean;
  /** The last ≤ 32 KiB of this direction's output, oldest first (empty when none). */
  readonly history: Uint8Array;
  /** True when `history` reaches back to the start of the sender's context. */
  readonly historyFromStart: boolean;
  readonly maxOutput: number;
  readonly contextParam: string;
  /** zlib's message for the first attempt. */
  readonly reason: string;
}

export interface Diagnosis {
  readonly data: Uint8Array;
  readonly partial: boolean;
  readonly diagnostics: Diagnostic[];
  /** True when the data was recovered whole, so the LZ77 context is known again. */
  readonly recovered: boolean;
}

/**
 * RFC 7692 §7.2.2 appends 00 00 ff ff (closing the empty stored block the sender removed);
 * we add 03 00, an empty final fixed block, so a clean message ends the DEFLATE stream and
 * one that stops inside a block is caught instead of silently eating our bytes.
 */
const ENDING = Uint8Array.of(0x00, 0x00, 0xff, 0xff, 0x03, 0x00);

export function withEnding(compressed: Uint8Array, scratch: Uint8Array): Uint8Array {
  const n = compressed.length + ENDING.length;
  const out = n <= scratch.length ? scratch.subarray(0, n) : new Uint8Array(n);
  out.set(compressed, 0);
  out.set(ENDING, compressed.length);
  return out;
}

/**
 * Checks on a message that inflated: bytes after a final block (RFC 7692 §7.2.3.4 allows
 * BFINAL followed by one 00 octet that opens an empty stored block; anything else is
 * trailing data) and, below 15 window bits, the farthest match against the window.
 */
export function inflatedChecks(m: InflatedMessage, consumed: number, checkWindow: boolean): Diagnostic[] {
  const diags: Diagnostic[] = [];
  if (m.complete && consumed < m.compressed.length) {
    const rest = m.compressed.subarray(consumed);
    const tail = tryInflate(withEnding(rest, EMPTY), { windowBits: 15, dictionary: undefined, maxOutput: 1 }, true);
    if (!tail.ok || tail.data.length > 0 || tail.consumed < rest.length + ENDING.length) {
      const text = `${rest.length} bytes follow the final DEFLATE block (BFINAL set); a receiver's inflater stops at that block, so they are not inflated`;
      diags.push(diagnostic('deflate.trailing-data', text));
    }
  }
  const window = 1 << m.windowBits;
  if (checkWindow && m.windowBits < 15) {
    // Stop at the first violation (the common case is none); rescan for the figure to report.
    if (maxMatchDistance(m.input, window) > window) {
      diags.push(windowExceeded(maxMatchDistance(m.input, 32768), m.windowBits, m.windowParam));
    }
  }
  return diags;
}

/** zlib's words for a back-reference beyond the history it holds. */
const TOO_FAR = 'too far back';

const last = (bytes: Uint8Array, n: number): Uint8Array => bytes.subarray(Math.max(0, bytes.length - n));

/** A retry that worked: keep its data and name what it took (bombs are still bombs). */
function recovered(m: FailedMessage, s: InflateSettings, diags: Diagnostic[]): Diagnosis | null {
  const a = tryInflate(m.input, s, m.complete);
  if (a.ok) {
    const checkWindow = !diags.some((d) => d.code === 'deflate.window-exceeded');
    diags.push(...inflatedChecks(m, a.consumed, checkWindow));
    return { data: a.data, partial: !m.complete, diagnostics: diags, recovered: m.complete };
  }
  if (!a.bomb) return null;
  diags.push(bombDiagnostic(m.maxOutput, m.compressed.length));
  return { data: inflateBombHead(m.compressed, s), partial: true, diagnostics: diags, recovered: false };
}

/** RFC 7692 §7.1.1: with no_context_takeover, does the message decode against the previous output? */
function tryContextTakeover(m: FailedMessage): Diagnosis | null {
  if (!m.noContextTakeover || m.history.length === 0) return null;
  const note = diagnostic(
    'deflate.context-takeover',
    `the sender referred to its earlier messages although ${m.contextParam} was negotiated; recovered by inflating with its previous output as the LZ77 window`,
  );
  const narrow = recovered(
    m,
    { windowBits: m.windowBits, dictionary: last(m.history, 1 << m.windowBits), maxOutput: m.maxOutput },
    [note],
  );
  if (narrow !== null || m.windowBits === 15) return narrow;
  const wide: InflateSettings = { windowBits: 15, dictionary: m.history, maxOutput: m.maxOutput };
  return recovered(m, wide, [note, windowExceeded(maxMatchDistance(m.input, 32768), m.windowBits, m.windowParam)]);
}

/** RFC 7692 §7.1.2: does the message decode with the largest window DEFLATE allows? */
function tryWideWindow(m: FailedMessage): Diagnosis | null {
  if (m.windowBits === 15) return null;
  const s: InflateSettings = {
    windowBits: 15,
    dictionary: m.noContextTakeover ? undefined : m.history,
    maxOutput: m.maxOutput,
  };
  const distance = maxMatchDistance(m.input, 32768);
  return recovered(m, s, [windowExceeded(distance, m.windowBits, m.windowParam)]);
}

/** The failure stays a failure: say why in plain words and keep what decoded before it. */
function explainFailure(m: FailedMessage): Diagnosis {
  const s: InflateSettings = {
    windowBits: m.windowBits,
    dictionary: m.noContextTakeover ? undefined : last(m.history, 1 << m.windowBits),
    maxOutput: m.maxOutput,
  };
  const fail = (
    code: 'deflate.context-missing' | 'deflate.inflate-failed',
    text: string,
    data: Uint8Array,
  ): Diagnosis => ({
    data,
    partial: true,
    diagnostics: [diagnostic(code, `${text}; ${data.length} bytes inflated before that point`)],
    recovered: false,
  });
  const tooFar = m.reason.includes(TOO_FAR);
  if (tooFar && !m.noContextTakeover && !m.historyFromStart) {
    // RFC 7692 §7.2.2: with context takeover a message may copy from earlier messages.
    const text =
      'a back-reference reaches into earlier output of this direction that was not seen (capture started mid-stream, or data was lost), so this message cannot be fully inflated';
    return fail('deflate.context-missing', text, inflateUntilError(m.compressed, s));
  }
  if (m.complete) {
    const open = tryInflate(m.compressed, s, false);
    if (open.ok) {
      const text =
        'the compressed data ends inside a DEFLATE block: the sender did not finish the message with an empty stored block (a sync flush) as permessage-deflate requires';
      return fail('deflate.inflate-failed', text, open.data);
    }
  }
  const text = tooFar
    ? m.noContextTakeover
      ? `a back-reference reaches before the start of the message (zlib: ${m.reason}) although ${m.contextParam} was negotiated; no earlier output was seen to check whether the sender kept its context`
      : `a back-reference reaches before the start of the stream (zlib: ${m.reason})`
    : `zlib: ${m.reason}; the payload does not look like DEFLATE data: RSV1 may be set by another extension, or the data is not compressed`;
  return fail('deflate.inflate-failed', text, inflateUntilError(m.compressed, s));
}

/**
 * Explains a message whose first inflation failed, by retrying the way the sender most
 * likely compressed: with the context it should not have kept, with a window it should not
 * have used; otherwise a plain-words failure with the bytes that did decode.
 */
export function diagnoseInflateFailure(m: FailedMessage): Diagnosis {
  // A missing preset window or a smaller window can only make zlib say "too far back";
  // any other error would recur in every retry, so go straight to the explanation.
  if (!m.reason.includes(TOO_FAR)) return explainFailure(m);
  return tryContextTakeover(m) ?? tryWideWindow(m) ?? explainFailure(m);
}
