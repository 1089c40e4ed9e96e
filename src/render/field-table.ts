// The frame's header fields as a table — field, bit positions, value, meaning — with, when
// explaining, the rule each field must satisfy and its RFC section; fields named by a
// diagnostic are marked with its severity symbol.
// Layer rule: render/ — pure string building, driven by the protocol/ field layout table.
import type { Diagnostic, DiagnosticCode } from '../protocol/diagnostic-catalogue.js';
import type { Frame } from '../protocol/frame.js';
import { declaredLength, frameFieldLayout, type FrameFieldKey, type FrameFieldSlot } from '../protocol/frame-fields.js';
import { SEVERITY_SYMBOL } from './diagnostics-view.js';
import type { Style } from './style.js';

export interface FieldTableOptions {
  /** Add the rule each field must satisfy and its RFC section under the field. */
  readonly explain: boolean;
  /** Diagnostics to mark on the fields they are about (default: the frame's own). */
  readonly diagnostics?: readonly Diagnostic[];
  /** Column at which explanations wrap; default 100. */
  readonly width?: number;
}

/** Which header fields a frame-level diagnostic is about (RFC 6455 §5.2 field by field). */
const DIAGNOSTIC_FIELDS: Partial<Record<DiagnosticCode, readonly FrameFieldKey[]>> = {
  'frame.mask.missing': ['mask'],
  'frame.mask.unexpected': ['mask'],
  'frame.control.too-long': ['payloadLen'],
  'frame.control.fragmented': ['fin'],
  'frame.opcode.reserved': ['opcode'],
  'frame.rsv.unexpected': ['rsv1', 'rsv2', 'rsv3'],
  'frame.rsv1.continuation': ['rsv1'],
  'frame.rsv1.control': ['rsv1'],
  'frame.length.non-minimal': ['payloadLen', 'extendedPayloadLength'],
  'frame.length.msb-set': ['extendedPayloadLength'],
  'frame.length.too-large': ['payloadLen', 'extendedPayloadLength'],
  'frame.truncated': ['payload'],
  'message.continuation.orphan': ['opcode'],
  'message.interrupted': ['opcode'],
  'message.text.invalid-utf8': ['payload'],
};

/** "0", "4–7", "16–31"; "—" for an empty payload. */
export function bitRange(slot: FrameFieldSlot, frame: Frame): string {
  if (slot.bitLength === 0) return '—';
  if (slot.key === 'payload') {
    // A 64-bit length may exceed 2^53 bits: count the payload's last bit exactly.
    return `${slot.bitOffset}–${BigInt(slot.bitOffset) + declaredLength(frame) * 8n - 1n}`;
  }
  const last = slot.bitOffset + slot.bitLength - 1;
  return last === slot.bitOffset ? String(last) : `${slot.bitOffset}–${last}`;
}

function markFor(key: FrameFieldKey, frame: Frame, diagnostics: readonly Diagnostic[], style: Style): string {
  let worst: Diagnostic | null = null;
  for (const d of diagnostics) {
    if (!(DIAGNOSTIC_FIELDS[d.code]?.includes(key) ?? false)) continue;
    // RSV diagnostics only mark the RSV bits that are actually set.
    if ((key === 'rsv1' && !frame.rsv1) || (key === 'rsv2' && !frame.rsv2) || (key === 'rsv3' && !frame.rsv3)) continue;
    if (worst === null || rank(d) < rank(worst)) worst = d;
  }
  return worst === null ? ' ' : style.severity(worst.severity)(SEVERITY_SYMBOL[worst.severity]);
}

const rank = (d: Diagnostic): number => (d.severity === 'error' ? 0 : d.severity === 'warning' ? 1 : 2);

/** Greedy word wrap of `text` into lines of at most `width` characters after `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : line + ' ' + word;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** The field table of RFC 6455 §5.2 filled with this frame's values. */
export function renderFieldTable(frame: Frame, style: Style, opts: FieldTableOptions): string {
  const slots = frameFieldLayout(frame);
  const diagnostics = opts.diagnostics ?? frame.diagnostics;
  const rows = slots.map((s) => [s.spec.name, bitRange(s, frame), s.valueText, s.meaning] as const);
  const widths = [0, 0, 0];
  for (const r of [['field', 'bits', 'value'], ...rows]) {
    for (let c = 0; c < 3; c++) widths[c] = Math.max(widths[c], r[c].length);
  }
  const cols = (r: readonly string[]): string[] => [
    r[0].padEnd(widths[0]),
    r[1].padEnd(widths[1]),
    r[2].padEnd(widths[2]),
    r[3],
  ];
  const out = ['  ' + style.dim(cols(['field', 'bits', 'value', 'meaning']).join('  ').trimEnd())];
  const indent = ' '.repeat(4 + widths[0] + 2);
  slots.forEach((slot, i) => {
    const [name, bits, value, meaning] = cols(rows[i]);
    const paint = style.field(slot.key);
    out.push(
      `${markFor(slot.key, frame, diagnostics, style)} ${paint(name)}  ${style.dim(bits)}  ${paint(value)}  ${meaning}`.trimEnd(),
    );
    if (opts.explain) {
      for (const l of wrap(`rule: ${slot.spec.rule} (${slot.spec.rfc})`, opts.width ?? 100, indent))
        out.push(style.dim(l));
    }
  });
  return out.join('\n');
}
