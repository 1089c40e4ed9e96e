// Text output for a stream of InspectEvents: the per-event renderers composed for a reader.
// 'teaching' draws every frame in full (hex input), 'summary' gives one line per frame.
// Stateful only in what it has already said (assumptions are stated once, at the top).
// Layer rule: render/ — pure string building.
import type { DiagnosticEvent, EndEvent, InspectEvent, MessageEvent } from '../session/events.js';
import { renderDiagnosticLine } from './diagnostics-view.js';
import { escapeForTerminal, previewBytes, previewText } from './escape.js';
import { renderAssumptions, renderFrameView } from './frame-view.js';
import { renderHandshake } from './handshake-view.js';
import type { Style } from './style.js';
import { directionArrow, renderFrameSummary } from './summary-line.js';

export type TextMode = 'teaching' | 'summary';

export interface EventTextOptions {
  readonly mode: TextMode;
  readonly explain: boolean;
  readonly maxPayload: number;
  readonly assumptions: readonly string[];
}

const RULE = '─'.repeat(72);

export class EventTextRenderer {
  private saidAssumptions = false;

  constructor(private readonly style: Style, private readonly opts: EventTextOptions) {}

  /** Blocks of text (each printed as its own line group) for one event. */
  render(ev: InspectEvent): string[] {
    const out: string[] = [];
    if (!this.saidAssumptions) {
      this.saidAssumptions = true;
      const assumptions = renderAssumptions(this.opts.assumptions, this.style);
      if (assumptions !== null) out.push(assumptions, '');
    }
    switch (ev.type) {
      case 'frame':
        if (this.opts.mode === 'summary') out.push(renderFrameSummary(ev, this.style));
        else out.push(this.style.dim(RULE), renderFrameView(ev, this.style, { explain: this.opts.explain, maxPayload: this.opts.maxPayload, assumptions: [] }), '');
        break;
      case 'message':
        // a single-frame message was already shown with its frame
        if (ev.frames > 1 || !ev.complete) out.push(this.message(ev));
        break;
      case 'handshake':
        out.push(renderHandshake(ev, this.style), '');
        break;
      case 'diagnostic':
        out.push(this.diagnostic(ev));
        break;
      case 'connection':
        out.push(this.style.heading(`Connection ${ev.conn}: ${escapeForTerminal(ev.client)} → ${escapeForTerminal(ev.server)}`) + this.style.dim(` (detected by ${ev.detectedBy})`));
        break;
      case 'end':
        out.push(this.end(ev));
        break;
    }
    return out;
  }

  private message(ev: MessageEvent): string {
    const s = this.style;
    const kind = ev.opcode === 1 ? 'text' : 'binary';
    const frames = ev.firstFrame === ev.lastFrame ? `frame #${ev.firstFrame}` : `frames #${ev.firstFrame}–#${ev.lastFrame}`;
    const size = ev.compressed && ev.inflate ? `${ev.inflate.compressedLength} B compressed → ${ev.length} B` : `${ev.length} B`;
    const body = ev.text !== undefined ? previewText(ev.text, Math.min(this.opts.maxPayload, 120)) : previewBytes(ev.data, Math.min(this.opts.maxPayload, 48));
    const state = ev.complete ? '' : s.warning(' (incomplete)');
    let line = `${s.direction(ev.dir)(directionArrow(ev.dir))} ${s.bold(`${kind} message`)} from ${ev.frames} ${ev.frames === 1 ? 'frame' : 'fragments'} (${frames}), ${size}${state}: ${body}`;
    for (const d of ev.diagnostics) line += '\n  ' + renderDiagnosticLine(d, s);
    return line;
  }

  private diagnostic(ev: DiagnosticEvent): string {
    return renderDiagnosticLine(ev.diagnostic, this.style);
  }

  private end(ev: EndEvent): string {
    const s = this.style;
    return s.dim(`End of ${this.opts.mode === 'teaching' ? 'input' : `connection ${ev.conn}`} (${ev.reason}): `
      + `${count(ev.frames.c2s + ev.frames.s2c, 'frame')} (${ev.frames.c2s} client→server, ${ev.frames.s2c} server→client), `
      + count(ev.messages.c2s + ev.messages.s2c, 'message'));
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
