// The RFC 6455 §5.2 frame diagram (0–31 bit ruler, `+-+-+-------+` rows) drawn for one real
// frame: its actual bits in every cell, each field's name and value inside its cell, only the
// rows the frame has (no extended-length rows for a 7-bit length, no key when unmasked).
// Layer rule: render/ — pure string building, driven by the protocol/ field layout table.
import type { Frame } from '../protocol/frame.js';
import {
  declaredLength,
  encodedHeaderLength,
  frameFieldLayout,
  wirePayload,
  type FrameFieldKey,
  type FrameFieldSlot,
} from '../protocol/frame-fields.js';
import { asciiCell, HEX_BYTE } from './escape.js';
import type { Style } from './style.js';

export interface BitDiagramOptions {
  /** Payload bytes drawn at least (the row holding the last one is completed); default 4. */
  readonly payloadBytes?: number;
  /** The payload is permessage-deflate data: its bytes are drawn as hex only, never as text. */
  readonly compressed?: boolean;
}

const ROW_BITS = 32;

/** The part of one field that falls in one 32-bit row. */
interface Segment {
  readonly key: FrameFieldKey;
  /** Bit offsets from the frame start, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** The segment's bits as '0'/'1'. */
  readonly bits: string;
  /** Name and value lines written inside the cell. */
  readonly labels: readonly string[];
}

interface Row {
  readonly start: number;
  readonly segments: readonly Segment[];
}

/** A full row of payload: what the ':' continuation rows stand for. */
const PAYLOAD_ROW: Row = { start: 0, segments: [{ key: 'payload', start: 0, end: ROW_BITS, bits: '', labels: [] }] };

const SHORT_OPCODE = [
  'cont',
  'text',
  'binary',
  'rsvd',
  'rsvd',
  'rsvd',
  'rsvd',
  'rsvd',
  'close',
  'ping',
  'pong',
  'rsvd',
  'rsvd',
  'rsvd',
  'rsvd',
  'rsvd',
];

const range = (a: number, b: number): string => (a === b ? `[${a}]` : `[${a}–${b}]`);

function hexList(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += (i === from ? '' : ' ') + HEX_BYTE[bytes[i]];
  return s;
}

function asciiList(bytes: Uint8Array, from: number, to: number): string {
  let s = '"';
  for (let i = from; i < to; i++) s += asciiCell(bytes[i]);
  return s + '"';
}

/** Label lines for the part [from, to) (bit offsets within the field) of a header field. */
function headerLabels(slot: FrameFieldSlot, from: number, to: number): string[] {
  const first = from === 0;
  switch (slot.key) {
    case 'fin':
    case 'rsv1':
    case 'rsv2':
    case 'rsv3':
    case 'mask':
      return slot.spec.name.split(''); // written downwards, as in the RFC figure
    case 'opcode':
      return ['opcode', slot.valueText, SHORT_OPCODE[Number(slot.value) & 15]];
    case 'payloadLen': {
      const v = Number(slot.value);
      if (v === 126) return ['Payload len', '126', '→ 16-bit ext.'];
      if (v === 127) return ['Payload len', '127', '→ 64-bit ext.'];
      return ['Payload len', `${v} bytes`];
    }
    case 'extendedPayloadLength':
      return first
        ? ['Extended payload length', `${slot.bitLength} bits = ${slot.valueText}`]
        : ['Ext. payload length (cont.)'];
    case 'maskingKey': {
      const key = slot.value as Uint8Array;
      if (first && to === 32) return ['Masking-key', hexList(key, 0, 4)];
      const a = from / 8;
      const b = to / 8;
      return [first ? 'Masking-key' : 'Masking-key (cont.)', `${hexList(key, a, b)}  key${range(a, b - 1)}`];
    }
    default:
      return [];
  }
}

function payloadLabels(
  frame: Frame,
  wire: Uint8Array,
  a: number,
  b: number,
  width: number,
  compressed: boolean,
): string[] {
  const name = (width >= 31 ? 'Payload data ' : 'Payload ') + range(a, b - 1);
  // Compressed bytes read as text would show characters the message does not contain.
  const data = hexList(frame.payload, a, b) + (compressed ? '' : ' ' + asciiList(frame.payload, a, b));
  if (!frame.masked) return [name, data];
  return [name, `masked ${hexList(wire, a, b)}`, `→ ${data}`];
}

function byteBits(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += bytes[i].toString(2).padStart(8, '0');
  return s;
}

/** Every field of the frame cut at 32-bit row boundaries, payload limited to `drawn` bytes. */
function segments(frame: Frame, wire: Uint8Array, drawn: number, compressed: boolean): Segment[] {
  const out: Segment[] = [];
  for (const slot of frameFieldLayout(frame)) {
    const length = slot.key === 'payload' ? drawn * 8 : slot.bitLength;
    for (let from = 0; from < length;) {
      const abs = slot.bitOffset + from;
      const to = Math.min(length, from + ROW_BITS - (abs % ROW_BITS));
      if (slot.key === 'payload') {
        const a = from / 8;
        const b = to / 8;
        const labels = payloadLabels(frame, wire, a, b, 2 * (to - from) - 1, compressed);
        out.push({ key: 'payload', start: abs, end: slot.bitOffset + to, bits: byteBits(wire, a, b), labels });
      } else {
        const labels = headerLabels(slot, from, to);
        out.push({ key: slot.key, start: abs, end: slot.bitOffset + to, bits: slot.binary.slice(from, to), labels });
      }
      from = to;
    }
  }
  return out;
}

