// A frame's payload for reading: text (escaped, one display line per newline) or a hex dump,
// inflated data with compressed/inflated sizes and ratio, close code and reason, and notes
// on what is missing. Values wsinspect computed are marked [derived], as Wireshark does.
// Layer rule: render/ — pure string building over session/ records.
import { Opcode } from '../protocol/frame.js';
import { declaredLength } from '../protocol/frame-fields.js';
import type { FrameEvent } from '../session/events.js';
import { escapeForTerminal } from './escape.js';
import { renderHexDump } from './hex-dump.js';
import type { Style } from './style.js';
import { plural } from './summary-line.js';

export interface PayloadViewOptions {
  /** Characters of text or bytes of hex shown at most; default 65536. */
  readonly maxPayload?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function derived(text: string, style: Style): string {
  return style.derived(`[${text}]`);
}

/** `text` cut to `max` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const hi = text.charCodeAt(max - 1);
  return text.slice(0, hi >= 0xd800 && hi <= 0xdbff ? max - 1 : max);
}

/**
 * Escaped text in quotes, broken into display lines after each newline (shown as \n, so the
 * line break is still visible and unambiguous).
 */
export function renderTextBlock(text: string, style: Style, max: number, indent = '  '): string[] {
  const shown = cut(text, max);
  const parts = shown.split('\n');
  const last = parts.length - 1;
  const lines = parts.map((p, i) => (i === 0 ? '"' : ' ') + escapeForTerminal(p) + (i < last ? style.dim('\\n') : ''));
  lines[last] += shown.length < text.length ? '…' + style.dim(` (${text.length - shown.length} more characters)`) : '"';
  return lines.map((l) => indent + l);
}

function sizeLine(ev: FrameEvent, style: Style): string {
  const frame = ev.frame;
  let line = style.heading('Payload') + ' ' + plural(frame.payloadLengthBig ?? frame.payloadLength, 'byte');
  if (frame.masked) line += ' ' + derived('shown unmasked', style);
  if (ev.compressed) line += ', ' + style.rsv('compressed (permessage-deflate, RSV1)');
  else if (ev.continuesCompressed === true)
    line += ', ' + style.rsv('part of a compressed message (RSV1 on its first frame)');
  return line;
}

function notes(ev: FrameEvent, max: number, style: Style): string[] {
  const frame = ev.frame;
  const declared = declaredLength(frame);
  const have = frame.payload.length;
  const out: string[] = [];
  if (frame.truncated)
    out.push(style.warning(`${have} of ${declared} bytes present (the input ended inside the frame)`));
  if (frame.payloadSkipped > 0) {
    out.push(
      style.warning(
        `${have} of ${declared} bytes kept; ${frame.payloadSkipped} beyond what is buffered or shown were counted, not kept`,
      ),
    );
  }
  if (have > max && ev.text === undefined)
    out.push(style.dim(`showing the first ${max} of ${have} bytes (--max-payload N shows more)`));
  return out.map((l) => '  ' + l);
}

function inflateLine(ev: FrameEvent, style: Style): string | null {
  const info = ev.inflate;
  if (info === undefined) return null;
  const ratio =
    info.compressedLength === 0 ? '' : `, ratio ${(info.inflatedLength / info.compressedLength).toFixed(2)}:1`;
  const partial = info.partial ? style.warning(' — partial: only part of the message could be inflated') : '';
  return (
    '  ' +
    derived(
      `inflated: ${plural(info.compressedLength, 'byte')} compressed → ${plural(info.inflatedLength, 'byte')}${ratio}`,
      style,
    ) +
    partial
  );
}

function closeLines(ev: FrameEvent, style: Style, max: number): string[] {
  const close = ev.close;
  if (close === undefined) return [];
  if (close.code === null) return ['  ' + style.dim('no status code (empty body: the peer gave no reason)')];
  const name = close.codeName === null ? style.dim('(no registered name)') : close.codeName;
  const lines = [`  code    ${style.bold(String(close.code))} ${name}`];
  if (close.reason === null || close.reason === '') lines.push('  reason  ' + style.dim('(none)'));
  else
    lines.push(
      ...renderTextBlock(close.reason, style, max, '  ').map((l, i) => (i === 0 ? '  reason' : '        ') + l),
    );
  return lines;
}

function bodyLines(ev: FrameEvent, style: Style, max: number): string[] {
  const frame = ev.frame;
  if (frame.payload.length === 0) return frame.payloadLength === 0 ? ['  ' + style.dim('(empty)')] : [];
  if (frame.opcode === Opcode.close && ev.close !== undefined) return closeLines(ev, style, max);
  if (ev.text !== undefined) {
    const label = ev.compressed ? 'text ' + derived('inflated UTF-8', style) : 'text (UTF-8)';
    return ['  ' + label, ...renderTextBlock(ev.text, style, max, '    ')];
  }
  if (ev.inflated !== undefined) {
    return [
      '  ' + derived('inflated bytes', style),
      indent(renderHexDump(ev.inflated, style, { maxBytes: max }), '    '),
    ];
  }
  if (frame.opcode === Opcode.text && !ev.compressed) {
    // A fragment: its bytes need not end on a character boundary, the message view has the text.
    const text = utf8.decode(frame.payload.subarray(0, max * 4));
    return [
      '  ' + 'text ' + derived('this fragment alone, as UTF-8', style),
      ...renderTextBlock(text, style, max, '    '),
    ];
  }
  const label =
    ev.compressed || ev.continuesCompressed === true ? 'compressed bytes (inflated with the whole message)' : 'bytes';
  return ['  ' + label, indent(renderHexDump(frame.payload, style, { maxBytes: max }), '    ')];
}

function indent(block: string, prefix: string): string {
  return prefix + block.split('\n').join('\n' + prefix);
}

/** The payload section of the frame view. */
export function renderPayloadView(ev: FrameEvent, style: Style, opts?: PayloadViewOptions): string {
  const max = Math.max(1, opts?.maxPayload ?? 65536);
  const lines = [sizeLine(ev, style), ...notes(ev, max, style)];
  const inflate = inflateLine(ev, style);
  if (inflate !== null) lines.push(inflate);
  lines.push(...bodyLines(ev, style, max));
  return lines.join('\n');
}
