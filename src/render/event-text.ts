// Text output for a stream of InspectEvents: the per-event renderers composed for a reader.
// Frames are drawn in full (hex input, -V), as one line each (captures, the proxy), or not at
// all (--messages, which shows reassembled messages instead). Capture lines carry the time,
// the connection and its addresses. Stateful only in what it has seen: connection addresses,
// the first and previous timestamps, whether the assumptions were stated.
// Layer rule: render/ — pure string building.
import type { HandshakeRequest, HandshakeResponse } from '../protocol/handshake-types.js';
import type {
  ChangeMark,
  ConnectionEvent,
  DiagnosticEvent,
  EndEvent,
  FrameEvent,
  HandshakeEvent,
  InspectEvent,
  MessageEvent,
  Timestamp,
  TlsInfo,
} from '../session/events.js';
import { frameEventDiagnostics, renderDiagnosticDetails, renderDiagnosticLine } from './diagnostics-view.js';
import { escapeForTerminal, previewBytes } from './escape.js';
import { renderAssumptions, renderFrameView } from './frame-view.js';
import { renderHandshake, renderHandshakeLine } from './handshake-view.js';
import type { Style } from './style.js';
import { DEFAULT_MAX_PREVIEW, directionArrow, renderFrameSummary } from './summary-line.js';
import { FrameLineWriter, type LineBlockSink } from './frame-line.js';
import { previewUtf8 } from './text-preview.js';
import { appSummaryLines, renderAppDetail } from './app-view.js';
import { SecondsFormat } from './seconds-format.js';
import { passTlsRecords, renderFrameTlsRecords, renderTlsOpening } from './tls-records-view.js';

export type FrameDisplay = 'full' | 'line' | 'none';
export type TimeFormat = 'none' | 'relative' | 'absolute' | 'delta';

export interface EventTextOptions {
  readonly frames: FrameDisplay;
  /** 'line' (-s): each opening handshake as one line (renderHandshakeLine) instead of its block; default 'full'. */
  readonly handshakes?: 'full' | 'line';
  /** 'all': every message (--messages); 'fragmented': only those a frame line did not already show. */
  readonly messages: 'all' | 'fragmented';
  readonly time: TimeFormat;
  /** Prefix lines with the connection number and addresses (captures, proxy). */
  readonly connections: boolean;
  readonly explain: boolean;
  readonly maxPayload: number;
  /** Most payload bytes the detailed frame view (-V) draws as hex or text (default: maxPayload). */
  readonly detailPayload?: number;
  /** --errors: under each one-line frame summary, its diagnostics' lines (codes alone are on the line). */
  readonly details?: boolean;
  readonly assumptions: readonly string[];
  /** --show-heartbeats: keep-alive frames and messages (a view marked them) are listed, not folded. */
  readonly showHeartbeats?: boolean;
  /** --tls-detail: a decrypted connection's TLS records with the connection and under each -V frame. */
  readonly tlsDetail?: boolean;
}

const RULE = '─'.repeat(72);
const encoder = new TextEncoder();

/** A connection's line prefixes after the time: "[1] " and "[1] 10.0.0.1:5000 → 10.0.0.2:80 " both ways, also as UTF-8. */
interface ConnectionPrefixes {
  readonly conn: string;
  readonly c2s: string;
  readonly s2c: string;
  readonly bytes: { readonly c2s: Uint8Array; readonly s2c: Uint8Array };
}

