// HAR recordings (Chrome/Edge DevTools, mitmproxy ≥ 10, HTTP Toolkit) as decoded events: every
// entry with `_webSocketMessages` is a connection; its request and response headers are the
// handshake (parsed as the wire's would be, so the Accept check and the negotiation are the
// same); its messages are message events (`send` → c2s, `receive` → s2c). A HAR has no frame
// headers: one note says so. Read incrementally (har-scanner.ts): messages are handed on as the
// file is read, never the whole file held. Layer rule: sources/ — reading input.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { parseHandshakeRequest } from '../protocol/handshake-request.js';
import { parseHandshakeResponse } from '../protocol/handshake-response.js';
import type { HandshakeRequest } from '../protocol/handshake-types.js';
import type { Direction, InspectEvent, PerDirection, Timestamp } from '../session/events.js';
import { HarScanner, type HarSyntaxError } from './har-scanner.js';

const encoder = new TextEncoder();
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

interface OpenConnection {
  readonly conn: number;
  readonly entry: number;
  request: HandshakeRequest | null;
  messages: number;
  lastTime: Timestamp;
  readonly count: { frames: PerDirection<number>; messages: PerDirection<number>; bytes: PerDirection<number> };
}

/** Time as HAR tools write it: epoch seconds (Chrome), or an ISO 8601 string; null when neither. */
function harTime(value: unknown): Timestamp {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  return null;
}

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** HAR headers ([{name, value}]) as HTTP head lines; HTTP/2 pseudo-headers (":authority") left out. */
function headLines(headers: unknown): string[] {
  if (!Array.isArray(headers)) return [];
  const lines: string[] = [];
  for (const h of headers) {
    const r = record(h);
    if (r === null || typeof r.name !== 'string' || typeof r.value !== 'string') continue;
    if (r.name.startsWith(':') || /[\r\n]/.test(r.name + r.value)) continue;
    lines.push(`${r.name}: ${r.value}`);
  }
  return lines;
}

function httpVersion(value: unknown): string {
  return typeof value === 'string' && /^HTTP\/\d(\.\d)?$/i.test(value) ? value.toUpperCase() : 'HTTP/1.1';
}

/** Where a request without a head is shown (its problem is said by the caller). */
const NO_URL: { path: string; server: string; problem?: string } = { path: '/', server: '?' };

/**
 * "ws://host:8080/chat?x" → { path: "/chat?x", server: "host:8080" }; a url that is not one
 * gives path "/" and server "?", and the problem to report.
 */
function urlParts(url: unknown): { path: string; server: string; problem?: string } {
  const unknown = 'the path is shown as / and the server as ?';
  if (typeof url !== 'string')
    return {
      path: '/',
      server: '?',
      problem:
        url === undefined
          ? `request.url is missing: ${unknown}`
          : `request.url is ${short(url)}, not a string: ${unknown}`,
    };
  try {
    const u = new URL(url);
    const secure = u.protocol === 'wss:' || u.protocol === 'https:';
    const port = u.port !== '' ? u.port : secure ? '443' : '80';
    return { path: (u.pathname || '/') + u.search, server: `${u.hostname}:${port}` };
  } catch {
    return { path: '/', server: '?', problem: `request.url ${short(url)} is not a URL: ${unknown}` };
  }
}

/** A response's status: a number, or a string of three digits (read with a problem), else null. */
function responseStatus(value: unknown): { status: number | null; problem?: string } {
  if (typeof value === 'number') return { status: value };
  if (typeof value === 'string' && /^\d{3}$/.test(value))
    return {
      status: Number(value),
      problem: `response.status is the string ${short(value)}, not a number: read as ${value}`,
    };
  return {
    status: null,
    problem: `response.status is ${value === undefined ? 'missing' : `${short(value)}, not a number`}: the response is not shown`,
  };
}

/** A head's headers: an array, or missing; anything else is a problem. */
function headersProblem(side: 'request' | 'response', headers: unknown): string | undefined {
  return headers === undefined || Array.isArray(headers)
    ? undefined
    : `${side}.headers is ${short(headers)}, not an array: the ${side} is not shown`;
}

/**
 * Turns the scanner's entries and messages into events, in file order: a connection, its
 * handshake, its messages, its end. `emit` gets every event as soon as it is known.
 */
export class HarEvents {
  private readonly scanner: HarScanner;
  private open: OpenConnection | null = null;
  private conns = 0;
  private saidMessagesOnly = false;
  /** Messages of an entry whose head (request, response) comes after them: held until the entry ends. */
  private held: { value: unknown; offset: number }[] = [];
  private brokenEntry = -1;

  constructor(private readonly emit: (event: InspectEvent) => void) {
    this.scanner = new HarScanner({
      entryHead: (head, entry) => this.entryHead(head, entry),
      message: (value, entry, offset) => this.message(value, entry, offset),
      entry: (value, entry, _offset, messages) => this.entry(value, entry, messages),
      broken: (error, entry) => this.broken(error, entry),
    });
  }

  get connections(): number {
    return this.conns;
  }

