// Hex dumps: a frame's wire bytes (header re-encoded, payload masked again) 16 per row with
// offsets, an ASCII column, each byte coloured by its field, '|' at field boundaries and a
// legend of byte ranges (so boundaries show with colour off too); and a plain payload dump.
// Layer rule: render/ — pure string building; wire data reaches the terminal only as hex or
// printable ASCII.
import type { Frame } from '../protocol/frame.js';
import { encodeFrameHeader, wirePayload } from '../protocol/frame-fields.js';
import { asciiCell, HEX_BYTE } from './escape.js';
import type { Paint, Style } from './style.js';

export interface HexDumpOptions {
  /** Bytes shown at most; default 256 for frames, 4096 for payload dumps. */
  readonly maxBytes?: number;
}

/** A run of bytes belonging to one part of the frame. */
export interface ByteRegion {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly paint: Paint;
}

const PER_ROW = 16;

/** The byte regions of a frame's wire image: bytes 0 and 1, extended length, key, payload. */
export function frameByteRegions(frame: Frame, style: Style): ByteRegion[] {
  const header = encodeFrameHeader(frame);
  const regions: ByteRegion[] = [
    { start: 0, end: 1, label: 'FIN RSV1-3 opcode', paint: style.opcode },
    { start: 1, end: 2, label: 'MASK payload len', paint: style.len },
  ];
  let at = 2;
  const ext = frame.lengthEncoding === 16 ? 2 : frame.lengthEncoding === 64 ? 8 : 0;
  if (ext > 0) {
    regions.push({
      start: at,
      end: at + ext,
      label: `extended length (${frame.lengthEncoding}-bit)`,
      paint: style.extLen,
    });
    at += ext;
  }
  if (header.length - at === 4) regions.push({ start: at, end: at + 4, label: 'masking key', paint: style.key });
  const payloadEnd = header.length + frame.payload.length;
  if (payloadEnd > header.length) {
    const label = frame.masked ? 'payload (masked, as on the wire)' : 'payload';
    regions.push({ start: header.length, end: payloadEnd, label, paint: style.payload });
  }
  return regions;
}

const plainRegion = (end: number, style: Style): ByteRegion => ({ start: 0, end, label: '', paint: style.payload });

/** Rows of "offset  hex…  |ascii|"; '|' replaces the space before each region's first byte. */
function dumpRows(bytes: Uint8Array, regions: readonly ByteRegion[], base: number, style: Style): string[] {
  const width = Math.max(4, (base + bytes.length - 1).toString(16).length);
  const lines: string[] = [];
  let r = 0;
  for (let row = 0; row < bytes.length; row += PER_ROW) {
    let hex = '';
    let ascii = '';
    for (let i = row; i < row + PER_ROW; i++) {
      const gap = i === row ? '' : i - row === 8 ? '  ' : ' ';
      if (i >= bytes.length) {
        hex += gap + '  ';
        continue;
      }
      while (r < regions.length - 1 && i >= regions[r].end) r++;
      const boundary = i > row && i === regions[r].start && regions.length > 1;
      hex += boundary ? gap.slice(1) + style.dim('|') : gap;
      const paint = regions[r].paint;
      hex += paint(HEX_BYTE[bytes[i]]);
      ascii += paint(asciiCell(bytes[i]));
    }
    lines.push(
      `${style.dim((base + row).toString(16).padStart(width, '0'))}  ${hex}  ${style.dim('|')}${ascii}${style.dim('|')}`,
    );
  }
  return lines;
}

function range(region: ByteRegion): string {
  return region.end - region.start === 1 ? `[${region.start}]` : `[${region.start}–${region.end - 1}]`;
}

/** "[0] FIN RSV1-3 opcode  [1] MASK payload len  [2–5] masking key  [6–10] payload" */
function legend(regions: readonly ByteRegion[]): string {
  return regions.map((r) => r.paint(`${range(r)} ${r.label}`)).join('  ');
}

/** The frame as it was on the wire, each byte coloured by field, with a legend. */
export function renderAnnotatedHexDump(frame: Frame, style: Style, opts?: HexDumpOptions): string {
  const max = opts?.maxBytes ?? 256;
  const header = encodeFrameHeader(frame);
  const payloadShown = Math.max(0, Math.min(frame.payload.length, max - header.length));
  const bytes = new Uint8Array(header.length + payloadShown);
  bytes.set(header, 0);
  bytes.set(wirePayload(frame, payloadShown), header.length);
  const regions = frameByteRegions(frame, style);
  const lines = dumpRows(bytes, regions, 0, style);
  const present = header.length + frame.payload.length;
  if (present > bytes.length) lines.push(style.dim(`… ${present - bytes.length} more bytes not shown`));
  lines.push(`${style.dim('legend')}  ${legend(regions)}`);
  return lines.join('\n');
}

/** A plain hex dump of `bytes` (offsets from `base`), cut at maxBytes with a note. */
export function renderHexDump(
  bytes: Uint8Array,
  style: Style,
  opts?: HexDumpOptions & { readonly base?: number },
): string {
  if (bytes.length === 0) return style.dim('(no bytes)');
  const max = opts?.maxBytes ?? 4096;
  const shown = bytes.length > max ? bytes.subarray(0, max) : bytes;
  const lines = dumpRows(shown, [plainRegion(shown.length, style)], opts?.base ?? 0, style);
  if (bytes.length > shown.length) lines.push(style.dim(`… ${bytes.length - shown.length} more bytes not shown`));
  return lines.join('\n');
}
