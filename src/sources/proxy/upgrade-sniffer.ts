// Tells a WebSocket connection from anything else the proxy relays, by its first request
// head, with the rules captures use (protocol/upgrade-detection): a client that attempts an
// upgrade (RFC 6455 §4.1: Upgrade: websocket, or a Sec-WebSocket-Key) is decoded — including
// its mistakes; plain HTTP or other TCP is relayed untouched and shown only as a connection
// with one note (the recording keeps it all).
// Layer rule: sources/ — pure bookkeeping beside the proxy's sockets.
import { diagnostic } from '../../protocol/diagnostic-catalogue.js';
import {
  StreamStart,
  classifyStreamStart,
  findHeadEnd,
  firstLine,
  isWebSocketUpgradeRequest,
  parseRequestLine,
} from '../../protocol/upgrade-detection.js';
import type { StreamEvent } from '../../session/events.js';

export type UpgradeVerdict = { readonly kind: 'websocket' } | { readonly kind: 'other'; readonly what: string };

/** A head this large without its end is not an opening handshake we could decode anyway. */
const MAX_SNIFF = 64 * 1024;
/** A request line this long without its end is not one. */
const MAX_LINE = 8192;
const NOT_HTTP: UpgradeVerdict = {
  kind: 'other',
  what: 'the client does not speak HTTP: relayed as plain TCP, not decoded',
};

/** Decides from the bytes the client sent first; null while the head is incomplete. */
export function sniffUpgrade(start: Buffer): UpgradeVerdict | null {
  const kind = classifyStreamStart(start);
  if (kind === StreamStart.needMore) return null;
  if (kind !== StreamStart.httpRequest) return NOT_HTTP;
  const text = firstLine(start);
  // a request line still arriving: wait for it, within reason
  if (text === null) return start.length < MAX_LINE ? null : NOT_HTTP;
  const line = parseRequestLine(text);
  if (line === null) return NOT_HTTP;
  const request = `"${line.method} ${line.target.slice(0, 200)}"`;
  const end = findHeadEnd(start);
  if (end < 0)
    return start.length > MAX_SNIFF
      ? { kind: 'other', what: `HTTP request ${request} with a head over 64 KiB: relayed, not decoded` }
      : null;
  if (isWebSocketUpgradeRequest(start, end)) return { kind: 'websocket' };
  return { kind: 'other', what: `plain HTTP request ${request} (not a WebSocket upgrade): relayed, not decoded` };
}

/**
 * Sits between the proxy's StreamEvents and the decoder: holds each connection's events until
 * the verdict, then releases them (WebSocket) or drops its data from then on and says why in
 * one note (anything else). Only references are held, never copies; the relay and the
 * recording never wait for it.
 */
export class UpgradeSniffer {
  private readonly pending = new Map<number, Sniffing>();
  private readonly others = new Set<number>();

  constructor(private readonly emit: (event: StreamEvent) => void) {}

  handle(event: StreamEvent): void {
    const conn = event.conn;
    const final = event.kind === 'end' && event.dir === undefined;
    if (conn === null) return this.emit(event);
    if (event.kind === 'open') {
      this.pending.set(conn, { held: [], start: [], size: 0, serverBytes: 0 });
      return this.emit(event);
    }
    const sniffing = this.pending.get(conn);
    if (sniffing !== undefined) this.sniff(conn, sniffing, event);
    else if (!this.others.has(conn) || event.kind !== 'data') this.emit(event);
    if (final) this.others.delete(conn);
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
      if (s.serverBytes > MAX_SNIFF) verdict = NOT_HTTP;
    } else if (event.kind === 'end') {
      // the client stopped before its head was complete: let the decoder say what it saw
      verdict = { kind: 'websocket' };
    }
    if (verdict !== null) this.decide(conn, s, verdict);
  }

  private decide(conn: number, s: Sniffing, verdict: UpgradeVerdict): void {
    this.pending.delete(conn);
    if (verdict.kind === 'other') {
      this.others.add(conn);
      this.emit({
        kind: 'diagnostic',
        conn,
        diagnostic: diagnostic('proxy.not-websocket', verdict.what),
        time: s.held[0].time,
      });
    }
    for (const ev of s.held) if (verdict.kind === 'websocket' || ev.kind !== 'data') this.emit(ev);
  }
}

interface Sniffing {
  readonly held: StreamEvent[];
  start: Buffer[];
  size: number;
  serverBytes: number;
}