export class EventTextRenderer {
  private saidAssumptions = false;
  /** Per connection, the prefix after the time for each direction: "[1] 10.0.0.1:5000 → 10.0.0.2:80 ". */
  private readonly endpoints = new Map<number, ConnectionPrefixes>();
  private firstTime: Timestamp = null;
  private previousTime: Timestamp = null;
  private readonly seconds = new SecondsFormat();
  /** The last time column made: its timestamp, what it counted from, its text. */
  private readonly timeMemo = { time: NaN, from: NaN, text: '' };
  private lineWriter: FrameLineWriter | null = null;
  /** Per application protocol, the start of its `↳` lines after the prefix, as UTF-8. */
  private readonly appHeads = new Map<string, Uint8Array>();
  /** Per connection, keep-alive frames folded out of the listing (said on its end line). */
  private readonly folded = new Map<number, number>();
  /** --tls-detail: per decrypted connection, its TLS (with the log of records). */
  private readonly tls = new Map<number, TlsInfo>();
  /**
   * handshakes 'line': per connection, a request waiting for its response to share its line
   * (with the response too when a display filter hid it: the line is then due at once).
   */
  private readonly pendingHandshakes = new Map<
    number,
    { time: Timestamp; req: HandshakeRequest; res: HandshakeResponse | null }
  >();

  constructor(
    private readonly style: Style,
    private readonly opts: EventTextOptions,
  ) {}

  /**
   * Where relative times count from (a capture's first packet, as Wireshark's
   * frame.time_relative); without it, from the first event shown.
   */
  setTimeOrigin(time: number): void {
    this.firstTime = time;
  }

  /**
   * An event a display filter hides: nothing is drawn, but a connection's addresses are
   * learnt (or forgotten), so the lines that are shown still carry them.
   */
  observe(ev: InspectEvent): void {
    if (ev.type === 'connection') {
      this.endpoints.set(ev.conn, this.endpointPrefixes(ev.conn, ev.client, ev.server));
      this.learnTls(ev);
    } else if (ev.type === 'end') {
      this.endpoints.delete(ev.conn);
      this.tls.delete(ev.conn);
    } else if (ev.type === 'frame' && ev.capture !== undefined && this.tls.size > 0) {
      const tls = this.tls.get(ev.conn);
      if (tls !== undefined) passTlsRecords(tls, ev.dir, ev.capture.streamEnd);
    } else if (ev.type === 'handshake' && ev.handshake.side === 'response') {
      // the request was shown (it had diagnostics, --errors): its line still says how it was answered
      const pending = this.pendingHandshakes.get(ev.conn);
      if (pending !== undefined) pending.res = ev.handshake;
    }
  }

  /** What is still due at the end of the output: handshake lines waiting for their response. */
  finish(): string[] {
    const out: string[] = [];
    for (const conn of [...this.pendingHandshakes.keys()]) this.pendingHandshakeLine(conn, out);
    return out;
  }

  /**
   * A frame of the one-line listing (captures, the proxy) written as UTF-8 into `sink`, byte
   * for byte as render() would draw it but without building strings; false (nothing
   * written) when the frame is not drawn that way and render() must be used.
   */
  writeFrameLine(ev: FrameEvent, sink: LineBlockSink): boolean {
    if (this.opts.frames !== 'line' || !this.opts.connections) return false;
    if (ev.heartbeat === true && this.opts.showHeartbeats !== true) {
      this.folded.set(ev.conn, (this.folded.get(ev.conn) ?? 0) + 1);
      return true;
    }
    if (this.pendingHandshakes.size > 0 && this.pendingHandshakes.has(ev.conn)) return false;
    if (!this.saidAssumptions && this.opts.assumptions.length > 0) return false;
    this.saidAssumptions = true;
    const time = this.opts.time === 'none' ? null : this.formatTime(ev.time);
    const ends = this.endpoints.get(ev.conn);
    const prefix = ends === undefined ? encoder.encode(this.style.bold(`[${ev.conn}]`) + ' ') : ends.bytes[ev.dir];
    this.lineWriter ??= new FrameLineWriter(this.style, {
      maxPayload: this.opts.maxPayload,
      details: this.opts.details,
    });
    this.lineWriter.write(sink, ev, time, prefix, DEFAULT_MAX_PREVIEW);
    return true;
  }

