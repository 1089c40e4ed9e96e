// One client connection through the proxy, from accept to close: in reverse mode straight to
// the target; in forward mode after the client's proxy request (CONNECT tunnel, intercepted
// with the local CA when it carries TLS, or an absolute-URI request). It turns what it relays
// into StreamEvents: open, data (after forwarding), end per direction and at close.
// Layer rule: sources/ — socket I/O; decoding happens downstream of emit().
import { isIP, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { diagnostic } from '../../protocol/diagnostic-catalogue.js';
import type { KnownFrame } from '../../protocol/frame-decoder.js';
import type { Direction, Endpoints, ProxyDestination, StreamEvent, TlsInfo } from '../../session/events.js';
import { clientHelloSni } from './client-hello.js';
import { nowSeconds } from './clock.js';
import { hostPort, type ProxyTarget } from './proxy-address.js';
import { parseProxyRequest, proxyResponse, readRequestHead } from './proxy-request.js';
import { relay, resetSocket, type Leg, type RelayEndReason, type RelayFunction, type RelayObserver } from './relay.js';
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
  /** Told each TLS secret of both legs (NSS key log lines: --keylog-out). */
  readonly onKeylog?: (line: Buffer) => void;
  /** Which upstream hosts may be contacted (default: any); others are refused before any DNS lookup. */
  readonly allowUpstream?: (host: string, port: number) => boolean;
  /** Forward mode (--ignore-hosts): targets relayed blind and not shown at all ("host:port" matched). */
  readonly ignoreHost?: (hostPort: string) => boolean;
  /** The relay for decoded connections when traffic may change (default: the verbatim relay()). */
  readonly relay?: RelayFunction;
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
    // taken now: a socket that failed (a refused TLS handshake) no longer knows its peer
    this.label = `client ${address(client.remoteAddress, client.remotePort)}`;
  }

  /** "client ip:port": how problems name a connection (numbers are given to WebSocket connections only, later). */
  readonly label: string;

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
    let clientTls: TLSSocket | null = null;
    let clientSni: string | null = null;
    if (this.settings.listenTls) {
      const local = this.client.localAddress ?? 'localhost';
      const tls = await terminateTls(this.client, local, this.requireCertificates(), this.settings.onKeylog);
      if (!tls.ok) return this.problem(tls.reason, 'proxy.client-tls-failed');
      client = clientTls = this.track(tls.socket);
      clientSni = tls.servername;
    }
    const up = await connectUpstream({
      host: target.host,
      port: target.port,
      tls: target.tls,
      insecure: this.settings.insecure,
      onKeylog: this.settings.onKeylog,
    });
    if (!up.ok) return this.badGateway(client, up.reason);
    const upstream = this.track(up.socket);
    // the client's TLS when it has any, else the server's: the TLS the proxy decrypted
    const tlsSocket = clientTls ?? (target.tls ? (upstream as TLSSocket) : null);
    const sni = clientTls === null ? (target.tls && isIP(target.host) === 0 ? target.host : null) : clientSni;
    const destination = proxyDestination(target.host, target.port, target.tls, tlsInfo(tlsSocket, sni));
    this.start(client, upstream, { decode: true, destination });
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
    const asked = hostPort(req.host, req.port);
    if (this.settings.allowUpstream?.(req.host, req.port) === false) {
      return this.refuse(this.client, 403, 'Forbidden', `${asked} is not an allowed upstream`);
    }
    const ignored = this.settings.ignoreHost?.(asked) === true;
    const up = await connectUpstream({
      host: req.host,
      port: req.port,
      tls: false,
      insecure: this.settings.insecure,
      what: req.kind === 'connect' ? `CONNECT ${asked}` : `${req.upgrade ? 'ws' : 'http'} upstream ${asked}`,
    });
    if (!up.ok) {
      // an ignored host is answered as any other, but not shown
      if (ignored) this.client.end(proxyResponse(502, 'Bad Gateway', up.reason));
      else this.badGateway(this.client, up.reason);
      return;
    }
    const upstream = this.track(up.socket);
    const plain = proxyDestination(req.host, req.port, false);
    if (req.kind === 'absolute')
      return this.start(this.client, upstream, {
        decode: !ignored,
        first: Buffer.concat([req.forward, read.rest]),
        destination: plain,
      });
    this.client.write(CONNECT_OK);
    const first = read.rest.length > 0 ? read.rest : await firstChunk(this.client);
    if (first === null) return this.closeAll();
    const sni = first[0] === TLS_HANDSHAKE_RECORD ? clientHelloSni(first) : null;
    // as mitmproxy: the SNI name is matched too (a CONNECT to an IP address may carry one)
    if (ignored || (sni !== null && this.settings.ignoreHost?.(hostPort(sni, req.port)) === true))
      return this.start(this.client, upstream, { decode: false, first, destination: plain });
    if (first[0] !== TLS_HANDSHAKE_RECORD)
      return this.start(this.client, upstream, { decode: true, first, destination: plain });
    if (!this.settings.intercept) {
      const seen: TlsInfo = { ...BLIND_TLS, sni };
      const blind = { ...proxyDestination(sni ?? req.host, req.port, true, seen), blind: true as const };
      return this.start(this.client, upstream, { decode: true, first, destination: blind });
    }
    this.client.unshift(first);
    await this.intercept(req.host, req.port, upstream);
  }

  /** CONNECT carrying TLS: terminate it with our certificate, then TLS to the real server over the tunnel's TCP. */
  private async intercept(host: string, port: number, upstreamTcp: Socket): Promise<void> {
    const tls = await terminateTls(this.client, host, this.requireCertificates(), this.settings.onKeylog);
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
      onKeylog: this.settings.onKeylog,
    };
    const up = await connectUpstream(spec);
    if (!up.ok) return this.badGateway(client, up.reason);
    const destination = proxyDestination(tls.servername ?? host, port, true, tlsInfo(tls.socket, tls.servername));
    this.start(client, this.track(up.socket), { decode: true, destination });
  }

  /**
   * Relays the two sides from now on. `decode: false` (--ignore-hosts) relays without a single
   * event: not shown, not recorded. A blind TLS tunnel is opened and ended, its bytes not shown.
   */
  private start(
    client: Socket,
    upstream: Socket,
    how: { decode: boolean; first?: Buffer; destination: ProxyDestination },
  ): void {
    // stopped (Ctrl-C) or the client already gone while the upstream was being reached
    if (this.ended || client.destroyed) return this.closeAll();
    const conn = this.conn;
    if (!how.decode) {
      this.ended = true;
      relay(client, upstream, { data: () => {}, halfClose: () => {}, closed: () => {} }, how.first);
      return;
    }
    this.opened = true;
    const endpoints = {
      client: address(client.remoteAddress, client.remotePort),
      server: address(upstream.remoteAddress, upstream.remotePort),
    };
    const { destination } = how;
    // a relay that may change traffic terminates WebSocket; a blind tunnel stays verbatim
    const terminate = destination.blind !== true ? this.settings.relay : undefined;
    const legs = terminate === undefined ? undefined : legEndpoints(client, upstream, endpoints);
    this.host.emit({ kind: 'open', conn, endpoints, legs, time: nowSeconds(), detectedBy: 'handshake', destination });
    const observer = new ConnectionObserver(this, destination.blind === true);
    if (terminate !== undefined) terminate(conn, client, upstream, observer, how.first);
    else relay(client, upstream, observer, how.first);
  }

  /** @internal A data event (ConnectionObserver): shown whether or not the connection ended, as before. */
  emitData(event: StreamEvent): void {
    this.host.emit(event);
  }

  /** @internal The relay's observer reports through these (ConnectionObserver). */
  observed(event: StreamEvent): void {
    if (!this.ended) this.host.emit(event);
  }

  /** @internal The final event of a connection that is still open (ConnectionObserver). */
  finished(event: StreamEvent): void {
    if (!this.ended) this.finish(event);
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
    // never opened, so never numbered: the client's address says which connection it was
    const text = `${this.label}: ${message}`;
    this.host.problem(this.conn, text);
    this.host.emit({ kind: 'diagnostic', conn: this.conn, diagnostic: diagnostic(code, text), time: nowSeconds() });
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

/**
 * What the relay tells of a decoded connection, turned into StreamEvents. A class rather than
 * an object of closures made per connection: every connection's relay then calls the same
 * functions through objects of one shape, so code optimised for one connection stays valid
 * for the next.
 */
class ConnectionObserver implements RelayObserver {
  private readonly conn: number;

  constructor(
    private readonly connection: ProxiedConnection,
    /** A blind TLS tunnel: opened and ended, its bytes not shown. */
    private readonly blind: boolean,
  ) {
    this.conn = connection.conn;
  }

  data(dir: Direction, bytes: Buffer, leg?: Leg, frames?: readonly KnownFrame[]): void {
    if (this.blind) return;
    this.connection.emitData({ kind: 'data', conn: this.conn, dir, bytes, time: nowSeconds(), leg, frames });
  }

  halfClose(dir: Direction): void {
    this.connection.observed({ kind: 'end', conn: this.conn, dir, reason: 'tcp-fin', time: nowSeconds() });
  }

  closed(reason: RelayEndReason): void {
    this.connection.finished({ kind: 'end', conn: this.conn, reason, time: nowSeconds() });
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

/** Where a client asked to go: "host:port", and the origin its request path is appended to. */
function proxyDestination(host: string, port: number, tls: boolean, info?: TlsInfo): ProxyDestination {
  const scheme = tls ? 'wss' : 'ws';
  const name = isIP(host) === 6 ? `[${host}]` : host;
  const origin = `${scheme}://${name}${port === (tls ? 443 : 80) ? '' : `:${port}`}`;
  // the TLS the proxy decrypted (reverse --tls: the client's, though the server leg is plain)
  const shown = info ?? (tls ? BLIND_TLS : undefined);
  return { host: hostPort(host, port), origin, ...(shown === undefined ? {} : { tls: shown }) };
}

const BLIND_TLS: TlsInfo = { version: null, cipher: null, alpn: null, decrypted: false, sni: null };

/** What the proxy knows of a TLS connection it terminated or opened ("TLSv1.3" is shown as "TLS 1.3"). */
function tlsInfo(socket: TLSSocket | null, sni: string | null): TlsInfo | undefined {
  if (socket === null) return undefined;
  const protocol = socket.getProtocol();
  const alpn = socket.alpnProtocol;
  return {
    version: protocol === null ? null : protocol.replace(/^TLSv/, 'TLS ').replace(/^TLS 1$/, 'TLS 1.0'),
    cipher: socket.getCipher()?.standardName ?? null,
    alpn: typeof alpn === 'string' ? alpn : null,
    decrypted: true,
    sni,
  };
}

/** "ip:port" for the connection event; IPv4-mapped IPv6 addresses are shown as IPv4. */
function address(ip: string | undefined, port: number | undefined): string {
  const bare = ip === undefined ? '?' : ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  return hostPort(bare, port ?? 0);
}

/** The two TCP connections of a terminated connection: client↔proxy and proxy↔server. */
function legEndpoints(client: Socket, upstream: Socket, ends: Endpoints): { client: Endpoints; server: Endpoints } {
  return {
    client: { client: ends.client, server: address(client.localAddress, client.localPort) },
    server: { client: address(upstream.localAddress, upstream.localPort), server: ends.server },
  };
}
