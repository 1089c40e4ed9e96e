// One client connection through the proxy, from accept to close: in reverse mode straight to
// the target; in forward mode after the client's proxy request (CONNECT tunnel, intercepted
// with the local CA when it carries TLS, or an absolute-URI request). It turns what it relays
// into StreamEvents: open, data (after forwarding), end per direction and at close.
// Layer rule: sources/ — socket I/O; decoding happens downstream of emit().
import type { Socket } from 'node:net';
import { diagnostic } from '../../protocol/diagnostic-catalogue.js';

import type { StreamEvent } from '../../session/events.js';
import { nowSeconds } from './clock.js';
import { hostPort, type ProxyTarget } from './proxy-address.js';
import { parseProxyRequest, proxyResponse, readRequestHead } from './proxy-request.js';
import { relay, resetSocket } from './relay.js';
import { terminateTls, type CertificateSource } from './tls-terminator.js';
import { connectUpstream, type UpstreamSpec } from './upstream.js';

/** Why the proxy could not serve a connection. */
type ProxyProblemCode = 'proxy.upstream-failed' | 'proxy.request-refused' | 'proxy.client-tls-failed';

export interface ConnectionSettings {
  /** Reverse mode target; null for a forward (HTTP) proxy. */
  readonly target: ProxyTarget | null;
  /** Reverse mode: terminate TLS on the listen side. */
  readonly listenTls: boolean;
  /** Forward mode: decrypt CONNECT tunnels that carry TLS (false: relay them blind). */
  readonly intercept: boolean;
  readonly insecure: boolean;
  readonly certificates: CertificateSource | null;
  /** Which upstream hosts may be contacted (default: any); others are refused before any DNS lookup. */
  readonly allowUpstream?: (host: string, port: number) => boolean;
}

export interface ProxiedConnectionHost {
  emit(event: StreamEvent): void;
  problem(conn: number, message: string): void;
}

const TLS_HANDSHAKE_RECORD = 0x16;
const CONNECT_OK = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n');

export class ProxiedConnection {
  private readonly sockets = new Set<Socket>();
  private opened = false;
  private ended = false;

  constructor(
    readonly conn: number,
    private readonly client: Socket,
    private readonly settings: ConnectionSettings,
    private readonly host: ProxiedConnectionHost,
  ) {
    this.track(client);
  }

  async serve(): Promise<void> {
    if (this.settings.target !== null) await this.reverse(this.settings.target);
    else await this.forward();
  }

  /** Shutdown (Ctrl-C): the connection ends as "input ended" and its sockets are closed. */
  abort(): void {
    if (this.opened && !this.ended)
      this.finish({ kind: 'end', conn: this.conn, reason: 'input-ended', time: nowSeconds() });
    this.ended = true;
    for (const s of this.sockets) s.destroy();
  }

  private async reverse(target: ProxyTarget): Promise<void> {
    let client: Socket = this.client;
    if (this.settings.listenTls) {
      const local = this.client.localAddress ?? 'localhost';
      const tls = await terminateTls(this.client, local, this.requireCertificates());
      if (!tls.ok) return this.problem(tls.reason, 'proxy.client-tls-failed');
      client = this.track(tls.socket);
    }
    const up = await connectUpstream({
      host: target.host,
      port: target.port,
      tls: target.tls,
      insecure: this.settings.insecure,
    });
    if (!up.ok) return this.badGateway(client, up.reason);
    this.start(client, this.track(up.socket), { decode: true });
  }

  private async forward(): Promise<void> {
    const read = await readRequestHead(this.client);
    if ('error' in read) {
      if (read.error === 'too-large')
        this.refuse(
          this.client,
          431,
          'Request Header Fields Too Large',
          'the proxy request head is larger than 64 KiB',
        );
      else this.client.destroy();
      return;
    }
    const req = parseProxyRequest(read.head);
    if (req.kind === 'invalid') return this.refuse(this.client, req.status, 'Bad Request', req.reason);
    if (this.settings.allowUpstream?.(req.host, req.port) === false) {
      return this.refuse(this.client, 403, 'Forbidden', `${hostPort(req.host, req.port)} is not an allowed upstream`);
    }
    const up = await connectUpstream({ host: req.host, port: req.port, tls: false, insecure: this.settings.insecure });
    if (!up.ok) return this.badGateway(this.client, up.reason);
    const upstream = this.track(up.socket);
    if (req.kind === 'absolute')
      return this.start(this.client, upstream, { decode: true, first: Buffer.concat([req.forward, read.rest]) });
    this.client.write(CONNECT_OK);
    const first = read.rest.length > 0 ? read.rest : await firstChunk(this.client);
    if (first === null) return this.closeAll();
    if (first[0] !== TLS_HANDSHAKE_RECORD) return this.start(this.client, upstream, { decode: true, first });
    if (!this.settings.intercept) return this.start(this.client, upstream, { decode: false, first });
    this.client.unshift(first);
    await this.intercept(req.host, req.port, upstream);
  }