  /**
   * A message of the one-line listing whose frame line showed it (one frame, complete): what
   * a view understood of it (its `↳` lines, none for plain JSON) written as UTF-8 into `sink`,
   * byte for byte as render() would draw it; false (nothing written) when render() must be used.
   */
  writeMessageLines(ev: MessageEvent, sink: LineBlockSink): boolean {
    const app = ev.app;
    if (app === undefined || this.opts.frames !== 'line' || !this.opts.connections) return false;
    if (this.opts.messages !== 'fragmented' || ev.frames !== 1 || !ev.complete || ev.change !== undefined) return false;
    if (ev.appDiagnostics !== undefined) return false;
    if (this.pendingHandshakes.size > 0 && this.pendingHandshakes.has(ev.conn)) return false;
    if (!this.saidAssumptions && this.opts.assumptions.length > 0) return false;
    this.saidAssumptions = true;
    if (app.protocol === 'json') return true;
    const heartbeats = this.opts.showHeartbeats === true;
    const ends = this.endpoints.get(ev.conn);
    const prefix = ends === undefined ? encoder.encode(this.style.bold(`[${ev.conn}]`) + ' ') : ends.bytes[ev.dir];
    let head = this.appHeads.get(app.protocol);
    if (head === undefined) {
      head = encoder.encode(`${this.style.dim('↳')} ${this.style.bold(app.protocol)} `);
      this.appHeads.set(app.protocol, head);
    }
    this.lineWriter ??= new FrameLineWriter(this.style, {
      maxPayload: this.opts.maxPayload,
      details: this.opts.details,
    });
    for (const item of app.items) {
      if (item.heartbeat === true && !heartbeats) continue;
      const time = this.opts.time === 'none' ? null : this.formatTime(ev.time);
      this.lineWriter.writeItem(sink, time, prefix, head, item);
    }
    return true;
  }

  /** Blocks of text (each printed as its own line group) for one event. */
  render(ev: InspectEvent): string[] {
    const out: string[] = [];
    if (!this.saidAssumptions) {
      this.saidAssumptions = true;
      const assumptions = renderAssumptions(this.opts.assumptions, this.style);
      if (assumptions !== null) out.push(assumptions, '');
    }
    if (
      this.pendingHandshakes.size > 0 &&
      ev.conn !== null &&
      !(ev.type === 'handshake' && ev.handshake.side === 'response')
    )
      this.pendingHandshakeLine(ev.conn, out);
    switch (ev.type) {
      case 'frame':
        this.frame(ev, out);
        break;
      case 'message':
        if (ev.change !== undefined && (ev.change.origin !== 'wire' || ev.change.dropped !== undefined))
          out.push(this.prefix(ev.time, ev.conn, ev.dir) + this.changedMessage(ev, ev.change));
        else this.messageLines(ev, out);
        break;
      case 'handshake':
        if (this.opts.handshakes === 'line') {
          this.handshakeLine(ev, out);
          break;
        }
        if (this.opts.connections)
          out.push(this.prefix(ev.time, ev.conn) + this.style.dim(`handshake ${ev.handshake.side}`));
        out.push(renderHandshake(ev, this.style), '');
        break;
      case 'diagnostic':
        out.push(this.prefix(ev.time, ev.conn, ev.dir) + this.diagnostic(ev));
        break;
      case 'connection':
        this.endpoints.set(ev.conn, this.endpointPrefixes(ev.conn, ev.client, ev.server));
        out.push(
          this.prefix(ev.time, null) +
            this.style.heading(
              `Connection ${ev.conn}: ${escapeForTerminal(ev.client)} → ${escapeForTerminal(ev.server)}`,
            ) +
            this.style.dim(connectionDetail(ev)),
        );
        if (this.learnTls(ev)) {
          const opening = renderTlsOpening(ev.tls!, this.style);
          if (opening !== null) out.push(opening, '');
        }
        break;
      case 'end':
        out.push(this.prefix(ev.time, ev.conn) + this.end(ev));
        this.endpoints.delete(ev.conn);
        this.tls.delete(ev.conn);
        break;
    }
    return out;
  }

