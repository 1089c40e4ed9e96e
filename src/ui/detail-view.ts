// What the detail and hex panes show for one row: the lines `-V` prints for it (the render/
// renderers: frame view, message line, application view, handshake), each line tied, where it
// is about some bytes, to that byte range of the hex pane (frameByteRegions: the header's
// bytes, extended length, masking key, payload; a hex dump line: its 16 bytes). Text payloads
// that are JSON are pretty-printed. Everything from the wire is escaped (render/escape.ts).
// Layer rule: ui/ — string building over render/.
import { encodeFrameHeader, wirePayload } from '../protocol/frame-fields.js';
import { escapeForTerminal } from '../render/escape.js';
import { EventTextRenderer } from '../render/event-text.js';
import { renderFrameView } from '../render/frame-view.js';
import { renderHandshake } from '../render/handshake-view.js';
import { frameByteRegions, renderHexDump } from '../render/hex-dump.js';
import type { Style } from '../render/style.js';
import type { FrameEvent, MessageEvent } from '../session/events.js';
import type { RowDetail } from './model.js';

/** A byte range of the hex pane's bytes, [start, end). */
export interface ByteSpan {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

export interface DetailLine {
  /** Escaped, maybe coloured. */
  readonly text: string;
  /** The bytes this line is about, highlighted in the hex pane while the cursor is on it. */
  readonly span?: ByteSpan;
}

export interface DetailView {
  readonly lines: readonly DetailLine[];
  /** The hex pane's bytes: a frame's wire image (header, masked payload), a message's data. */
  readonly bytes: Uint8Array;
  /** What the hex pane's bytes are. */
  readonly bytesTitle: string;
  /** The first line with a span: where the detail cursor starts. */
  readonly firstField: number;
}

/** Payload characters / bytes the detail draws at most (the rest is counted). */
const DETAIL_PAYLOAD = 16 * 1024;

const ANSI = /\x1b\[[0-9;]*m/g;
const plainText = (s: string): string => s.replace(ANSI, '');

/** The frame field a field-table row (its first words) is about → the label of its byte region. */
function regionLabelOfField(row: string): string | null {
  const t = row.trimStart();
  if (/^(FIN|RSV[123]|opcode)\s/.test(t)) return 'FIN RSV1-3 opcode';
  if (/^(MASK|Payload len)\s/.test(t)) return 'MASK payload len';
  if (/^Extended/i.test(t)) return 'extended';
  if (/^Masking-key\s/.test(t)) return 'masking key';
  if (/^Payload data\s/.test(t)) return 'payload';
  return null;
}

/** "  0010  30 b4 …" (a hex dump row) → its offset; null for other lines. */
function hexRowOffset(line: string): number | null {
  const m = /^\s*([0-9a-f]{4,})  [0-9a-f]{2}[ |]/.exec(line);
  return m === null ? null : parseInt(m[1], 16);
}

const encoder = new TextEncoder();

/** A JSON text pretty-printed (2 spaces), or null when it is not a JSON object or array. */
export function prettyJson(text: string): string | null {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

function textLines(text: string, style: Style, max = DETAIL_PAYLOAD): DetailLine[] {
  const shown = text.length > max ? text.slice(0, max) : text;
  const lines = shown.split('\n').map((l) => ({ text: '  ' + escapeForTerminal(l) }));
  if (text.length > shown.length) lines.push({ text: style.dim(`  … ${text.length - shown.length} more characters`) });
  return lines;
}

function frameDetail(ev: FrameEvent, style: Style): DetailView {
  const header = encodeFrameHeader(ev.frame);
  const payload = wirePayload(ev.frame);
  const bytes = new Uint8Array(header.length + payload.length);
  bytes.set(header, 0);
  bytes.set(payload, header.length);
  const regions = frameByteRegions(ev.frame, style);
  const byLabel = (label: string): ByteSpan | undefined => {
    const r = regions.find((g) => g.label === label || g.label.startsWith(label));
    return r === undefined ? undefined : { start: r.start, end: r.end, label: r.label };
  };
  const text = renderFrameView(ev, style, { explain: false, maxPayload: DETAIL_PAYLOAD, assumptions: [] });
  const lines: DetailLine[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    const plain = plainText(line);
    if (/^\S/.test(plain)) section = plain;
    let span: ByteSpan | undefined;
    if (section.startsWith('Fields')) {
      const label = regionLabelOfField(plain);
      if (label !== null) span = byLabel(label);
    } else if (section.startsWith('Wire bytes')) {
      const off = hexRowOffset(plain);
      if (off !== null) span = { start: off, end: Math.min(bytes.length, off + 16), label: `bytes ${off}–` };
    } else if (section.startsWith('Unmasking')) {
      const m = /^\s*\[(\d+)\] masked/.exec(plain);
      if (m !== null) {
        const at = header.length + Number(m[1]);
        span = { start: at, end: at + 1, label: `payload byte ${m[1]}` };
      }
    } else if (section.startsWith('Payload')) {
      const off = hexRowOffset(plain);
      if (off !== null)
        span = { start: header.length + off, end: Math.min(bytes.length, header.length + off + 16), label: 'payload' };
    }
    lines.push(span === undefined ? { text: line } : { text: line, span });
  }
  const json = ev.text === undefined ? null : prettyJson(ev.text);
  if (json !== null) {
    lines.push({ text: '' }, { text: style.heading('JSON') });
    const span = byLabel('payload');
    for (const l of textLines(json, style)) lines.push(span === undefined ? l : { ...l, span });
  }
  const firstField = Math.max(
    0,
    lines.findIndex((l) => l.span !== undefined),
  );
  return { lines, bytes, bytesTitle: `frame #${ev.index} as on the wire (${bytes.length} bytes)`, firstField };
}

function messageDetail(ev: MessageEvent, style: Style): DetailView {
  const renderer = new EventTextRenderer(style, {
    frames: 'full',
    messages: 'all',
    time: 'none',
    connections: false,
    explain: false,
    maxPayload: 400,
    detailPayload: DETAIL_PAYLOAD,
    assumptions: [],
    showHeartbeats: true,
  });
  const lines: DetailLine[] = [];
  for (const block of renderer.render(ev)) for (const l of block.split('\n')) lines.push({ text: l });
  const bytes = ev.data;
  const whole: ByteSpan = { start: 0, end: bytes.length, label: 'payload' };
  lines.push({ text: '' });
  const cut = ev.length > ev.data.length ? style.dim(` (${ev.length - ev.data.length} bytes not kept)`) : '';
  lines.push({ text: style.heading(`Payload ${ev.length} bytes`) + cut, span: whole });
  if (ev.opcode === 1) {
    const text = ev.text ?? new TextDecoder().decode(ev.data);
    const json = prettyJson(text);
    if (json !== null) lines.push({ text: style.dim('  (JSON, pretty-printed)'), span: whole });
    for (const l of textLines(json ?? text, style)) lines.push({ ...l, span: whole });
  } else {
    const dump = renderHexDump(bytes, style, { maxBytes: DETAIL_PAYLOAD });
    for (const l of dump.split('\n')) {
      const off = hexRowOffset(plainText(l));
      lines.push({
        text: '  ' + l,
        span: off === null ? whole : { start: off, end: Math.min(bytes.length, off + 16), label: 'payload' },
      });
    }
  }
  const original = ev.change?.original;
  if (original !== undefined) {
    lines.push({ text: '' }, { text: style.heading('Original (before the change)') });
    if (original.opcode === 1) lines.push(...textLines(new TextDecoder().decode(original.data), style));
    else for (const l of renderHexDump(original.data, style).split('\n')) lines.push({ text: '  ' + l });
  }
  const firstField = lines.findIndex((l) => l.span !== undefined);
  return { lines, bytes, bytesTitle: `message data (${bytes.length} bytes)`, firstField: Math.max(0, firstField) };
}

/** The detail pane's lines and the hex pane's bytes for a row. */
export function detailView(d: RowDetail, style: Style): DetailView {
  const view = d.event.type === 'frame' ? frameDetail(d.event, style) : messageDetail(d.event, style);
  if (d.handshake.length === 0) return view;
  const lines = [
    ...view.lines,
    { text: '' },
    { text: style.heading(`Connection ${d.summary.conn}: opening handshake`) },
  ];
  for (const h of d.handshake) for (const l of renderHandshake(h, style).split('\n')) lines.push({ text: l });
  return { ...view, lines };
}

/** The payload of a row as the user means it: a frame's unmasked (inflated) data, a message's data. */
export function payloadOf(d: RowDetail): Uint8Array {
  const ev = d.event;
  if (ev.type === 'message') return ev.data;
  return ev.inflated ?? ev.frame.payload;
}

/** Whether `needle` occurs in `hay`. */
export function containsBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  return Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(needle) !== -1;
}

/** A search as typed: "0x48 65", "hex:4865" → those bytes; anything else → its UTF-8. */
export function searchBytes(typed: string): Uint8Array | string {
  const m = /^(?:0x|hex:)\s*([0-9a-fA-F\s]+)$/.exec(typed.trim());
  if (m === null) return encoder.encode(typed);
  const digits = m[1].replace(/\s+/g, '');
  if (digits.length % 2 !== 0) return 'hex search: an even number of hex digits, please';
  return Uint8Array.from(digits.match(/../g) ?? [], (h) => parseInt(h, 16));
}
