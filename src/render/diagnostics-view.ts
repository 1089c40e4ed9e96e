// Diagnostics as text: one line each with severity (colour and symbol), stable code, message
// and the RFC section that makes it a rule; and the compact per-severity count for summaries.
// Layer rule: render/ — pure string building over protocol/ and session/ records.
import type { Diagnostic, Severity } from '../protocol/diagnostic-catalogue.js';
import type { FrameEvent } from '../session/events.js';
import { escapeForTerminal } from './escape.js';
import type { Style } from './style.js';

export const SEVERITY_SYMBOL: Readonly<Record<Severity, string>> = { error: '✖', warning: '⚠', note: 'ℹ' };

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'note'];

const NO_DIAGNOSTICS: readonly Diagnostic[] = [];

/**
 * The diagnostics of a frame event: the frame decoder's own (frame.diagnostics) and those
 * later layers attached to the event, each once (the event may or may not repeat the
 * frame's; both are accepted).
 */
export function frameEventDiagnostics(ev: FrameEvent): readonly Diagnostic[] {
  const own = ev.frame.diagnostics;
  const added = ev.diagnostics;
  if (own.length === 0) return added.length === 0 ? NO_DIAGNOSTICS : added;
  if (added.length === 0) return own;
  const merged: Diagnostic[] = own.slice();
  for (const d of added) {
    if (!merged.some((m) => m === d || (m.code === d.code && m.message === d.message))) merged.push(d);
  }
  return merged;
}

/** "✖ 1 ⚠ 2" — how many diagnostics of each severity, most severe first; '' when none. */
export function renderDiagnosticCounts(diagnostics: readonly Diagnostic[], style: Style): string {
  if (diagnostics.length === 0) return '';
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else notes++;
  }
  let out = '';
  if (errors > 0) out += style.error(`${SEVERITY_SYMBOL.error} ${errors}`);
  if (warnings > 0) out += (out === '' ? '' : ' ') + style.warning(`${SEVERITY_SYMBOL.warning} ${warnings}`);
  if (notes > 0) out += (out === '' ? '' : ' ') + style.note(`${SEVERITY_SYMBOL.note} ${notes}`);
  return out;
}

/**
 * "✖ frame.mask.unexpected ⚠ frame.length.non-minimal" — the codes of the diagnostics, each
 * severity's symbol once before its codes, most severe first, each code once; '' when none.
 * What a one-line summary says is wrong (codes are catalogue names: nothing to escape).
 */
export function renderDiagnosticCodes(diagnostics: readonly Diagnostic[], style: Style): string {
  if (diagnostics.length === 0) return '';
  let out = '';
  for (const severity of SEVERITIES) {
    let codes = '';
    for (const d of diagnostics) {
      if (d.severity !== severity) continue;
      if (codes === '' || !(' ' + codes + ' ').includes(' ' + d.code + ' '))
        codes += (codes === '' ? '' : ' ') + d.code;
    }
    if (codes !== '')
      out += (out === '' ? '' : ' ') + style.severity(severity)(`${SEVERITY_SYMBOL[severity]} ${codes}`);
  }
  return out;
}

/** "✖ error   frame.mask.missing  client-to-server frame is not masked  (RFC 6455 §5.1)" */
export function renderDiagnosticLine(d: Diagnostic, style: Style): string {
  const paint = style.severity(d.severity);
  const label = paint(`${SEVERITY_SYMBOL[d.severity]} ${d.severity.padEnd(7)}`);
  // Messages may quote wire data (a bad header value, a close reason): escape them.
  const rfc = d.rfc === undefined ? '' : '  ' + style.dim(`(${d.rfc})`);
  return `${label} ${style.bold(d.code)}  ${escapeForTerminal(d.message)}${rfc}`;
}

/**
 * Under a one-line summary (--errors): each diagnostic's line, indented, on lines of its own
 * ('\n' before each); '' when none. The message is escaped (renderDiagnosticLine).
 */
export function renderDiagnosticDetails(diagnostics: readonly Diagnostic[], style: Style): string {
  let out = '';
  for (const d of diagnostics) out += '\n  ' + renderDiagnosticLine(d, style);
  return out;
}

/** A "Diagnostics (N)" block, one indented line per diagnostic; '' when there are none. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], style: Style, indent = '  '): string {
  if (diagnostics.length === 0) return '';
  let out = style.heading(`Diagnostics (${diagnostics.length})`);
  for (const d of diagnostics) out += '\n' + indent + renderDiagnosticLine(d, style);
  return out;
}
