// Turns hex typed or pasted by a person into bytes: "c1 85 43", "c18543", "0xc1, 0x85",
// "\xc1\x85", "c1:85:43", and hex dumps with offsets and an ASCII column (Wireshark, tshark
// -x, xxd, hexdump -C). Bad input is the user's, so it raises a WsinspectError naming the
// position of the first bad character. Layer rule: sources/ — input parsing, no decoding.
import { WsinspectError } from '../errors.js';

const HEX = /^[0-9a-fA-F]+$/;
/** An offset column: 4–8 hex digits followed by a colon or at least one space, then hex. */
const DUMP_LINE = /^\s*([0-9a-fA-F]{4,8})(:\s*|\s+)(?=[0-9a-fA-F]{2})/;
const OFFSET_ONLY = /^\s*[0-9a-fA-F]{4,8}:?\s*$/;

export function parseHexText(text: string, label = 'input'): Uint8Array {
  const lines = text.split(/\r?\n/);
  const nonEmpty = lines.filter((l) => l.trim().length > 0);
  const isDump = looksLikeDump(nonEmpty);
  const out: number[] = [];
  let lineStart = 0;
  for (const line of lines) {
    if (isDump) parseDumpLine(line, out);
    else parsePlain(line, lineStart, label, out);
    lineStart += line.length + 1;
  }
  return Uint8Array.from(out);
}

export function parseBase64Text(text: string, label = 'input'): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const bad = clean.search(/[^A-Za-z0-9+/=_-]/);
  if (bad >= 0) {
    throw new WsinspectError(
      'input.bad-base64',
      `${label}: bad base64 character ${JSON.stringify(clean[bad])} at position ${bad + 1}`,
    );
  }
  return new Uint8Array(Buffer.from(clean, clean.includes('-') || clean.includes('_') ? 'base64url' : 'base64'));
}

/**
 * Every line starts with an offset column (a last line may be the offset alone, as xxd and
 * hexdump -C end), and the first offset is 0 or there are several lines — so that "c185 4302"
 * typed by hand is not mistaken for a dump at offset 0xc185.
 */
function looksLikeDump(lines: string[]): boolean {
  if (lines.length === 0) return false;
  const withData = lines.filter((l) => DUMP_LINE.test(l));
  if (withData.length === 0) return false;
  if (!lines.every((l) => DUMP_LINE.test(l) || OFFSET_ONLY.test(l))) return false;
  return lines.length > 1 || parseInt(DUMP_LINE.exec(withData[0])![1], 16) === 0;
}

/** Plain forms: tokens of hex digits, optionally 0x / \x prefixed, separated by space , : ; */
function parsePlain(line: string, lineStart: number, label: string, out: number[]): void {
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === ',' || c === ':' || c === ';' || c === '\r') {
      i++;
      continue;
    }
    let prefixed = false;
    if (
      (c === '0' && (line[i + 1] === 'x' || line[i + 1] === 'X') && isHexDigit(line[i + 2])) ||
      (c === '\\' && line[i + 1] === 'x')
    ) {
      i += 2;
      prefixed = true;
    }
    const start = i;
    while (i < line.length && isHexDigit(line[i])) i++;
    const digits = line.slice(start, i);
    if (digits.length === 0 || (i < line.length && !isSeparatorOrPrefix(line, i))) {
      const at = digits.length === 0 ? start : i;
      throw badChar(label, line, at, lineStart);
    }
    pushDigits(digits, prefixed, label, lineStart + start, out);
  }
}

function pushDigits(digits: string, prefixed: boolean, label: string, position: number, out: number[]): void {
  if (digits.length % 2 === 1) {
    if (prefixed && digits.length === 1) {
      out.push(parseInt(digits, 16));
      return;
    }
    throw new WsinspectError(
      'input.bad-hex',
      `${label}: odd number of hex digits in "${digits.slice(0, 16)}${digits.length > 16 ? '…' : ''}" at position ${position + 1}`,
    );
  }
  for (let j = 0; j < digits.length; j += 2) out.push(parseInt(digits.slice(j, j + 2), 16));
}

/** "\x" directly after digits continues a \xNN run; anything else must be a separator. */
function isSeparatorOrPrefix(line: string, i: number): boolean {
  const c = line[i];
  return (
    c === ' ' || c === '\t' || c === ',' || c === ':' || c === ';' || c === '\r' || (c === '\\' && line[i + 1] === 'x')
  );
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

function badChar(label: string, line: string, at: number, lineStart: number): WsinspectError {
  const ch = line[at] ?? 'end of input';
  const shown = ch.length === 1 && ch >= ' ' && ch <= '~' ? `'${ch}'` : JSON.stringify(ch);
  return new WsinspectError('input.bad-hex', `${label}: bad hex character ${shown} at position ${lineStart + at + 1}`);
}

/**
 * A dump line: offset, hex groups (2 or 4 digits, as xxd groups them), then an optional
 * ASCII column. The ASCII column can itself look like hex ("ab cd"), so the hex part is the
 * longest run of groups after which the remaining text is exactly as long as the bytes read.
 */
function parseDumpLine(line: string, out: number[]): void {
  const m = DUMP_LINE.exec(line);
  if (m === null) return;
  const body = line.slice(m[0].length);
  const tokens = [...body.matchAll(/\S+/g)];
  const bytes: number[] = [];
  let best: number[] | null = null;
  for (const t of tokens) {
    const word = t[0];
    if (!HEX.test(word) || word.length % 2 === 1 || word.length > 8) break;
    for (let j = 0; j < word.length; j += 2) bytes.push(parseInt(word.slice(j, j + 2), 16));
    const rest = body
      .slice((t.index ?? 0) + word.length)
      .replace(/^\s+/, '')
      .replace(/\s+$/, '');
    if (rest.length === 0 || rest.length === bytes.length || (rest.startsWith('|') && rest.length === bytes.length + 2))
      best = bytes.slice();
  }
  for (const b of best ?? bytes) out.push(b);
}
