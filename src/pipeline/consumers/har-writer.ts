// `--har FILE`: every WebSocket connection written as a HAR 1.2 file in the shape Chrome's
// DevTools saves ("Save all as HAR"), so DevTools (Network → Import HAR) and HTTP Toolkit open
// it: one entry per connection with `_resourceType: "websocket"`, the handshake's request and
// response, `_webSocketMessages` ({type: send|receive, time: epoch seconds, opcode, data; binary
// as base64}) and `_webSocketClose` (HTTP Toolkit's: the first Close frame's code and reason).
// Through a proxy that changes traffic, messages are what the peers got: dropped ones are left
// out, modified and injected ones carry `_origin` (and a modified one the sender's `_original`).
// Messages go to one spool file per connection as they come (memory stays bounded whatever
// the input's size); close() assembles the HAR next to its destination and renames it into
// place, so the file is always either absent or whole. Layer rule: pipeline/ — a consumer.
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
  createWriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HeaderField, HandshakeRequest, HandshakeResponse } from '../../protocol/handshake-types.js';
import type { InspectEvent, Timestamp } from '../../session/events.js';
import type { EventConsumer } from '../consumer.js';

interface ConnectionRecord {
  readonly conn: number;
  readonly client: string;
  readonly server: string;
  readonly started: Timestamp;
  request: HandshakeRequest | null;
  response: HandshakeResponse | null;
  close: { code: number | null; reason: string; time: Timestamp } | null;
  spool: string;
  fd: number | null;
  messages: number;
  last: Timestamp;
  /** Carried over TLS (a capture decrypted with its key log): the URL is wss://. */
  tls: boolean;
}

const iso = (t: Timestamp): string => new Date((t ?? 0) * 1000).toISOString();
const harHeaders = (headers: readonly HeaderField[]): string =>
  JSON.stringify(headers.map(([name, value]) => ({ name, value })));

export class HarWriter implements EventConsumer {
  /** HAR keeps whole messages. */
  readonly keepPayload = Infinity;
  private readonly spoolDir: string;
  private readonly conns = new Map<number, ConnectionRecord>();
  private closed = false;

  constructor(private readonly path: string) {
    this.spoolDir = mkdtempSync(join(tmpdir(), 'wsinspect-har-'));
  }

  event(ev: InspectEvent): void {
    switch (ev.type) {
      case 'connection':
        this.conns.set(ev.conn, {
          conn: ev.conn,
          client: ev.client,
          server: ev.server,
          started: ev.time,
          request: null,
          response: null,
          close: null,
          spool: join(this.spoolDir, `${ev.conn}.json`),
          fd: null,
          messages: 0,
          last: ev.time,
          tls: ev.tls !== undefined,
        });
        return;
      case 'handshake': {
        const c = this.conns.get(ev.conn);
        if (c === undefined) return;
        if (ev.handshake.side === 'request') c.request = ev.handshake;
        else c.response = ev.handshake;
        return;
      }
      case 'message': {
        const c = this.conns.get(ev.conn);
        if (c === undefined) return;
        // a proxy that changes traffic: the HAR holds what the peers got — a dropped message
        // is left out, a modified or injected one says so (_origin, and the sender's _original)
        const change = ev.change;
        if (change?.dropped !== undefined) return;
        const data = ev.opcode === 1 ? (ev.text ?? '') : Buffer.from(ev.data).toString('base64');
        let marks = '';
        if (change !== undefined && change.origin !== 'wire') {
          marks = `,"_origin":"${change.origin}"`;
          const o = change.original;
          if (o !== undefined)
            marks += `,"_original":${JSON.stringify(o.opcode === 1 ? new TextDecoder().decode(o.data) : Buffer.from(o.data).toString('base64'))}`;
        }
        const line = `${c.messages === 0 ? '' : ','}{"type":"${ev.dir === 'c2s' ? 'send' : 'receive'}","time":${ev.time ?? 0},"opcode":${ev.opcode},"data":${JSON.stringify(data)}${marks}}`;
        c.fd ??= openSync(c.spool, 'a');
        writeSync(c.fd, line);
        c.messages += 1;
        if (ev.time !== null) c.last = ev.time;
        return;
      }
      case 'frame': {
        const c = this.conns.get(ev.conn);
        if (c !== undefined && ev.frame.opcode === 0x8 && c.close === null)
          c.close = { code: ev.close?.code ?? null, reason: ev.close?.reason ?? '', time: ev.time };
        return;
      }
      case 'end': {
        const c = this.conns.get(ev.conn);
        if (c !== undefined && c.fd !== null) {
          closeSync(c.fd);
          c.fd = null;
        }
        return;
      }
      default:
    }
  }