  /** -s: a request waits for its response; the response (or a lone one) prints the line. */
  private handshakeLine(ev: HandshakeEvent, out: string[]): void {
    const h = ev.handshake;
    if (h.side === 'request') {
      this.pendingHandshakeLine(ev.conn, out);
      this.pendingHandshakes.set(ev.conn, { time: ev.time, req: h, res: null });
      return;
    }
    const pending = this.pendingHandshakes.get(ev.conn);
    this.pendingHandshakes.delete(ev.conn);
    out.push(
      this.prefix(pending?.time ?? ev.time, ev.conn) +
        renderHandshakeLine(pending?.req ?? null, h, this.style, this.opts.details === true),
    );
  }

  /** The line of a request still waiting (answered by a hidden response, or never), if any. */
  private pendingHandshakeLine(conn: number, out: string[]): void {
    const pending = this.pendingHandshakes.get(conn);
    if (pending === undefined) return;
    this.pendingHandshakes.delete(conn);
    out.push(
      this.prefix(pending.time, conn) +
        renderHandshakeLine(pending.req, pending.res, this.style, this.opts.details === true),
    );
  }

  private frame(ev: FrameEvent, out: string[]): void {
    if (this.opts.frames === 'none') return;
    if (ev.heartbeat === true && this.opts.showHeartbeats !== true && this.opts.frames === 'line') {
      this.folded.set(ev.conn, (this.folded.get(ev.conn) ?? 0) + 1);
      return;
    }
    if (this.opts.frames === 'line') {
      const details = this.opts.details === true ? renderDiagnosticDetails(frameEventDiagnostics(ev), this.style) : '';
      out.push(
        this.prefix(ev.time, ev.conn, ev.dir) +
          renderFrameSummary(ev, this.style, { arrow: !this.opts.connections, maxPayload: this.opts.maxPayload }) +
          details,
      );
      return;
    }
    if (this.opts.connections)
      out.push(
        this.prefix(ev.time, ev.conn, ev.dir) +
          renderFrameSummary(ev, this.style, { arrow: false, maxPayload: this.opts.maxPayload }),
      );
    out.push(
      this.style.dim(RULE),
      renderFrameView(ev, this.style, {
        explain: this.opts.explain,
        maxPayload: this.opts.detailPayload ?? this.opts.maxPayload,
        assumptions: [],
      }),
      '',
    );
    const tls = this.tls.size === 0 ? undefined : this.tls.get(ev.conn);
    if (tls !== undefined && ev.capture !== undefined) {
      const records = renderFrameTlsRecords(tls, ev.dir, ev.capture.streamStart, ev.capture.streamEnd, this.style);
      if (records !== null) out.push(records, '');
    }
  }

  /** --tls-detail: keeps a decrypted connection's record log; true when it has one. */
  private learnTls(ev: ConnectionEvent): boolean {
    if (this.opts.tlsDetail !== true || ev.tls?.records === undefined) return false;
    this.tls.set(ev.conn, ev.tls);
    return true;
  }

  private endpointPrefixes(conn: number, client: string, server: string): ConnectionPrefixes {
    const s = this.style;
    const tag = s.bold(`[${conn}]`) + ' ';
    const c = escapeForTerminal(client);
    const v = escapeForTerminal(server);
    const c2s = tag + s.direction('c2s')(`${c} → ${v}`) + ' ';
    const s2c = tag + s.direction('s2c')(`${v} → ${c}`) + ' ';
    return { conn: tag, c2s, s2c, bytes: { c2s: encoder.encode(c2s), s2c: encoder.encode(s2c) } };
  }

  /** "  0.000123 [1] 127.0.0.1:50000 → 127.0.0.1:8080  " — whatever the options ask for. */
  private prefix(time: Timestamp, conn: number | null, dir?: 'c2s' | 's2c'): string {
    let out = '';
    if (this.opts.time !== 'none') out += this.style.dim(this.formatTime(time)) + ' ';
    if (!this.opts.connections || conn === null) return out;
    const ends = this.endpoints.get(conn);
    if (ends === undefined) return out + this.style.bold(`[${conn}]`) + ' ';
    return out + (dir === undefined ? ends.conn : ends[dir]);
  }

