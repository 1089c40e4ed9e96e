// The preview on a frame's summary line, defined once for the string line (summary-line.ts)
// and the byte-written line (frame-line.ts): what a frame previews (framePreview), and the
// escaped preview of UTF-8 bytes (a text frame's first characters), computed from the bytes
// without decoding the whole text and without the escaping regex in the common case. It
// always equals previewText(decode(bytes), max); the byte scan only decides how few bytes
// must be decoded (or, for the byte writer, may be copied), and anything unusual goes the
// general way.
// Layer rule: render/ — pure string building; runs once per text frame in a capture.
import { Opcode } from '../protocol/frame.js';
import type { FrameEvent } from '../session/events.js';
import { previewText } from './escape.js';

/** What a frame's summary line previews after its other parts. */
export type FramePreview =
  /** Nothing: a close frame (its code and reason are shown instead) or an empty payload. */
  | { readonly kind: 'none' }
  /** Escaped text from UTF-8 bytes: the message's text, or a fragment's or unassembled text frame's own bytes (lossy). */
  | { readonly kind: 'utf8'; readonly bytes: Uint8Array }
  /** Escaped text of a message known only as a string. */
  | { readonly kind: 'text'; readonly text: string }
  /** Hex of the first `count` bytes: binary payloads, and compressed binary messages as inflated. */
  | { readonly kind: 'hex'; readonly bytes: Uint8Array; readonly count: number };

const NO_PREVIEW: FramePreview = { kind: 'none' };

/**
 * The one place that decides what a frame's summary previews; `max` is the preview's room in
 * characters (text; hex shows half as many bytes), `maxPayload` the most payload bytes any
 * preview may show (--max-payload; text counts characters). Callers that cut text pass
 * previewRoom(max, maxPayload) as the text's room (previewPart, closePart).
 */
export function framePreview(ev: FrameEvent, max: number, maxPayload = Infinity): FramePreview {
  const frame = ev.frame;
  if (frame.opcode === Opcode.close || frame.payload.length === 0 || maxPayload <= 0 || max <= 0) return NO_PREVIEW;
  if (ev.textBytes !== undefined) return { kind: 'utf8', bytes: ev.textBytes };
  if (ev.text !== undefined) return { kind: 'text', text: ev.text };
  const textual =
    frame.opcode === Opcode.text || (frame.opcode === Opcode.continuation && ev.messageOpcode === Opcode.text);
  if (textual && !ev.compressed) return { kind: 'utf8', bytes: frame.payload };
  return { kind: 'hex', bytes: ev.inflated ?? frame.payload, count: Math.min(Math.max(1, max >> 1), maxPayload) };
}

/** A summary's room for text (preview, close reason): `max` characters, never more than --max-payload's. */
export function previewRoom(max: number, maxPayload = Infinity): number {
  return Math.min(max, maxPayload);
}

// ignoreBOM keeps a leading U+FEFF (so the preview shows it, escaped, instead of silently
// dropping bytes that are on the wire); invalid sequences become U+FFFD. For short strings
// TextDecoder is also the fastest decoder Node offers without private Buffer methods.
const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function decode(bytes: Uint8Array, n: number): string {
  return utf8Decoder.decode(n === bytes.length ? bytes : bytes.subarray(0, n));
}

/**
 * True for a code point escapeForTerminal might escape: the backslash, controls, and every
 * range holding a format (Cf), line or paragraph separator (Zl, Zp) character. A superset on
 * purpose (whole blocks where Cf characters live): a true here only means "ask the regex".
 * Held to the regex for every code point by test/render/text-preview.test.ts.
 */
export function mayNeedEscape(cp: number): boolean {
  if (cp < 0xa0) return cp < 0x20 || cp >= 0x7f || cp === 0x5c;
  if (cp < 0x600) return cp === 0xad;
  if (cp < 0x900)
    return cp < 0x606 || cp === 0x61c || cp === 0x6dd || cp === 0x70f || cp === 0x890 || cp === 0x891 || cp === 0x8e2;
  if (cp < 0x2000) return cp === 0x180e;
  // General Punctuation: zero-width and bidi characters, line/paragraph separators, invisible operators
  if (cp < 0x2100)
    return (cp >= 0x200b && cp < 0x2010) || (cp >= 0x2028 && cp < 0x202f) || (cp >= 0x2060 && cp < 0x2070);
  if (cp < 0x10000) return cp >= 0xfef0;
  // Kaithi, Egyptian hieroglyph and shorthand format controls, musical symbol beams, tags
  return (
    (cp >= 0x11000 && cp < 0x11100) ||
    (cp >= 0x13430 && cp < 0x13460) ||
    (cp >= 0x1bca0 && cp < 0x1bcb0) ||
    (cp >= 0x1d173 && cp < 0x1d17b) ||
    cp >= 0xe0000
  );
}

