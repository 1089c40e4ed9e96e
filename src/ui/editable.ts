// A message as text a person edits in $EDITOR, and back: a text message as it is; JSON (an
// object or array) pretty-printed, and compacted back when it is sent (numbers kept as
// written: a 2^64-1 id stays exact, 1.50 stays 1.50 — lossless-json); binary data, or text
// that is not valid UTF-8, as a hex dump (offset, hex, ASCII columns) read back from its hex
// column alone. Also the inject composer's text: a first line "DIR KIND", then the body.
// Errors are one line (`line 3: "4g" is not a hex byte`), never thrown.
// Layer rule: ui/ — pure string work.
import type * as LosslessJson from 'lossless-json';
import { Opcode } from '../protocol/frame.js';
import type { Direction } from '../session/events.js';
import { lazyPackage } from '../views/lazy-package.js';

const lossless = lazyPackage<typeof LosslessJson>('lossless-json');

/** How a message is presented for editing. */
export type EditKind = 'text' | 'json' | 'hex';

export interface Editable {
  readonly kind: EditKind;
  /** What the editor opens. */
  readonly text: string;
  /** The temporary file's extension (an editor picks its syntax by it): ".txt", ".json", ".hex". */
  readonly ext: string;
}

/** A message made from edited text, or why it could not be. */
export type Edited =
  | { readonly ok: true; readonly opcode: number; readonly data: Uint8Array; readonly note?: string }
  | { readonly ok: false; readonly error: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();
const PER_ROW = 16;

/** The text of a text message, or null when its bytes are not valid UTF-8. */
function utf8(data: Uint8Array): string | null {
  try {
    return strictUtf8.decode(data);
  } catch {
    return null;
  }
}

/** The JSON value of an object or array text (numbers as LosslessNumber), or null. */
function jsonOf(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return null;
  try {
    return lossless().parse(text);
  } catch {
    return null;
  }
}

/** A message as the editor shows it. */
export function toEditable(opcode: number, data: Uint8Array): Editable {
  if (opcode === Opcode.text) {
    const text = utf8(data);
    if (text !== null) {
      const json = jsonOf(text);
      if (json !== null) return { kind: 'json', text: lossless().stringify(json, null, 2) + '\n', ext: '.json' };
      return { kind: 'text', text, ext: '.txt' };
    }
  }
  return { kind: 'hex', text: hexDump(data), ext: '.hex' };
}

/**
 * The message the edited text stands for. A text message keeps its opcode; JSON goes back
 * compact (edited into something that is not JSON, it is sent as written, with a note); a
 * hex dump gives the bytes of its hex column. The newline an editor adds at the end of the
 * file is not part of the message (unless the original ended with one).
 */
export function fromEditable(original: { opcode: number; data: Uint8Array }, kind: EditKind, edited: string): Edited {
  switch (kind) {
    case 'hex': {
      const bytes = parseHexDump(edited);
      return 'error' in bytes
        ? { ok: false, error: bytes.error }
        : { ok: true, opcode: original.opcode, data: bytes.data };
    }
    case 'json': {
      const compacted = compactJson(edited);
      if (compacted !== null) return { ok: true, opcode: Opcode.text, data: encoder.encode(compacted) };
      return {
        ok: true,
        opcode: Opcode.text,
        data: encoder.encode(withoutEditorNewline(edited, false)),
        note: 'the edited text is not JSON any more: sent as written',
      };
    }
    case 'text': {
      const endedWithNewline = original.data.length > 0 && original.data[original.data.length - 1] === 0x0a;
      return { ok: true, opcode: Opcode.text, data: encoder.encode(withoutEditorNewline(edited, endedWithNewline)) };
    }
  }
}

/** JSON text compacted, numbers as written; null when it is not JSON. */
export function compactJson(text: string): string | null {
  try {
    return lossless().stringify(lossless().parse(text)) ?? null;
  } catch {
    return null;
  }
}

/** Editors end a file with a newline; one is taken off unless the original had it. */
function withoutEditorNewline(text: string, keep: boolean): string {
  if (keep) return text;
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * An editable hex dump: `00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 00 01 02 03 04  |Hello world.....|`
 * after two comment lines saying how it is read back.
 */
export function hexDump(data: Uint8Array): string {
  let out =
    `# ${data.length} bytes. Only the hex column is read back: add, change or delete bytes there\n` +
    `# (any number per line); offsets, the |ASCII| column and lines starting with # are ignored.\n`;
  for (let at = 0; at < data.length; at += PER_ROW) {
    const row = data.subarray(at, Math.min(at + PER_ROW, data.length));
    let hex = '';
    let ascii = '';
    for (let i = 0; i < PER_ROW; i++) {
      if (i === 8) hex += ' ';
      hex += i < row.length ? HEX[row[i]] + ' ' : '   ';
      if (i < row.length) ascii += row[i] >= 0x20 && row[i] < 0x7f ? String.fromCharCode(row[i]) : '.';
    }
    out += `${at.toString(16).padStart(8, '0')}  ${hex} |${ascii}|\n`;
  }
  return out;
}

/**
 * The bytes of a hex dump: per line, what comes before the first "|" (the ASCII column and
 * anything after it is ignored); a first word of 8 hex digits followed by two spaces (as hexDump writes it), or ending
 * in ":", is an offset;
 * every other word is hex (a first word of 8 hex digits followed by one space is bytes), two digits a byte ("48", "4865" or "0x48"). Blank lines and lines
 * starting with # are skipped.
 */
export function parseHexDump(text: string): { data: Uint8Array } | { error: string } {
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (/^\s*(#|$)/.test(line)) continue;
    const bar = line.indexOf('|');
    const hexPart = bar < 0 ? line : line.slice(0, bar);
    const words = [...hexPart.matchAll(/\S+/g)];
    for (let w = 0; w < words.length; w++) {
      let word = words[w][0];
      const column = (words[w].index ?? 0) + 1;
      if (w === 0 && words.length > 1 && isOffset(word, hexPart.slice(column - 1 + word.length))) continue;
      if (/^0x/i.test(word)) word = word.slice(2);
      if (!/^[0-9a-f]+$/i.test(word))
        return { error: `line ${n + 1}, column ${column}: ${JSON.stringify(shorten(word))} is not hex` };
      if (word.length % 2 !== 0)
        return {
          error: `line ${n + 1}, column ${column}: ${JSON.stringify(shorten(word))} has an odd number of hex digits`,
        };
      for (let i = 0; i < word.length; i += 2) out.push(parseInt(word.slice(i, i + 2), 16));
    }
  }
  return { data: Uint8Array.from(out) };
}

/** An offset column: hex ending in ":", or 8 hex digits followed by two spaces (as hexDump writes). */
function isOffset(word: string, after: string): boolean {
  return /^[0-9a-f]+:$/i.test(word) || (/^[0-9a-f]{8}$/i.test(word) && /^\s\s/.test(after));
}

function shorten(word: string): string {
  return word.length > 20 ? word.slice(0, 20) + '…' : word;
}

/** A message composed for `I` (inject). */
export type Composed =
  | { readonly ok: true; readonly dir: Direction; readonly opcode: number; readonly data: Uint8Array }
  | { readonly ok: false; readonly error: string };

const KINDS: Record<string, EditKind> = { text: 'text', json: 'json', hex: 'hex', binary: 'hex' };

/** What the editor opens for `I`: how to write a message, with `dir` already filled in. */
export function composerTemplate(dir: Direction): string {
  return (
    `# A message to inject. The first line that is not a comment is "DIRECTION KIND":\n` +
    `#   DIRECTION c2s (to the server) or s2c (to the client); KIND text, json or hex.\n` +
    `# The message follows: on the same line after KIND, or on the lines below it.\n` +
    `# json is sent compacted; hex is bytes as in a hex dump (a binary message).\n` +
    `# Leave the file as it is, or empty it, to inject nothing.\n` +
    `${dir} text\n`
  );
}

/**
 * Reads a composed message: `c2s text hello`, `s2c json {"a": 1}`, `c2s hex 01 02 ff`, on one
 * line (the inline prompt) or with the body on the lines after the first (the editor). Comment
 * lines (#) before the first line are skipped; the body is taken as written, less the
 * editor's final newline.
 */
export function parseComposed(text: string): Composed {
  const lines = text.split('\n');
  let n = 0;
  while (n < lines.length && /^\s*(#|$)/.test(lines[n])) n++;
  if (n === lines.length) return { ok: false, error: 'nothing to inject: write "c2s text hello" (or s2c, json, hex)' };
  const head = /^\s*(\S+)(?:\s+(\S+))?(?:[ \t](.*))?$/.exec(lines[n].replace(/\r$/, ''));
  const dir = head?.[1]?.toLowerCase();
  if (dir !== 'c2s' && dir !== 's2c')
    return {
      ok: false,
      error: `the first line starts with the direction, c2s (to the server) or s2c (to the client), not ${JSON.stringify(shorten(head?.[1] ?? ''))}`,
    };
  const kindWord = (head?.[2] ?? '').toLowerCase();
  const kind = KINDS[kindWord];
  if (kind === undefined)
    return {
      ok: false,
      error: `after ${dir} comes the kind: text, json or hex, not ${JSON.stringify(shorten(head?.[2] ?? ''))}`,
    };
  const rest = lines.slice(n + 1).join('\n');
  const inline = head?.[3] ?? '';
  const body = withoutEditorNewline(inline !== '' && rest !== '' ? `${inline}\n${rest}` : inline + rest, false);
  if (kind === 'text') return { ok: true, dir, opcode: Opcode.text, data: encoder.encode(body) };
  if (kind === 'json') {
    const compacted = compactJson(body);
    if (compacted === null) return { ok: false, error: `the json message is not JSON: ${jsonError(body)}` };
    return { ok: true, dir, opcode: Opcode.text, data: encoder.encode(compacted) };
  }
  const bytes = parseHexDump(body);
  if ('error' in bytes) return { ok: false, error: bytes.error };
  return { ok: true, dir, opcode: Opcode.binary, data: bytes.data };
}

function jsonError(text: string): string {
  try {
    lossless().parse(text);
    return 'empty';
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

/**
 * What was typed on the inject prompt, toward `dir`: `json {…}`, `hex 01 02` (or `0x0102`),
 * `text …`, or anything else as text.
 */
export function composeInline(dir: Direction, typed: string): Composed {
  const m = /^\s*(text|json|hex|binary)(?:\s|$)/i.exec(typed);
  if (m !== null) return parseComposed(`${dir} ${typed.trimStart()}`);
  if (/^\s*0x[0-9a-f\s]*$/i.test(typed)) return parseComposed(`${dir} hex ${typed.trim().slice(2)}`);
  return parseComposed(`${dir} text ${typed}`);
}
