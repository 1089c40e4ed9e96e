// The full annotated view of one frame: summary line, bit diagram, field table, annotated
// wire bytes, unmasking steps, payload, diagnostics and the assumptions the decoding made.
// Each part is its own renderer; this file only composes them in reading order.
// Layer rule: render/ — pure string building over session/ records.
import type { FrameEvent } from '../session/events.js';
import { renderBitDiagram } from './bit-diagram.js';
import { frameEventDiagnostics, renderDiagnostics } from './diagnostics-view.js';
import { escapeForTerminal } from './escape.js';
import { renderFieldTable } from './field-table.js';
import { renderAnnotatedHexDump } from './hex-dump.js';
import { renderPayloadView } from './payload-view.js';
import { renderInflateView } from './inflate-view.js';
import type { Style } from './style.js';
import { renderFrameSummary } from './summary-line.js';
import { renderUnmaskSteps } from './unmask-steps.js';

export interface FrameViewOptions {
  /** Add each field's rule and RFC section to the field table. */
  readonly explain: boolean;
  /** Characters of text / bytes of hex shown of the payload. */
  readonly maxPayload: number;
  /** What the decoding had to assume (direction from the mask bit, deflate without a handshake...). */
  readonly assumptions: readonly string[];
  /** Wire bytes in the annotated hex dump; default 128. */
  readonly wireBytes?: number;
  /** Payload bytes worked through in the unmasking steps; default 8. */
  readonly unmaskSteps?: number;
}

const INDENT = '  ';

function indent(block: string): string {
  return INDENT + block.split('\n').join('\n' + INDENT);
}

function section(title: string, rfc: string | null, body: string, style: Style): string {
  const head = style.heading(title) + (rfc === null ? '' : ' ' + style.dim(`(${rfc})`));
  return head + '\n' + indent(body);
}

export function renderHeaderSection(ev: FrameEvent, style: Style): string {
  return section(
    'Frame header',
    'RFC 6455 §5.2',
    renderBitDiagram(ev.frame, style, { compressed: ev.compressed || ev.continuesCompressed === true }),
    style,
  );
}

export function renderFieldsSection(ev: FrameEvent, style: Style, explain: boolean): string {
  const table = renderFieldTable(ev.frame, style, { explain, diagnostics: frameEventDiagnostics(ev) });
  return section('Fields', null, table, style);
}

export function renderWireSection(ev: FrameEvent, style: Style, maxBytes: number): string {
  const title = `Wire bytes (frame at stream offset ${ev.frame.offset}${packetsOf(ev)})`;
  return section(title, null, renderAnnotatedHexDump(ev.frame, style, { maxBytes }), style);
}

/** Capture input: `, packet N` (or `, packets N–M` for a frame that spans several), Wireshark's frame.number. */
function packetsOf(ev: FrameEvent): string {
  const c = ev.capture;
  if (c === undefined) return '';
  return c.lastPacket === c.packet ? `, packet ${c.packet}` : `, packets ${c.packet}–${c.lastPacket}`;
}

export function renderUnmaskSection(ev: FrameEvent, style: Style, count: number): string | null {
  if (!ev.frame.masked) return null;
  return section('Unmasking', 'RFC 6455 §5.3', renderUnmaskSteps(ev.frame, style, { count }), style);
}

export function renderAssumptions(assumptions: readonly string[], style: Style): string | null {
  if (assumptions.length === 0) return null;
  const body = assumptions.map((a) => style.note('• ') + escapeForTerminal(a)).join('\n');
  return section('Assumptions', null, body, style);
}

/** Every part of the frame view, separated by blank lines. */
export function renderFrameView(ev: FrameEvent, style: Style, opts: FrameViewOptions): string {
  const parts: (string | null)[] = [
    renderFrameSummary(ev, style, { maxPayload: opts.maxPayload }),
    renderHeaderSection(ev, style),
    renderFieldsSection(ev, style, opts.explain),
    renderWireSection(ev, style, opts.wireBytes ?? 128),
    renderUnmaskSection(ev, style, opts.unmaskSteps ?? 8),
    renderPayloadView(ev, style, { maxPayload: opts.maxPayload }),
    renderInflateView(ev, style),
    renderDiagnostics(frameEventDiagnostics(ev), style) || null,
    renderAssumptions(opts.assumptions, style),
  ];
  return parts.filter((p): p is string => p !== null).join('\n\n');
}
