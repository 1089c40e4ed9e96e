// Makes wire data safe to print: text from the traffic never reaches the terminal raw (an
// ESC could recolour or move the cursor, a bidi override could reorder what the reader sees,
// a zero-width char could hide text), and bytes become hex.
// Layer rule: render/ — pure string building; runs per frame, so the clean case is one regex test.

/**
 * Everything that must not reach a terminal raw: C0/C1 controls and DEL (Cc), invisible
 * format characters — bidi embeddings/overrides/isolates and marks, zero-width space/joiners,
 * BOM, soft hyphen, tag characters (Cf) — line/paragraph separators (Zl, Zp), lone
 * surrogates (Cs; a valid pair is one astral code point under the `u` flag and never
 * matches), and the backslash, so every escape in the output is unambiguous.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\\]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\\]/gu;

const HEX_DIGITS = '0123456789abcdef';

/** Two lower-case hex digits for every byte value, built once. */
export const HEX_BYTE: readonly string[] = Array.from(
  { length: 256 },
  (_, b) => HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15],
);

/** The escape for one unsafe character (as matched by UNSAFE). */
function escapeChar(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  const cp = ch.codePointAt(0) as number;
  // JavaScript's own escape syntax: \xNN below U+0100, \u{...} above.
  return cp < 0x100 ? '\\x' + HEX_BYTE[cp] : '\\u{' + cp.toString(16) + '}';
}

/** `s` with every control, bidi, invisible-format char, lone surrogate and backslash escaped. */
export function escapeForTerminal(s: string): string {
  if (!UNSAFE.test(s)) return s;
  UNSAFE_ALL.lastIndex = 0;
  return s.replace(UNSAFE_ALL, escapeChar);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The longest prefix of `text` of at most `room` UTF-16 units that does not end mid-pair. */
function fitPlain(text: string, room: number): string {
  if (text.length <= room) return text;
  const end = room > 0 && isHighSurrogate(text.charCodeAt(room - 1)) ? room - 1 : room;
  return text.slice(0, end);
}

/**
 * Escaped text of at most `max` characters (UTF-16 units): cut with '…' when longer, never
 * inside an escape sequence or a surrogate pair.
 */
export function previewText(s: string, max: number): string {
  if (max <= 0) return '';
  if (s.length <= max) {
    const escaped = escapeForTerminal(s);
    if (escaped.length <= max) return escaped;
  }
  // An escape is never shorter than its source, so max source units are enough to fill the room.
  const source = s.slice(0, max);
  const room = max - 1;
  let out = '';
  let last = 0;
  UNSAFE_ALL.lastIndex = 0;
  for (let m = UNSAFE_ALL.exec(source); m !== null; m = UNSAFE_ALL.exec(source)) {
    const plainPart = source.slice(last, m.index);
    if (out.length + plainPart.length > room) break;
    out += plainPart;
    const escaped = escapeChar(m[0]);
    if (out.length + escaped.length > room) return out + '…';
    out += escaped;
    last = m.index + m[0].length;
  }
  return out + fitPlain(source.slice(last), room - out.length) + '…';
}

/** Space-separated lower-case hex of the first `max` bytes, with '…' when there are more. */
export function previewBytes(bytes: Uint8Array, max: number): string {
  const n = Math.min(bytes.length, Math.max(0, max));
  let out = '';
  for (let i = 0; i < n; i++) out += (i === 0 ? '' : ' ') + HEX_BYTE[bytes[i]];
  if (bytes.length > n) out += n === 0 ? '…' : ' …';
  return out;
}

/** One byte as a printable ASCII character, or '.' — for hex-dump text columns. */
export function asciiCell(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
}

/** One byte for a step-by-step view: 'H', or an escape such as \x00 or \x9b. */
export function byteCharLiteral(byte: number): string {
  if (byte === 0x5c) return '\\\\';
  if (byte === 0x27) return "\\'";
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return escapeChar(String.fromCharCode(byte));
}
