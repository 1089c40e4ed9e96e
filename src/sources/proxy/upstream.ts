// Opening the upstream connection: TCP, or TLS with verification on by default, SNI and ALPN
// http/1.1 (a WebSocket upgrade is an HTTP/1.1 exchange). Failures resolve to a one-line reason
// that the proxy sends back in its 502 and prints on stderr.
// Layer rule: sources/ — socket I/O.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export interface UpstreamSpec {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Skip certificate verification (--insecure). */
  readonly insecure: boolean;
  /** SNI name and the name the certificate must match (default: host). */
  readonly servername?: string;
  /** An already connected TCP socket to run TLS over (CONNECT interception). */
  readonly socket?: Socket;
  /** What the failure is about, as its message begins ("CONNECT host:port"; default "ws upstream host:port"). */
  readonly what?: string;
  /** Told the TLS secrets of this leg (NSS key log lines). */
  readonly onKeylog?: (line: Buffer) => void;
}

export type UpstreamResult =
  { readonly ok: true; readonly socket: Socket } | { readonly ok: false; readonly reason: string };

/** Time allowed for the TCP connect plus the TLS handshake. */
const CONNECT_TIMEOUT_MS = 15_000;

export function connectUpstream(spec: UpstreamSpec): Promise<UpstreamResult> {
  return new Promise((resolve) => {
    const socket = spec.tls
      ? startTls(spec)
      : netConnect({ host: spec.host, port: spec.port, allowHalfOpen: true, noDelay: true });
    const ready = spec.tls ? 'secureConnect' : 'connect';
    const fail = (err: Error): void => {
      socket.destroy();
      resolve({ ok: false, reason: describeConnectError(err, spec) });
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => fail(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.once('error', fail);
    socket.once(ready, () => {
      socket.setTimeout(0);
      socket.removeListener('error', fail);
      resolve({ ok: true, socket });
    });
  });
}

function startTls(spec: UpstreamSpec): TLSSocket {
  const name = spec.servername ?? spec.host;
  const socket = tlsConnect({
    host: spec.host,
    port: spec.port,
    socket: spec.socket,
    // RFC 6066 §3: SNI carries DNS names only, never IP literals
    servername: isIP(name) === 0 ? name : undefined,
    ALPNProtocols: ['http/1.1'],
    rejectUnauthorized: !spec.insecure,
    // honoured by Node's TLSSocket though missing from its typings: one side's close_notify/FIN must not end the other direction
    allowHalfOpen: true,
  } as ConnectionOptions);
  if (spec.onKeylog !== undefined) socket.on('keylog', spec.onKeylog);
  // tls.connect takes no noDelay option: without this the TCP socket it opens keeps Nagle's
  // algorithm, and a small write waits for the ACK of the one before it (set before it connects,
  // it applies once connected; a given socket already has it)
  socket.setNoDelay(true);
  return socket;
}

function describeConnectError(err: Error, spec: UpstreamSpec): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const where =
    spec.what ??
    `${spec.tls ? 'wss' : 'ws'} upstream ${isIP(spec.host) === 6 ? `[${spec.host}]` : spec.host}:${spec.port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `${where} refused the connection (nothing listening there?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where}: host name not found`;
    case 'ETIMEDOUT':
      return `${where} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable (${code})`;
    case 'ECONNRESET':
      return `${where} reset the connection${spec.tls ? ' during the TLS handshake' : ''}`;
    default:
      if (/cert|self.signed|verify|altname|issuer/i.test(code + ' ' + err.message)) {
        return `${where}: TLS certificate not accepted (${err.message}); use --insecure to skip verification`;
      }
      return `${where}: ${err.message}`;
  }
}