  get foundEntries(): boolean {
    return this.scanner.foundEntries;
  }

  push(chunk: Uint8Array): void {
    this.scanner.push(chunk);
  }

  /** The end of the file (HarSyntaxError when it ends inside the document: the open connection ends first). */
  end(): void {
    try {
      this.scanner.end();
    } finally {
      if (this.open !== null) this.finishConnection(this.open, null, null);
    }
  }

  /** The input stopped early (a read error, a broken file): the open connection ends as input-ended. */
  stop(): void {
    if (this.open !== null) this.finishConnection(this.open, null, null);
  }

  private entryHead(head: Record<string, unknown>, entry: number): void {
    if (record(head.request) === null) return; // messages first: held until the entry ends
    this.openConnection(head, entry);
  }

  private openConnection(head: Record<string, unknown>, entry: number): OpenConnection {
    const conn = ++this.conns;
    const request = record(head.request);
    const response = record(head.response);
    // wrong fields of the entry: said once the connection is listed, and decoding goes on
    const problems: string[] = [];
    if (head.request !== undefined && request === null)
      problems.push(`request is ${short(head.request)}, not an object: the request is not shown`);
    const { path, server, problem: urlProblem } = request === null ? NO_URL : urlParts(request.url);
    if (urlProblem !== undefined) problems.push(urlProblem);
    const started = harTime(head.startedDateTime);
    if (head.startedDateTime !== undefined && started === null)
      problems.push(
        `startedDateTime ${short(head.startedDateTime)} is neither an ISO date nor epoch seconds: the connection has no start time`,
      );
    if (!this.saidMessagesOnly) {
      this.saidMessagesOnly = true;
      this.emit({ type: 'diagnostic', conn: null, time: null, diagnostic: diagnostic('har.messages-only') });
    }
    const ip = typeof head.serverIPAddress === 'string' && head.serverIPAddress !== '' ? head.serverIPAddress : null;
    const serverAddress = ip === null ? server : `${ip.includes(':') ? `[${ip}]` : ip}:${server.split(':').pop()}`;
    this.emit({
      type: 'connection',
      conn,
      time: started,
      client: 'client',
      server: serverAddress,
      detectedBy: 'handshake',
      source: 'har',
    });
    const open: OpenConnection = {
      conn,
      entry,
      request: null,
      messages: 0,
      lastTime: started,
      count: { frames: { c2s: 0, s2c: 0 }, messages: { c2s: 0, s2c: 0 }, bytes: { c2s: 0, s2c: 0 } },
    };
    const requestLines = headLines(request?.headers);
    const requestHeadersProblem = headersProblem('request', request?.headers);
    if (requestHeadersProblem !== undefined) problems.push(requestHeadersProblem);
    if (request !== null && requestLines.length > 0) {
      const method = typeof request.method === 'string' && /^[A-Z]+$/.test(request.method) ? request.method : 'GET';
      const head = `${method} ${path} ${httpVersion(request.httpVersion)}\r\n${requestLines.join('\r\n')}\r\n\r\n`;
      open.request = parseHandshakeRequest(encoder.encode(head));
      this.emit({ type: 'handshake', conn, time: started, handshake: open.request });
    }
    const responseLines = headLines(response?.headers);
    if (head.response !== undefined && response === null)
      problems.push(`response is ${short(head.response)}, not an object: the response is not shown`);
    const { status, problem: statusProblem } = responseStatus(response?.status);
    if (response !== null && statusProblem !== undefined) problems.push(statusProblem);
    const responseHeadersProblem = headersProblem('response', response?.headers);
    if (responseHeadersProblem !== undefined) problems.push(responseHeadersProblem);
    if (response !== null && status !== null && responseLines.length > 0) {
      const reason = typeof response.statusText === 'string' ? response.statusText.replace(/[\r\n]/g, ' ') : '';
      const head = `${httpVersion(response.httpVersion)} ${status} ${reason}\r\n${responseLines.join('\r\n')}\r\n\r\n`;
      this.emit({
        type: 'handshake',
        conn,
        time: started,
        handshake: parseHandshakeResponse(encoder.encode(head), open.request),
      });
    }
    for (const problem of problems)
      this.emit({ type: 'diagnostic', conn, time: started, diagnostic: diagnostic('har.entry.invalid', problem) });
    this.open = open;
    return open;
  }

  private message(value: unknown, entry: number, offset: number): void {
    const open = this.open;
    if (open === null || open.entry !== entry) {
      this.held.push({ value, offset });
      return;
    }
    this.emitMessage(open, value);
  }

