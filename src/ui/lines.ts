// The screen's text, line by line: a list row, the hex pane (bytes with one span highlighted),
// conversation bubbles. Everything from the wire goes through render/escape.ts; colour is a
// Chalk at the level the command chose (0 under NO_COLOR: then marks, never escapes, show
// what colour would). Layer rule: ui/ — string building.
import { Chalk } from 'chalk';
import { escapeForTerminal, HEX_BYTE, asciiCell } from '../render/escape.js';
import { opcodeLabel } from '../render/summary-line.js';
import { compileFilter } from '../filter/compile.js';
import { messageOnlyField } from '../filter/fields.js';
import type { HeldMessage, RowKind, RowSummary, StoreStatus } from './model.js';
import type { ByteSpan } from './detail-view.js';

export interface Paints {
  readonly color: boolean;
  readonly inverse: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly green: (s: string) => string;
  readonly blue: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly magenta: (s: string) => string;
}

export function createPaints(level: 0 | 1 | 2 | 3): Paints {
  const c = new Chalk({ level });
  const id = (s: string): string => s;
  const p = (f: (s: string) => string): ((s: string) => string) => (level === 0 ? id : f);
  return {
    color: level !== 0,
    inverse: p(c.inverse),
    bold: p(c.bold),
    dim: p(c.dim),
    red: p(c.red),
    yellow: p(c.yellow),
    green: p(c.green),
    blue: p(c.blue),
    cyan: p(c.cyan),
    magenta: p(c.magenta),
  };
}

/** Seconds since `origin`, 6 decimals, or "-" without a time. */
export function relTime(time: number | null, origin: number | null): string {
  if (time === null || origin === null) return '-';
  return (time - origin).toFixed(6);
}

/** One list line: number, time, connection, direction, opcode, length, marks, preview (escaped). */
export function rowLine(n: number, r: RowSummary, origin: number | null, p: Paints): string {
  const dir = r.dir === 'c2s' ? p.green('→') : p.blue('←');
  const op = opcodeLabel(r.opcode);
  const kind = r.kind === 'frame' ? `#${r.index}` : `msg #${r.index}`;
  const flags = [
    r.kind === 'frame' && !r.fin ? 'more' : '',
    r.kind === 'message' && !r.fin ? 'incomplete' : '',
    r.compressed ? 'z' : '',
  ]
    .filter((f) => f !== '')
    .join(',');
  let marks = '';
  if (r.change === 'dropped') marks += p.red('[dropped] ');
  else if (r.change === 'modified') marks += p.yellow('[modified] ');
  else if (r.change === 'injected') marks += p.magenta('[injected] ');
  if (r.diagnostics.length > 0)
    marks += p.red(`✖${r.diagnostics[0]}${r.diagnostics.length > 1 ? `+${r.diagnostics.length - 1}` : ''} `);
  const preview =
    r.opcode === 2 || (r.kind === 'frame' && r.opcode === 0 && /^[0-9a-f]{2}( |$)/.test(r.preview))
      ? p.dim(escapeForTerminal(r.preview))
      : escapeForTerminal(r.preview);
  return `${String(n).padStart(5)} ${relTime(r.time, origin).padStart(10)} [${r.conn}] ${dir} ${kind.padEnd(8)} ${p.cyan(op.padEnd(6))} ${String(r.length).padStart(6)}${flags === '' ? '' : ' ' + flags} ${marks}${preview}`;
}

const utf8 = new TextDecoder();

/** A held message's list line. */
export function heldLine(h: HeldMessage, p: Paints): string {
  const dir = h.dir === 'c2s' ? '→' : '←';
  const preview =
    h.opcode === 1
      ? utf8.decode(h.data.subarray(0, 400))
      : [...h.data.subarray(0, 32)].map((b) => HEX_BYTE[b]).join(' ');
  return (
    p.yellow(`  HELD [${h.conn}] ${dir} msg #${h.index} ${opcodeLabel(h.opcode)} ${h.data.length} B `) +
    escapeForTerminal(preview)
  );
}

