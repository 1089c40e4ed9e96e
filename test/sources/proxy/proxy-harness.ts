// Test harness for the proxy: real `ws` servers and clients on loopback, a ProxyServer in
// between, and every StreamEvent and InspectEvent it produced, for assertions.
import { createHash } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { onTestFailed } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { ConnectionDemux } from '../../../src/session/connection-demux.js';
import type { InspectEvent, StreamEvent } from '../../../src/session/events.js';
import { ProxyServer, type ProxyServerOptions } from '../../../src/sources/proxy/proxy-server.js';
import { UpgradeSniffer } from '../../../src/sources/proxy/upgrade-sniffer.js';
import { readRequestHead } from '../../../src/sources/proxy/proxy-request.js';

export interface Harness {
  readonly proxy: ProxyServer;
  readonly port: number;
  readonly streamEvents: StreamEvent[];
  readonly events: InspectEvent[];
  readonly problems: string[];
  close(): Promise<void>;
}

export async function startProxy(
  options: Partial<ProxyServerOptions> & Pick<ProxyServerOptions, 'target'>,
): Promise<Harness> {
  const streamEvents: StreamEvent[] = [];
  const events: InspectEvent[] = [];
  const problems: string[] = [];
  const demux = new ConnectionDemux({
    onEvent: (e) => {
      events.push(e);
      changed();
    },
  });
  // the same wiring as the proxy command: every event recorded, WebSocket connections decoded
  const sniffer = new UpgradeSniffer((e) => demux.handle(e));
  const proxy = new ProxyServer({
    listen: { host: '127.0.0.1', port: 0 },
    listenTls: false,
    intercept: true,
    insecure: false,
    certificates: null,
    onEvent: (e) => {
      streamEvents.push(e);
      sniffer.handle(e);
      changed();
    },
    onProblem: (conn, message) => {
      problems.push(`${conn}: ${message}`);
      changed();
    },
    ...options,
  });
  const address = await proxy.listen();
  return { proxy, port: address.port, streamEvents, events, problems, close: () => proxy.close() };
}

export interface EchoServer {
  readonly server: WebSocketServer;
  readonly port: number;
  /** sha256 of every message the server received, in order. */
  readonly received: string[];
  close(): Promise<void>;
}

/** A ws server that echoes every message back (same type) and records the hash of what it got. */
export async function startEchoServer(perMessageDeflate: boolean | object = false): Promise<EchoServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const received: string[] = [];
  server.on('connection', (ws) => {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = data as Buffer;
      received.push(sha(buf));
      ws.send(buf, { binary: isBinary });
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }),
  };
}

export function sha(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function openClient(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, ...options });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The next message on `ws`, as a Buffer. */
export function nextMessage(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: RawData) => resolve(data as Buffer));
    ws.once('error', reject);
  });
}

export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

const waiters = new Set<() => void>();

/**
 * Something a test may be waiting on happened: the harness's proxy reported an event or a
 * problem, a CLI child wrote output (proxy-cli.ts), or a test's own socket got data.
 */
export function changed(): void {
  for (const check of [...waiters]) check();
}

/**
 * Resolves once `predicate` holds: checked now and after every changed() (no timer, no
 * deadline: the test's timeout is the limit, and a test that fails while waiting says what
 * it was still waiting for).
 */
export function until(predicate: () => boolean, what: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!predicate()) return;
      waiters.delete(check);
      resolve();
    };
    waiters.add(check);
    onTestFailed(() => {
      if (waiters.has(check)) console.error(`still waiting for ${what}`);
    });
    check();
  });
}

export interface TlsEchoServer extends EchoServer {
  /** PEM of the CA that signed the server's certificate (for 127.0.0.1, ::1 and localhost). */
  readonly caPem: string;
}

/** A wss:// echo server on 127.0.0.1 whose certificate is signed by a CA of its own (not the proxy's). */
export async function startTlsEchoServer(
  ca: { certPem: string },
  certificate: { certPem: string; keyPem: string },
): Promise<TlsEchoServer> {
  // plain HTTPS requests get a short answer (for clients like curl that are not WebSocket)
  const https = createHttpsServer({ key: certificate.keyPem, cert: certificate.certPem }, (req, res) =>
    res.end(`plain https: ${req.method} ${req.url}`),
  );
  const server = new WebSocketServer({ server: https, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const received: string[] = [];
  server.on('connection', (ws) => {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      received.push(sha(data as Buffer));
      ws.send(data as Buffer, { binary: isBinary });
    });
  });
  return {
    server,
    received,
    caPem: ca.certPem,
    port: (https.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close();
        https.close(() => resolve());
        https.closeAllConnections();
      }),
  };
}

/** A socket through the proxy's CONNECT tunnel to host:port, and the proxy's answer. */
export async function connectTunnel(
  proxyPort: number,
  target: string,
): Promise<{ socket: Socket; status: string; rest: Buffer }> {
  const socket = connect({ host: '127.0.0.1', port: proxyPort });
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const head = await readRequestHead(socket);
  if ('error' in head) throw new Error(`proxy closed: ${head.error}`);
  // readRequestHead left the socket paused; the WebSocket client's HTTP parser reads it next
  process.nextTick(() => socket.resume());
  return { socket, status: head.head.toString('latin1').split('\r\n')[0], rest: head.rest };
}