  private formatTime(time: Timestamp): string {
    if (time === null) return '-'.padStart(11);
    this.firstTime ??= time;
    const mode = this.opts.time;
    // many lines share a packet's timestamp: the text is made once per (time, what it counts from)
    const from = mode === 'delta' ? (this.previousTime ?? time) : mode === 'absolute' ? 0 : this.firstTime;
    this.previousTime = time;
    if (time === this.timeMemo.time && from === this.timeMemo.from) return this.timeMemo.text;
    let text: string;
    if (mode === 'absolute')
      text = new Date(Math.floor(time * 1000)).toISOString().slice(0, 19) + (time % 1).toFixed(6).slice(1) + 'Z';
    else text = this.seconds.format(time - from);
    text = text.padStart(11);
    this.timeMemo.time = time;
    this.timeMemo.from = from;
    this.timeMemo.text = text;
    return text;
  }

  private message(ev: MessageEvent): string {
    const s = this.style;
    const kind = ev.opcode === 1 ? 'text' : 'binary';
    const frames =
      ev.firstFrame === ev.lastFrame ? `frame #${ev.firstFrame}` : `frames #${ev.firstFrame}–#${ev.lastFrame}`;
    // a message-only source (HAR, NDJSON) has no frames to name
    const from = ev.frames === 0 ? '' : ` from ${ev.frames} ${ev.frames === 1 ? 'frame' : 'fragments'} (${frames})`;
    const size =
      ev.compressed && ev.inflate ? `${ev.inflate.compressedLength} B compressed → ${ev.length} B` : `${ev.length} B`;
    const body =
      ev.opcode === 1
        ? `"${previewUtf8(ev.data, Math.min(this.opts.maxPayload, 120))}"`
        : previewBytes(ev.data, Math.min(this.opts.maxPayload, 48));
    const state = ev.complete ? '' : s.warning(' (incomplete)');
    const arrow = this.opts.connections ? '' : s.direction(ev.dir)(directionArrow(ev.dir)) + ' ';
    let line = `${arrow}${s.bold(`${kind} message`)}${from}, ${size}${state}: ${body}`;
    for (const d of ev.diagnostics) line += '\n  ' + renderDiagnosticLine(d, s);
    return line;
  }

  /** A message the proxy changed, added or dropped: `modified text message, 35 B → 33 B: "old" → "new"`. */
  private changedMessage(ev: MessageEvent, change: ChangeMark): string {
    const s = this.style;
    const body = (opcode: number, data: Uint8Array): string =>
      opcode === 1
        ? `"${previewUtf8(data, Math.min(this.opts.maxPayload, 120))}"`
        : previewBytes(data, Math.min(this.opts.maxPayload, 48));
    const kind = ev.opcode === 1 ? 'text' : 'binary';
    const arrow = this.opts.connections ? '' : s.direction(ev.dir)(directionArrow(ev.dir)) + ' ';
    if (change.dropped !== undefined)
      return `${arrow}${s.warning(`dropped ${kind} message`)}, ${ev.length} B: ${body(ev.opcode, ev.data)} ${s.dim(`(${escapeForTerminal(change.dropped)})`)}`;
    if (change.origin === 'injected')
      return `${arrow}${s.bold(`injected ${kind} message`)}, ${ev.length} B: ${body(ev.opcode, ev.data)}`;
    const old = change.original ?? { opcode: ev.opcode, data: ev.data };
    return `${arrow}${s.bold(`modified ${kind} message`)}, ${old.data.length} B → ${ev.length} B: ${body(old.opcode, old.data)} → ${body(ev.opcode, ev.data)}`;
  }

