// Tells a WebSocket connection from anything else the proxy relays, by its first request
// head, with the rules captures use (protocol/upgrade-detection): a client that attempts an
// upgrade (RFC 6455 §4.1: Upgrade: websocket, or a Sec-WebSocket-Key) is decoded — including
// its mistakes — and numbered; anything else is relayed untouched and shown as one note that
// says what it was (plain HTTP with its status, not HTTP, a blind TLS tunnel).
// Only WebSocket connections get numbers, in the order they are recognised, as a capture
// numbers them: the live view and `wsinspect FILE` of its recording name a connection alike.
// Layer rule: sources/ — pure bookkeeping beside the proxy's sockets.
import { diagnostic, type DiagnosticCode } from '../../protocol/diagnostic-catalogue.js';
import {
  StreamStart,
  classifyStreamStart,
  findHeadEnd,
  firstLine,
  isWebSocketUpgradeRequest,
  parseRequestLine,
} from '../../protocol/upgrade-detection.js';
import type { ProxyDestination, RelayedConnection, StreamEvent, Timestamp } from '../../session/events.js';

export type UpgradeVerdict =
  | { readonly kind: 'websocket'; readonly target: string | null }
  | { readonly kind: 'http'; readonly request: string; readonly target: string }
  | { readonly kind: 'other'; readonly what: string };

/** A head this large without its end is not an opening handshake we could decode anyway. */
const MAX_SNIFF = 64 * 1024;
/** A request line this long without its end is not one. */
const MAX_LINE = 8192;
const TLS_HANDSHAKE_RECORD = 0x16;

/** Decides from the bytes the client sent first; null while the head is incomplete. */
export function sniffUpgrade(start: Buffer): UpgradeVerdict | null {
  const kind = classifyStreamStart(start);
  if (kind === StreamStart.needMore) return null;
  if (kind !== StreamStart.httpRequest) return notHttp(start);
  const text = firstLine(start);
  // a request line still arriving: wait for it, within reason
  if (text === null) return start.length < MAX_LINE ? null : notHttp(start);
  const line = parseRequestLine(text);
  if (line === null) return notHttp(start);
  // wire text, quoted as it came: renderers escape what reaches a terminal (render/escape.ts)
  const request = `"${line.method} ${line.target.slice(0, 200)}"`;
  const end = findHeadEnd(start);
  if (end < 0)
    return start.length > MAX_SNIFF
      ? { kind: 'other', what: `HTTP request ${request} with a head over 64 KiB: relayed, not decoded` }
      : null;
  if (isWebSocketUpgradeRequest(start, end)) return { kind: 'websocket', target: line.target };
  return { kind: 'http', request, target: line.target };
}