  private emitMessage(open: OpenConnection, value: unknown): void {
    const m = record(value);
    const problems: Diagnostic[] = [];
    const time = harTime(m?.time);
    if (m !== null && m.time !== undefined && time === null)
      problems.push(
        diagnostic('har.message.invalid', `time ${short(m.time)} is neither epoch seconds nor an ISO date`),
      );
    if (time !== null) open.lastTime = time;
    if (m === null) {
      problems.push(diagnostic('har.message.invalid', `a message that is not an object: ${short(value)}`));
      this.emit({ type: 'diagnostic', conn: open.conn, time: open.lastTime, diagnostic: problems[0] });
      return;
    }
    if (m.type === 'error' || m.opcode === -1) {
      const text = typeof m.data === 'string' ? m.data : 'no detail recorded';
      this.emit({
        type: 'diagnostic',
        conn: open.conn,
        time,
        diagnostic: diagnostic('har.message.error', `the browser recorded an error: ${text}`),
      });
      return;
    }
    let dir: Direction = 'c2s';
    if (m.type === 'receive') dir = 's2c';
    else if (m.type !== 'send')
      problems.push(
        diagnostic('har.message.invalid', `type ${short(m.type)} is not "send" or "receive" (taken as send)`),
      );
    let opcode = m.opcode === 2 ? 2 : 1;
    if (m.opcode !== 1 && m.opcode !== 2) {
      problems.push(diagnostic('har.message.invalid', `opcode ${short(m.opcode)} is not 1 (text) or 2 (binary)`));
      if (m.opcode === undefined && typeof m.data === 'string') opcode = 1;
    }
    let data: Uint8Array = new Uint8Array(0);
    if (typeof m.data !== 'string')
      problems.push(diagnostic('har.message.invalid', `data is ${short(m.data)}, not a string`));
    else if (opcode === 1) data = encoder.encode(m.data);
    else if (!BASE64.test(m.data) || m.data.length % 4 === 1)
      problems.push(diagnostic('har.message.invalid', 'binary data is not valid base64; shown empty'));
    else data = Buffer.from(m.data, 'base64');
    open.messages += 1;
    open.count.messages[dir] += 1;
    open.count.bytes[dir] += data.length;
    this.emit({
      type: 'message',
      conn: open.conn,
      dir,
      time,
      opcode,
      // no frames were recorded: firstFrame and lastFrame number the message instead
      frames: 0,
      firstFrame: open.messages,
      lastFrame: open.messages,
      compressed: false,
      data,
      length: data.length,
      ...(opcode === 1 ? { text: typeof m.data === 'string' ? m.data : '' } : {}),
      complete: true,
      diagnostics: problems,
    });
  }

  /** The entry's end; `messages` is how many its _webSocketMessages array held, null when it was no array. */
  private entry(value: Record<string, unknown>, entry: number, messages: number | null): void {
    // _webSocketMessages of the wrong type still names a WebSocket: a connection, and why it is empty
    const wrongMessages = messages === null && value._webSocketMessages !== undefined;
    const isWebSocket = messages !== null || wrongMessages || value._resourceType === 'websocket';
    let open = this.open !== null && this.open.entry === entry ? this.open : null;
    if (open === null && isWebSocket) {
      open = this.openConnection(value, entry);
      for (const m of this.held) this.emitMessage(open, m.value);
    }
    this.held = [];
    if (open !== null && wrongMessages)
      this.emit({
        type: 'diagnostic',
        conn: open.conn,
        time: open.lastTime,
        diagnostic: diagnostic(
          'har.entry.invalid',
          `_webSocketMessages is ${short(value._webSocketMessages)}, not an array: no messages were read`,
        ),
      });
    if (open !== null) this.finishConnection(open, record(value._webSocketClose), harTime(value.startedDateTime));
  }

  private finishConnection(open: OpenConnection, close: Record<string, unknown> | null, fallback: Timestamp): void {
    this.open = null;
    const time = open.lastTime ?? fallback;
    if (close !== null) {
      const code = typeof close.code === 'number' ? close.code : null;
      const reason = typeof close.reason === 'string' && close.reason !== '' ? ` ${JSON.stringify(close.reason)}` : '';
      this.emit({
        type: 'diagnostic',
        conn: open.conn,
        time,
        diagnostic: diagnostic('har.close', `closed with ${code ?? 'no code'}${reason}`),
      });
    }
    this.emit({
      type: 'end',
      conn: open.conn,
      time,
      reason: close !== null ? 'close-handshake' : 'input-ended',
      ...open.count,
    });
  }

  private broken(error: HarSyntaxError, entry: number): void {
    if (entry === this.brokenEntry && this.open?.entry !== entry) return; // its head was reported already
    this.brokenEntry = entry;
    const conn = this.open !== null && this.open.entry === entry ? this.open.conn : null;
    this.emit({
      type: 'diagnostic',
      conn,
      time: null,
      diagnostic: diagnostic('recording.malformed', `${error.message} at byte ${error.offset}; skipped`),
    });
  }
}

/** A value from the file for a one-line message: short, and JSON-quoted so nothing is raw. */
function short(value: unknown): string {
  if (value === undefined) return 'missing';
  // 1e999 in the file: JSON.parse reads Infinity, which JSON.stringify would write as null
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} (a number out of range)`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // nested too deep for JSON.stringify's stack (JSON.parse read it): named by its kind
    text = Array.isArray(value) ? '[…]' : '{…}';
  }
  return text.length > 40 ? text.slice(0, 39) + '…' : text;
}