  /** CONNECT carrying TLS: terminate it with our certificate, then TLS to the real server over the tunnel's TCP. */
  private async intercept(host: string, port: number, upstreamTcp: Socket): Promise<void> {
    const tls = await terminateTls(this.client, host, this.requireCertificates());
    if (!tls.ok) {
      upstreamTcp.destroy();
      return this.problem(tls.reason, 'proxy.client-tls-failed');
    }
    const client = this.track(tls.socket);
    const spec: UpstreamSpec = {
      host,
      port,
      tls: true,
      insecure: this.settings.insecure,
      servername: tls.servername ?? host,
      socket: upstreamTcp,
    };
    const up = await connectUpstream(spec);
    if (!up.ok) return this.badGateway(client, up.reason);
    this.start(client, this.track(up.socket), { decode: true });
  }

  private start(client: Socket, upstream: Socket, how: { decode: boolean; first?: Buffer }): void {
    // stopped (Ctrl-C) or the client already gone while the upstream was being reached
    if (this.ended || client.destroyed) return this.closeAll();
    const conn = this.conn;
    this.opened = true;
    const endpoints = {
      client: address(client.remoteAddress, client.remotePort),
      server: address(upstream.remoteAddress, upstream.remotePort),
    };
    this.host.emit({ kind: 'open', conn, endpoints, time: nowSeconds(), detectedBy: 'handshake' });
    if (!how.decode) {
      const note = diagnostic(
        'proxy.tls-not-intercepted',
        'TLS tunnel relayed without interception (--no-intercept): its WebSocket traffic is not shown',
      );
      this.host.emit({ kind: 'diagnostic', conn, diagnostic: note, time: nowSeconds() });
    }
    relay(
      client,
      upstream,
      {
        data: how.decode
          ? (dir, bytes) => this.host.emit({ kind: 'data', conn, dir, bytes, time: nowSeconds() })
          : () => {},
        halfClose: (dir) => {
          if (!this.ended) this.host.emit({ kind: 'end', conn, dir, reason: 'tcp-fin', time: nowSeconds() });
        },
        closed: (reason) => {
          if (!this.ended) this.finish({ kind: 'end', conn, reason, time: nowSeconds() });
        },
      },
      how.first,
    );
  }

  private finish(event: StreamEvent): void {
    this.ended = true;
    this.host.emit(event);
  }

  /** Upstream unreachable: the client gets a 502 with the reason, stderr gets the same line. */
  private badGateway(client: Socket, reason: string): void {
    this.refuse(client, 502, 'Bad Gateway', reason);
  }

  private refuse(client: Socket, status: number, text: string, reason: string): void {
    const code = status === 502 ? 'proxy.upstream-failed' : 'proxy.request-refused';
    this.problem(`${reason}; answered ${status} ${text}`, code);
    if (!client.destroyed) client.end(proxyResponse(status, text, reason));
    for (const s of this.sockets) if (s !== client && s !== this.client) s.destroy();
  }

  /**
   * A connection the proxy could not serve: one line on stderr, and a diagnostic event on the
   * connection, so a --json consumer sees why a client failed.
   */
  private problem(message: string, code: ProxyProblemCode): void {
    this.host.problem(this.conn, message);
    this.host.emit({ kind: 'diagnostic', conn: this.conn, diagnostic: diagnostic(code, message), time: nowSeconds() });
    if (!this.opened) this.ended = true;
  }

  private requireCertificates(): CertificateSource {
    if (this.settings.certificates === null) throw new Error('TLS interception needs a certificate source');
    return this.settings.certificates;
  }

  private track<T extends Socket>(socket: T): T {
    this.sockets.add(socket);
    // errors before the relay takes over (and after it let go) are handled by the flow, never thrown
    socket.on('error', () => {});
    return socket;
  }

  private closeAll(): void {
    for (const s of this.sockets) resetSocket(s);
  }
}

/** The first bytes of a tunnel, or null when the client closes without sending any. */
function firstChunk(socket: Socket): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const done = (chunk: Buffer | null): void => {
      socket.pause();
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      resolve(chunk);
    };
    const onData = (chunk: Buffer): void => done(chunk);
    const onEnd = (): void => done(null);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}

/** "ip:port" for the connection event; IPv4-mapped IPv6 addresses are shown as IPv4. */
function address(ip: string | undefined, port: number | undefined): string {
  const bare = ip === undefined ? '?' : ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  return hostPort(bare, port ?? 0);
}