/** Bytes per hex pane row for a pane `width` columns wide. */
export function hexPerRow(width: number): number {
  return width >= 78 ? 16 : 8;
}

/**
 * The hex pane's lines: offset, hex, ASCII; the bytes of `span` highlighted (inverse, and
 * with colour off between brackets: `82[94 36]3e`).
 */
export function hexLines(bytes: Uint8Array, span: ByteSpan | null, perRow: number, p: Paints): string[] {
  const lines: string[] = [];
  const width = Math.max(4, Math.max(0, bytes.length - 1).toString(16).length);
  const inSpan = (i: number): boolean => span !== null && i >= span.start && i < span.end;
  for (let row = 0; row < bytes.length; row += perRow) {
    let hex = '';
    let ascii = '';
    for (let i = row; i < row + perRow; i++) {
      if (i >= bytes.length) {
        hex += (!p.color && i === bytes.length && inSpan(i - 1) ? ']' : ' ') + '  ';
        continue;
      }
      const on = inSpan(i);
      const before = i > row && inSpan(i - 1);
      let gap = ' ';
      if (!p.color) gap = on && !before ? '[' : !on && before ? ']' : ' ';
      if (i === row) gap = !p.color && on ? '[' : ' ';
      hex += gap + (on ? p.inverse(HEX_BYTE[bytes[i]]) : HEX_BYTE[bytes[i]]);
      ascii += on ? p.inverse(asciiCell(bytes[i])) : asciiCell(bytes[i]);
    }
    const last = row + perRow - 1;
    const close = !p.color && last < bytes.length && inSpan(last) ? ']' : ' ';
    lines.push(`${p.dim(row.toString(16).padStart(width, '0'))}${hex}${close} ${p.dim('|')}${ascii}${p.dim('|')}`);
  }
  if (lines.length === 0) lines.push(p.dim('(no bytes)'));
  return lines;
}

/** The row of the hex pane that holds the span's first byte. */
export function hexRowOf(span: ByteSpan | null, perRow: number): number {
  return span === null ? 0 : Math.floor(span.start / perRow);
}

/** Cuts a plain (escaped) text into lines of at most `width` characters, at most `max` lines. */
export function wrapPlain(text: string, width: number, max: number): string[] {
  const out: string[] = [];
  const w = Math.max(8, width);
  for (let at = 0; at < text.length && out.length < max; at += w) out.push(text.slice(at, at + w));
  if (out.length === max && text.length > max * w) out[max - 1] = out[max - 1].slice(0, w - 1) + '…';
  return out.length === 0 ? [''] : out;
}

/**
 * Why a list of `kind` rows is empty when the store gave no reason: a recording's frame list
 * (it has messages only), a filter that matched nothing — in a frame list, one on fields only
 * messages have (an application view's) says so —, the end of the input, or traffic awaited.
 */
export function emptyListReason(kind: RowKind, filter: string | null, status: StoreStatus): string {
  if (kind === 'frame' && status.frames === 0 && status.messages > 0)
    return 'no frames: a recording holds messages, not frames (m lists them)';
  if (filter !== null && (status.frames > 0 || status.messages > 0)) {
    let onMessages: string[] = [];
    try {
      if (kind === 'frame') onMessages = compileFilter(filter).fields.filter(messageOnlyField);
    } catch {
      // an expression the prompt let through compiles; nothing to add otherwise
    }
    return onMessages.length === 0
      ? `no ${kind} matches the filter`
      : `no frame matches the filter: ${onMessages.join(', ')} ${onMessages.length === 1 ? 'is a field' : 'are fields'} of messages (m lists them)`;
  }
  return status.ended ? `no ${kind}s` : 'waiting for traffic…';
}

/** `text` in lines of at most `width` characters, broken between words (a longer word is cut). */
export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(8, width);
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > w) {
      out.push(line);
      line = '';
    }
    line = line === '' ? word : `${line} ${word}`;
    while (line.length > w) {
      out.push(line.slice(0, w));
      line = line.slice(w);
    }
  }
  out.push(line);
  return out;
}