  /** A message: its line where frame lines do not show it, then what a view understood of it. */
  private messageLines(ev: MessageEvent, out: string[]): void {
    const app = ev.app;
    const heartbeats = this.opts.showHeartbeats === true;
    const folded = app !== undefined && !heartbeats && app.items.every((i) => i.heartbeat === true);
    if (folded && this.opts.frames !== 'full') return;
    const shown = this.opts.messages === 'all' || ev.frames > 1 || !ev.complete;
    if (shown) out.push(this.prefix(ev.time, ev.conn, ev.dir) + this.message(ev));
    if (app !== undefined && this.opts.frames === 'full')
      out.push(
        renderAppDetail(app, ev.pair, this.style, this.opts.detailPayload ?? this.opts.maxPayload, ev.answers),
        '',
      );
    // the frame line (or message line) above shows plain JSON already
    else if (app !== undefined)
      for (const line of appSummaryLines(app, this.style, heartbeats))
        out.push(this.prefix(ev.time, ev.conn, ev.dir) + line);
    // the view's problems, where the message line (which lists every diagnostic) is not drawn
    if (!shown && ev.appDiagnostics !== undefined)
      for (const d of ev.appDiagnostics)
        out.push(this.prefix(ev.time, ev.conn, ev.dir) + this.style.dim('↳ ') + renderDiagnosticLine(d, this.style));
  }

  private diagnostic(ev: DiagnosticEvent): string {
    return renderDiagnosticLine(ev.diagnostic, this.style);
  }

  private end(ev: EndEvent): string {
    const s = this.style;
    const what = this.opts.connections ? `connection ${ev.conn} ended` : 'end of input';
    const frames = ev.frames.c2s + ev.frames.s2c;
    const messages = ev.messages.c2s + ev.messages.s2c;
    // a recording (HAR) has messages but no frames
    if (frames === 0 && messages > 0)
      return s.dim(
        `${what} (${ev.reason}): ${count(messages, 'message')} (${ev.messages.c2s} client→server, ${ev.messages.s2c} server→client)`,
      );
    const folded = this.folded.get(ev.conn) ?? 0;
    this.folded.delete(ev.conn);
    return s.dim(
      `${what} (${ev.reason}): ` +
        `${count(ev.frames.c2s + ev.frames.s2c, 'frame')} (${ev.frames.c2s} client→server, ${ev.frames.s2c} server→client), ` +
        count(ev.messages.c2s + ev.messages.s2c, 'message') +
        (folded === 0 ? '' : `, ${count(folded, 'keep-alive frame')} folded (--show-heartbeats lists them)`),
    );
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * After a connection's addresses: for the proxy, the URL (or host) the client asked for and
 * its TLS; for a recording, which kind; for a capture, how the connection was found.
 */
function connectionDetail(ev: ConnectionEvent): string {
  if (ev.source !== undefined) return ` (from a ${ev.source === 'har' ? 'HAR' : 'wsinspect --json'} recording)`;
  if (ev.host === undefined)
    return ` (found by ${ev.detectedBy}${ev.tls === undefined ? '' : `; ${tlsSummary(ev.tls)}`})`;
  const where = escapeForTerminal(ev.url ?? ev.host);
  const tls = ev.tls;
  if (tls === undefined) return ` ${where}`;
  const version = tls.version ?? 'TLS';
  return ` ${where} (${version} ${tls.decrypted ? 'intercepted' : 'not intercepted'}${tls.sni === null ? '' : `, SNI ${escapeForTerminal(tls.sni)}`})`;
}

/** A capture's decrypted TLS: "TLS 1.3 TLS_AES_128_GCM_SHA256, SNI example.com, ALPN http/1.1, decrypted with the key log". */
function tlsSummary(tls: TlsInfo): string {
  const parts = [`${tls.version ?? 'TLS'}${tls.cipher === null ? '' : ` ${tls.cipher}`}`];
  if (tls.sni !== null) parts.push(`SNI ${escapeForTerminal(tls.sni)}`);
  if (tls.alpn !== null) parts.push(`ALPN ${escapeForTerminal(tls.alpn)}`);
  parts.push(tls.decrypted ? 'decrypted with the key log' : 'not decrypted');
  return parts.join(', ');
}
