// The one-line summary of a frame used in capture listings: direction, index, opcode, flags,
// length, mask key, compression, close code, an escaped preview and the diagnostics' codes.
// Layer rule: render/ — pure string building; runs once per frame, so it concatenates
// strings directly and decodes at most a preview's worth of payload.
import { isReservedOpcode, Opcode, opcodeName, type Frame } from '../protocol/frame.js';
import type { FrameEvent } from '../session/events.js';
import { frameEventDiagnostics, renderDiagnosticCodes } from './diagnostics-view.js';
import { HEX_BYTE, previewBytes, previewText } from './escape.js';
import { framePreview, previewRoom, previewUtf8, type FramePreview } from './text-preview.js';
import type { Style } from './style.js';

export interface SummaryOptions {
  /** Characters of text (or bytes of hex) shown in the preview; default 40. */
  readonly maxPreview?: number;
  /** Most payload bytes (characters of text) the preview shows: --max-payload (default no limit). */
  readonly maxPayload?: number;
  /** Start with the direction arrow (default true; capture lines show addresses instead). */
  readonly arrow?: boolean;
}

export const DEFAULT_MAX_PREVIEW = 40;

export function directionArrow(dir: 'c2s' | 's2c'): string {
  return dir === 'c2s' ? '→' : '←';
}

/** "text", "close", or "reserved 0x3" for opcodes RFC 6455 §5.2 leaves unassigned. */
export function opcodeLabel(opcode: number): string {
  return isReservedOpcode(opcode) ? `reserved 0x${opcode.toString(16)}` : opcodeName(opcode);
}

export function plural(n: number | bigint, one: string, many = one + 's'): string {
  return String(n) + ' ' + (n === 1 || n === 1n ? one : many);
}

export function maskKeyHex(key: Uint8Array): string {
  return HEX_BYTE[key[0]] + HEX_BYTE[key[1]] + HEX_BYTE[key[2]] + HEX_BYTE[key[3]];
}

function flags(frame: Frame, style: Style): string {
  let out = '';
  if (frame.fin) out += ' ' + style.fin('FIN');
  if (frame.rsv1) out += ' ' + style.rsv('RSV1');
  if (frame.rsv2) out += ' ' + style.rsv('RSV2');
  if (frame.rsv3) out += ' ' + style.rsv('RSV3');
  return out;
}

/** " 5 bytes", with what is missing of a truncated payload. */
export function lengthPart(frame: Frame, style: Style): string {
  const declared = frame.payloadLengthBig ?? frame.payloadLength;
  let out = ' ' + style.len(plural(declared, 'byte'));
  const missing = frame.payload.length + frame.payloadSkipped < frame.payloadLength;
  if (frame.truncated || missing) {
    out += ' ' + style.warning(`(truncated: ${frame.payload.length + frame.payloadSkipped} present)`);
  }
  return out;
}

/** A close frame's code, its name and reason; '' for other frames. */
export function closePart(ev: FrameEvent, max: number, style: Style): string {
  const close = ev.close;
  if (close === undefined || close.code === null) return ev.frame.opcode === Opcode.close ? ' (no code)' : '';
  let out = ' ' + style.bold(String(close.code));
  if (close.codeName !== null) out += ' ' + close.codeName;
  if (close.reason !== null && close.reason !== '' && max > 0) out += ' "' + previewText(close.reason, max) + '"';
  return out;
}

/** The preview part of the line: ` "escaped text"`, ` 01 02 …` in hex, or '' (see framePreview). */
export function previewPart(preview: FramePreview, max: number, style: Style): string {
  switch (preview.kind) {
    case 'none':
      return '';
    case 'utf8':
      return ' "' + previewUtf8(preview.bytes, max) + '"';
    case 'text':
      return ' "' + previewText(preview.text, max) + '"';
    case 'hex':
      return ' ' + style.dim(previewBytes(preview.bytes, preview.count));
  }
}

/** One line: `→ #1 text FIN 5 bytes masked 37fa213d "Hello"`. */
export function renderFrameSummary(ev: FrameEvent, style: Style, opts?: SummaryOptions): string {
  const frame = ev.frame;
  const maxPayload = opts?.maxPayload ?? Infinity;
  const room = opts?.maxPreview ?? DEFAULT_MAX_PREVIEW;
  const max = previewRoom(room, maxPayload);
  const arrow = opts?.arrow === false ? '' : style.direction(ev.dir)(directionArrow(ev.dir)) + ' ';
  let line =
    arrow +
    style.dim('#' + ev.index) +
    ' ' +
    style.opcode(style.bold(opcodeLabel(frame.opcode))) +
    flags(frame, style) +
    lengthPart(frame, style);
  if (frame.masked && frame.maskingKey !== null)
    line += ' ' + style.mask('masked') + ' ' + style.key(maskKeyHex(frame.maskingKey));
  if (ev.compressed) line += ' ' + style.rsv('compressed');
  line += closePart(ev, max, style) + previewPart(framePreview(ev, room, maxPayload), max, style);
  const codes = renderDiagnosticCodes(frameEventDiagnostics(ev), style);
  return codes === '' ? line : line + '  ' + codes;
}