  /** Writes the HAR (into a temporary file beside it, then renamed into place). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const partial = join(dirname(this.path), `.${Date.now()}-${process.pid}.har.partial`);
    const out = createWriteStream(partial);
    const write = (s: string | Uint8Array): Promise<void> =>
      new Promise((resolve, reject) => out.write(s, (err) => (err ? reject(err) : resolve())));
    try {
      await write('{"log":{"version":"1.2","creator":{"name":"wsinspect","version":"1"},"pages":[],"entries":[');
      let first = true;
      for (const c of [...this.conns.values()].sort((a, b) => a.conn - b.conn)) {
        if (c.fd !== null) {
          closeSync(c.fd);
          c.fd = null;
        }
        await write((first ? '' : ',') + this.entryHead(c) + '"_webSocketMessages":[');
        first = false;
        if (c.messages > 0) for await (const chunk of createReadStream(c.spool)) await write(chunk as Buffer);
        await write(']' + this.entryTail(c) + '}');
      }
      await write(']}}\n');
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      renameSync(partial, this.path);
    } catch (err) {
      out.destroy();
      rmSync(partial, { force: true });
      throw err;
    } finally {
      rmSync(this.spoolDir, { recursive: true, force: true });
    }
  }

  private entryHead(c: ConnectionRecord): string {
    const req = c.request;
    const res = c.response;
    const host = req?.headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? c.server;
    const target = req === null ? null : new URL(req.path, 'ws://x');
    const path = target === null ? '/' : target.pathname + target.search;
    const url = req !== null && /^wss?:\/\//i.test(req.path) ? req.path : `${c.tls ? 'wss' : 'ws'}://${host}${path}`;
    const serverIp = c.server.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const time = c.last !== null && c.started !== null ? Math.max(0, (c.last - c.started) * 1000) : 0;
    return (
      `{"startedDateTime":${JSON.stringify(iso(c.started))},"time":${time.toFixed(3)}` +
      `,"request":{"method":${JSON.stringify(req?.method ?? 'GET')},"url":${JSON.stringify(url)},"httpVersion":${JSON.stringify(req?.httpVersion ?? 'HTTP/1.1')}` +
      `,"headers":${harHeaders(req?.headers ?? [])},"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0}` +
      `,"response":{"status":${res?.status ?? 0},"statusText":${JSON.stringify(res?.reason ?? '')},"httpVersion":${JSON.stringify(res?.httpVersion ?? 'HTTP/1.1')}` +
      `,"headers":${harHeaders(res?.headers ?? [])},"cookies":[],"content":{"size":0,"mimeType":"x-unknown"},"redirectURL":"","headersSize":-1,"bodySize":-1}` +
      `,"cache":{},"timings":{"blocked":-1,"dns":-1,"connect":-1,"send":0,"wait":0,"receive":0,"ssl":-1}` +
      `,"serverIPAddress":${JSON.stringify(serverIp)},"_resourceType":"websocket",`
    );
  }

  private entryTail(c: ConnectionRecord): string {
    if (c.close === null) return '';
    return `,"_webSocketClose":{"code":${c.close.code ?? 'null'},"reason":${JSON.stringify(c.close.reason)},"timestamp":${c.close.time ?? 'null'}}`;
  }
}