/**
 * previewText(decode(bytes), max): the text, escaped, cut to at most `max` UTF-16 units with
 * '…'. A long message costs no more than a short one.
 */
export function previewUtf8(bytes: Uint8Array, max: number): string {
  if (max <= 0) return '';
  const span = plainPreviewSpan(bytes, max);
  if (span < 0) return general(bytes, max);
  const n = span >>> 1;
  return (span & 1) === 0 ? decode(bytes, n) : decode(bytes, n) + '…';
}

/**
 * When the preview of `bytes` is a prefix of them verbatim (well-formed UTF-8, nothing to
 * escape), that prefix's length × 2, plus 1 when '…' follows it; -1 when the preview needs
 * the general way. Lets a writer of bytes copy the preview without decoding it. max ≥ 1.
 */
export function plainPreviewSpan(bytes: Uint8Array, max: number): number {
  const n = bytes.length;
  let units = 0;
  let p = 0;
  let cut = 0; // bytes holding the first max - 1 units, never half a surrogate pair
  while (p < n && units <= max) {
    if (units <= max - 1) cut = p;
    const b = bytes[p];
    if (b < 0x80) {
      if (b < 0x20 || b === 0x5c || b === 0x7f) return -1;
      units += 1;
      p += 1;
      continue;
    }
    const len = wellFormedLength(bytes, p, n);
    if (len === 0) return -1;
    const cp = codePoint(bytes, p, len);
    if (mayNeedEscape(cp)) return -1;
    units += cp > 0xffff ? 2 : 1;
    p += len;
  }
  if (units <= max) return n * 2; // all of it (the loop ended at p === n)
  return cut * 2 + 1;
}

/** The general way, for text with something to escape or bytes that are not UTF-8. */
function general(bytes: Uint8Array, max: number): string {
  // (max + 1) × 4 bytes decode to at least max + 1 units, so a sequence cut at the end of
  // this prefix (a U+FFFD) always falls past the '…'
  return previewText(decode(bytes, Math.min(bytes.length, (max + 1) * 4)), max);
}

const isCont = (b: number): boolean => (b & 0xc0) === 0x80;

/** Length of the well-formed UTF-8 sequence at p (RFC 3629 §4), or 0. */
function wellFormedLength(b: Uint8Array, p: number, n: number): number {
  const b0 = b[p];
  if (b0 < 0xc2 || b0 > 0xf4) return 0;
  if (b0 < 0xe0) return p + 1 < n && isCont(b[p + 1]) ? 2 : 0;
  if (b0 < 0xf0) {
    if (p + 2 >= n) return 0;
    const b1 = b[p + 1];
    const ok1 = b0 === 0xe0 ? b1 >= 0xa0 && b1 <= 0xbf : b0 === 0xed ? b1 >= 0x80 && b1 <= 0x9f : isCont(b1);
    return ok1 && isCont(b[p + 2]) ? 3 : 0;
  }
  if (p + 3 >= n) return 0;
  const b1 = b[p + 1];
  const ok1 = b0 === 0xf0 ? b1 >= 0x90 && b1 <= 0xbf : b0 === 0xf4 ? b1 >= 0x80 && b1 <= 0x8f : isCont(b1);
  return ok1 && isCont(b[p + 2]) && isCont(b[p + 3]) ? 4 : 0;
}

function codePoint(b: Uint8Array, p: number, len: number): number {
  if (len === 2) return ((b[p] & 0x1f) << 6) | (b[p + 1] & 0x3f);
  if (len === 3) return ((b[p] & 0x0f) << 12) | ((b[p + 1] & 0x3f) << 6) | (b[p + 2] & 0x3f);
  return ((b[p] & 0x07) << 18) | ((b[p + 1] & 0x3f) << 12) | ((b[p + 2] & 0x3f) << 6) | (b[p + 3] & 0x3f);
}