function notHttp(start: Buffer): UpgradeVerdict {
  const first = Array.from(start.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const tls = start[0] === TLS_HANDSHAKE_RECORD && start[1] === 3 ? ' (a TLS handshake: the client speaks TLS)' : '';
  return {
    kind: 'other',
    what: `not HTTP: the client's first bytes are ${first}${start.length > 8 ? ' …' : ''}${tls}; relayed as plain TCP, not decoded`,
  };
}

/** The URL a request target names on a connection to `origin` (origin-form, or already absolute). */
export function requestUrl(origin: string, target: string | null): string | undefined {
  if (target === null) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target;
  return target.startsWith('/') ? origin + target : undefined;
}

/**
 * Sits between the proxy's StreamEvents and the decoder: holds each connection's events until
 * the verdict, then releases them under the connection's number (WebSocket) or says what the
 * connection was in one note and drops the rest (anything else; a plain HTTP request's note
 * waits for the status line of its response). Only references are held, never copies; the
 * relay and the recording never wait for it.
 */
export class UpgradeSniffer {
  private readonly pending = new Map<number, Sniffing>();
  /** Source connection → its number as shown. */
  private readonly numbers = new Map<number, number>();
  private readonly others = new Map<number, Relayed>();
  private count = 0;

  constructor(private readonly emit: (event: StreamEvent) => void) {}

  /** The number a source connection is shown under (once recognised as WebSocket), else undefined. */
  shown(conn: number): number | undefined {
    return this.numbers.get(conn);
  }

  handle(event: StreamEvent): void {
    const conn = event.conn;
    if (conn === null) return this.emit(event);
    const final = event.kind === 'end' && event.dir === undefined;
    const shown = this.numbers.get(conn);
    if (shown !== undefined) {
      // numbered as it came (every connection so far was WebSocket): the event as it is, no copy per chunk
      this.emit(shown === conn ? event : { ...event, conn: shown });
      if (final) this.numbers.delete(conn);
    } else if (event.kind === 'open') this.opened(conn, event);
    else if (this.pending.has(conn)) this.sniff(conn, this.pending.get(conn)!, event);
    else if (this.others.has(conn)) this.relayed(conn, this.others.get(conn)!, event);
    // a connection the proxy could not serve (never opened): its problem, without a number
    else if (event.kind === 'diagnostic') this.emit({ ...event, conn: null });
  }

  private opened(conn: number, open: Extract<StreamEvent, { kind: 'open' }>): void {
    const about = relayedConnection(open);
    if (open.destination?.blind === true) {
      this.others.set(conn, { about, status: [], noted: true, request: null, time: open.time });
      const how = 'TLS tunnel relayed without interception (--no-intercept): its WebSocket traffic is not shown';
      this.note(about, 'proxy.tls-not-intercepted', how, open.time);
      return;
    }
    this.pending.set(conn, { open, held: [], start: [], size: 0, serverBytes: 0 });
  }

  private sniff(conn: number, s: Sniffing, event: StreamEvent): void {
    s.held.push(event);
    let verdict: UpgradeVerdict | null = null;
    if (event.kind === 'data' && event.dir === 'c2s') {
      s.start.push(Buffer.from(event.bytes.buffer, event.bytes.byteOffset, event.bytes.byteLength));
      s.size += event.bytes.length;
      verdict = sniffUpgrade(s.start.length === 1 ? s.start[0] : Buffer.concat(s.start, s.size));
    } else if (event.kind === 'data') {
      s.serverBytes += event.bytes.length;
      // a server that talks first and at length is no WebSocket server
      if (s.serverBytes > MAX_SNIFF) verdict = { kind: 'other', what: 'the server talks first: relayed, not decoded' };
    } else if (event.kind === 'end') {
      // the client stopped before its head was complete: let the decoder say what it saw
      verdict =
        s.size > 0
          ? { kind: 'websocket', target: null }
          : { kind: 'other', what: 'the client sent nothing: relayed, not decoded' };
    }
    if (verdict !== null) this.decide(conn, s, verdict, event.time);
  }

  private decide(conn: number, s: Sniffing, verdict: UpgradeVerdict, time: Timestamp): void {
    this.pending.delete(conn);
    if (verdict.kind === 'websocket') {
      const shown = ++this.count;
      this.numbers.set(conn, shown);
      const url = s.open.destination === undefined ? undefined : requestUrl(s.open.destination.origin, verdict.target);
      this.emit({ ...s.open, conn: shown, ...(url === undefined ? {} : { url }) });
      for (const ev of s.held) this.emit({ ...ev, conn: shown });
      return;
    }
    const about = relayedConnection(s.open, verdict.kind === 'http' ? verdict.target : null);
    const relayed: Relayed = {
      about,
      status: [],
      noted: verdict.kind === 'other',
      request: verdict.kind === 'http' ? verdict.request : null,
      time,
    };
    this.others.set(conn, relayed);
    if (verdict.kind === 'other') this.note(about, 'proxy.not-websocket', verdict.what, time);
    for (const ev of s.held) this.relayed(conn, relayed, ev);
  }

  /** Events of a connection that is not WebSocket: a plain HTTP request's note waits for its status line. */
  private relayed(conn: number, r: Relayed, event: StreamEvent): void {
    if (event.kind === 'diagnostic') this.emit({ ...event, conn: null, about: r.about });
    if (!r.noted && event.kind === 'data' && event.dir === 's2c') {
      r.status.push(Buffer.from(event.bytes.buffer, event.bytes.byteOffset, event.bytes.byteLength));
      const head = Buffer.concat(r.status);
      const line = firstLine(head);
      if (line !== null || head.length > MAX_LINE) {
        const status = line === null ? null : /^HTTP\/\d\.\d (\d{3}(?: .*)?)$/.exec(line);
        const answer =
          status === null ? 'answered with something that is not HTTP' : `answered "${status[1].slice(0, 200)}"`;
        this.httpNote(r, answer, event.time);
      }
    }
    if (event.kind === 'end' && event.dir === undefined) {
      if (!r.noted) this.httpNote(r, 'no response', event.time);
      this.others.delete(conn);
    }
  }

  private httpNote(r: Relayed, answer: string, time: Timestamp): void {
    r.noted = true;
    r.status = [];
    const what = `plain HTTP request ${r.request} (not a WebSocket upgrade), ${answer}: relayed, not decoded`;
    this.note(r.about, 'proxy.not-websocket', what, time);
  }

  private note(about: RelayedConnection, code: DiagnosticCode, what: string, time: Timestamp): void {
    const where = `${about.client} → ${about.server}${about.host === undefined ? '' : ` (${about.url ?? about.host})`}`;
    this.emit({ kind: 'diagnostic', conn: null, diagnostic: diagnostic(code, `${where}: ${what}`), time, about });
  }
}

function relayedConnection(
  open: Extract<StreamEvent, { kind: 'open' }>,
  target: string | null = null,
): RelayedConnection {
  const d: ProxyDestination | undefined = open.destination;
  const url = d === undefined ? undefined : requestUrl(d.origin.replace(/^ws/, 'http'), target);
  return {
    client: open.endpoints.client,
    server: open.endpoints.server,
    ...(d === undefined ? {} : { host: d.host }),
    ...(url === undefined ? {} : { url }),
    ...(d?.tls === undefined ? {} : { tls: d.tls }),
  };
}

interface Sniffing {
  readonly open: Extract<StreamEvent, { kind: 'open' }>;
  readonly held: StreamEvent[];
  start: Buffer[];
  size: number;
  serverBytes: number;
}

interface Relayed {
  readonly about: RelayedConnection;
  /** The response's first bytes, until its status line is complete. */
  status: Buffer[];
  noted: boolean;
  /** A plain HTTP request as quoted for the note, or null. */
  readonly request: string | null;
  readonly time: Timestamp;
}
