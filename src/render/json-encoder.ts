// The one JSON/hex encoder of the --json output: JSON string literals safe for a terminal, and
// the byte-level writers that put payload hex and UTF-8 text (escaped exactly as JSON.stringify
// escapes) straight into a byte block. Both the stdout Output and the string sink of
// json-lines.ts write through these, so the two paths cannot drift apart.
// Layer rule: render/ — pure: writes into memory the caller provides.
import { isUtf8 } from 'node:buffer';

/** Characters JSON.stringify leaves raw that a terminal would act on: DEL, C1, bidi and invisible format controls. */
const UNSAFE_FOR_TERMINAL = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** A JSON string literal that is also safe to print on a terminal. */
export function jsonString(s: string): string {
  const json = JSON.stringify(s);
  UNSAFE_FOR_TERMINAL.lastIndex = 0;
  if (!UNSAFE_FOR_TERMINAL.test(json)) return json;
  return json.replace(UNSAFE_FOR_TERMINAL, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * True when these bytes are UTF-8 holding none of the characters jsonString escapes for the
 * terminal (DEL, C1, U+061C, U+200B–U+200F, U+2028–U+202E, U+2060–U+2069, U+FEFF): then
 * JSON.stringify's own escapes (controls, quote, backslash) are all the text needs.
 */
export function terminalSafeUtf8(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x7f || ((c === 0xc2 || c === 0xd8 || c === 0xe2 || c === 0xef) && !terminalSafeAt(b, i))) return false;
  }
  return isUtf8(b);
}

/**
 * For a lead byte 0xc2, 0xd8, 0xe2 or 0xef at i: false when its sequence is one of the
 * characters jsonString escapes for the terminal (other lead bytes never start one).
 */
export function terminalSafeAt(b: Uint8Array, i: number): boolean {
  const c = b[i];
  const c1 = b[i + 1];
  if (c === 0xc2) return !(c1 < 0xa0);
  if (c === 0xd8) return c1 !== 0x9c;
  if (c === 0xe2) {
    const c2 = b[i + 2];
    if (c1 === 0x80 && ((c2 >= 0x8b && c2 <= 0x8f) || (c2 >= 0xa8 && c2 <= 0xae))) return false;
    return !(c1 === 0x81 && c2 >= 0xa0 && c2 <= 0xa9);
  }
  return !(c === 0xef && c1 === 0xbb && b[i + 2] === 0xbf);
}

/** JSON's one-letter escapes: \b \t \n \f \r \" \\ (0: none, write \u00XX). */
const SHORT_ESCAPE = new Uint8Array(128);
SHORT_ESCAPE[0x08] = 0x62;
SHORT_ESCAPE[0x09] = 0x74;
SHORT_ESCAPE[0x0a] = 0x6e;
SHORT_ESCAPE[0x0c] = 0x66;
SHORT_ESCAPE[0x0d] = 0x72;
SHORT_ESCAPE[0x22] = 0x22;
SHORT_ESCAPE[0x5c] = 0x5c;

/** Two ASCII hex digits per byte value. */
const HEX_DIGITS = new Uint8Array(512);
for (let v = 0; v < 256; v++) {
  HEX_DIGITS[2 * v] = '0123456789abcdef'.charCodeAt(v >> 4);
  HEX_DIGITS[2 * v + 1] = '0123456789abcdef'.charCodeAt(v & 15);
}

/** The two ASCII hex digits of each byte value as one big-endian 16-bit number. */
const HEX_PAIR = new Uint16Array(256);
for (let v = 0; v < 256; v++) HEX_PAIR[v] = (HEX_DIGITS[2 * v] << 8) | HEX_DIGITS[2 * v + 1];

/** Bytes needed at most by encodeJsonText for n input bytes (\u00XX for a control byte). */
export const JSON_TEXT_ROOM_PER_BYTE = 6;

/**
 * The first n bytes as lower-case hex digits into `view` at `at` (room for 2n bytes); returns
 * the offset after them. Two digits per store: Buffer's own hex encoder is no faster and
 * leaves a string of garbage per payload.
 */
export function encodeHex(bytes: Uint8Array, n: number, view: DataView, at: number): number {
  let o = at;
  for (let i = 0; i < n; i++) {
    view.setUint16(o, HEX_PAIR[bytes[i]]);
    o += 2;
  }
  return o;
}

/**
 * UTF-8 text as JSON string content (no quotes) into `out` at `at`, escaped exactly as
 * JSON.stringify escapes (room: JSON_TEXT_ROOM_PER_BYTE per byte). Returns the offset after
 * it, or -1 (having written garbage past `at`) when the bytes are not UTF-8 or hold a
 * character jsonString escapes for the terminal (see terminalSafeUtf8).
 */
export function encodeJsonText(bytes: Uint8Array, out: Uint8Array, at: number): number {
  if (!isUtf8(bytes)) return -1;
  let o = at;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c >= 0x80) {
      if (c === 0xc2 || c === 0xd8 || c === 0xe2 || c === 0xef) {
        if (!terminalSafeAt(bytes, i)) return -1;
      }
      out[o++] = c;
    } else if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      if (c === 0x7f) return -1;
      out[o++] = c;
    } else {
      out[o++] = 0x5c;
      const short = SHORT_ESCAPE[c];
      if (short !== 0) {
        out[o++] = short;
      } else {
        out[o] = 0x75; // u00XX, lower-case hex like JSON.stringify
        out[o + 1] = 0x30;
        out[o + 2] = 0x30;
        out[o + 3] = HEX_DIGITS[2 * c];
        out[o + 4] = HEX_DIGITS[2 * c + 1];
        o += 5;
      }
    }
  }
  return o;
}