function rows(segs: readonly Segment[]): Row[] {
  const out: { start: number; segments: Segment[] }[] = [];
  for (const s of segs) {
    const start = s.start - (s.start % ROW_BITS);
    if (out.length === 0 || out[out.length - 1].start !== start) out.push({ start, segments: [] });
    out[out.length - 1].segments.push(s);
  }
  return out;
}

/** The field owning bit `i` (0–31) of a row, or null past the row's end / outside any row. */
function owner(row: Row | null, i: number): FrameFieldKey | null {
  if (row === null || i < 0) return null;
  const abs = row.start + i;
  for (const s of row.segments) if (abs >= s.start && abs < s.end) return s.key;
  return null;
}

/**
 * The horizontal line between two rows: '+' where a field boundary meets it, and the RFC's
 * dashed "- - -" where a field continues from the row above into the row below.
 */
function border(above: Row | null, below: Row | null): string {
  let line = '';
  for (let i = 0; i <= ROW_BITS; i++) {
    const a = owner(above, i);
    const b = owner(below, i);
    const empty = a === null && b === null;
    // The column before bit i: a corner wherever either row changes field.
    if (owner(above, i - 1) !== a || owner(below, i - 1) !== b) line += '+';
    else line += empty ? ' ' : '-';
    if (i === ROW_BITS) break;
    // The bit's own column: blank where the same field goes on below (the RFC's "- - -").
    line += empty || a === b ? ' ' : '-';
  }
  return line.trimEnd();
}

function center(text: string, width: number): string {
  const t = text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text;
  const left = (width - t.length + 1) >> 1; // odd space goes left, as in the RFC's "| opcode|"
  return ' '.repeat(left) + t + ' '.repeat(width - t.length - left);
}

function bitLine(row: Row, style: Style): string {
  let line = style.dim('|');
  for (const s of row.segments) line += style.field(s.key)(s.bits.split('').join(' ')) + style.dim('|');
  const first = row.start / 8;
  const last = row.segments[row.segments.length - 1].end / 8 - 1;
  const pad = ' '.repeat(2 * (ROW_BITS - (row.segments[row.segments.length - 1].end - row.start)));
  return line + pad + '  ' + style.dim(first === last ? `byte ${first}` : `bytes ${first}–${last}`);
}

function labelLines(row: Row, style: Style): string[] {
  let height = 0;
  for (const s of row.segments) height = Math.max(height, s.labels.length);
  const lines: string[] = [];
  for (let k = 0; k < height; k++) {
    let line = style.dim('|');
    for (const s of row.segments) {
      const width = 2 * (s.end - s.start) - 1;
      const cell = center(s.labels[k] ?? '', width);
      line += style.field(s.key)(cell) + style.dim('|');
    }
    lines.push(line);
  }
  return lines;
}

/** The RFC's ':' rows standing for the payload bytes not drawn. */
function continuation(frame: Frame, drawn: number, style: Style): string[] {
  const present = frame.payload.length - drawn;
  const missing = declaredLength(frame) - BigInt(frame.payload.length + frame.payloadSkipped);
  const notes: string[] = [];
  if (present > 0) notes.push(`Payload data continued: ${present} more bytes`);
  if (frame.payloadSkipped > 0)
    notes.push(`${frame.payloadSkipped} bytes counted, not kept (beyond what is buffered or shown)`);
  if (missing > 0n) notes.push(`${missing} bytes missing (input ended)`);
  if (notes.length === 0) return [];
  const lines = notes.map((n) => style.dim(':') + style.payload(center(n, 2 * ROW_BITS - 1)) + style.dim(':'));
  return [...lines, style.dim(border(PAYLOAD_ROW, null))];
}

const RULER = [
  ' 0                   1                   2                   3',
  ' ' + Array.from({ length: ROW_BITS }, (_, i) => String(i % 10)).join(' '),
];

/** Payload bytes to draw: at least `want` (when present), then up to the end of that row. */
function payloadBytesDrawn(frame: Frame, want: number): number {
  const header = encodedHeaderLength(frame) * 8;
  const available = frame.payload.length;
  const first = Math.min(available, want);
  if (first === 0) return 0;
  const end = header + first * 8;
  const rowEnd = Math.ceil(end / ROW_BITS) * ROW_BITS;
  return Math.min(available, (rowEnd - header) / 8);
}

/** The RFC 6455 §5.2 figure filled with `frame`'s bits and values, one line per string row. */
export function renderBitDiagram(frame: Frame, style: Style, opts?: BitDiagramOptions): string {
  const drawn = payloadBytesDrawn(frame, opts?.payloadBytes ?? 4);
  const wire = wirePayload(frame, drawn);
  const all = rows(segments(frame, wire, drawn, opts?.compressed === true));
  const out: string[] = [style.dim(RULER[0]), style.dim(RULER[1])];
  let above: Row | null = null;
  for (const row of all) {
    out.push(style.dim(border(above, row)), bitLine(row, style), ...labelLines(row, style));
    above = row;
  }
  const more = continuation(frame, drawn, style);
  if (more.length > 0) {
    out.push(style.dim(border(above, PAYLOAD_ROW)), ...more);
  } else {
    out.push(style.dim(border(above, null)));
  }
  return out.join('\n');
}
