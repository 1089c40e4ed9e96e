// The proxy's listening socket: accepts clients, numbers them 1.. in order of arrival, runs
// each as a ProxiedConnection and passes their StreamEvents on. A consumer that throws
// (a decoder or renderer bug) is reported once and cut off for that connection only: the
// bytes keep flowing (DESIGN principle 1). close() ends every connection as input-ended.
// Layer rule: sources/ — socket I/O.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { WsinspectError } from '../../errors.js';
import type { StreamEvent } from '../../session/events.js';
import { hostPort, type ListenAddress } from './proxy-address.js';
import { ProxiedConnection, type ConnectionSettings, type ProxiedConnectionHost } from './proxied-connection.js';

export interface ProxyServerOptions extends ConnectionSettings {
  readonly listen: ListenAddress;
  /** Every StreamEvent of every connection, in the order they happen. */
  readonly onEvent: (event: StreamEvent) => void;
  /** One line about a connection that could not be served (upstream down, TLS refused, consumer bug). */
  readonly onProblem: (conn: number | null, message: string) => void;
}

export class ProxyServer {
  private readonly server: Server;
  private readonly live = new Map<number, ProxiedConnection>();
  /** Connections whose consumer threw: no more events for them (but the final end, to free state). */
  private readonly cutOff = new Set<number>();
  private nextConn = 1;
  private closing = false;
  /** What every connection reports to: one object for all of them (one shape, one set of functions). */
  private readonly host: ProxiedConnectionHost = {
    emit: (event) => this.emit(event),
    // the message names the client: connection numbers are given to WebSocket connections only, later (upgrade-sniffer.ts)
    problem: (_conn, message) => this.options.onProblem(null, message),
  };

  constructor(private readonly options: ProxyServerOptions) {
    this.server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: false }, (socket) =>
      this.accept(socket),
    );
  }

  /** Number of connections accepted so far. */
  get accepted(): number {
    return this.nextConn - 1;
  }

  /** Starts listening; rejects with a WsinspectError when the address cannot be used. */
  listen(): Promise<AddressInfo> {
    const { host, port } = this.options.listen;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => reject(listenError(err, hostPort(host, port)));
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.removeListener('error', onError);
        this.server.on('error', (err) => this.options.onProblem(null, `listening socket: ${err.message}`));
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting, ends every open connection (input-ended) and closes their sockets. */
  close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.live.values()) c.abort();
    this.live.clear();
    return closed;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const conn = this.nextConn++;
    const connection = new ProxiedConnection(conn, socket, this.options, this.host);
    this.live.set(conn, connection);
    socket.once('close', () => this.live.delete(conn));
    connection.serve().catch((err: unknown) => {
      // a bug in the proxy itself: say so, drop this connection, keep serving the others
      this.options.onProblem(null, `${connection.label}: internal error: ${(err as Error).stack ?? String(err)}`);
      connection.abort();
    });
  }

  private emit(event: StreamEvent): void {
    const conn = event.conn;
    const final = event.kind === 'end' && event.dir === undefined;
    if (conn !== null && this.cutOff.has(conn)) {
      if (final) this.finalAfterFailure(event, conn);
      return;
    }
    try {
      this.options.onEvent(event);
    } catch (err) {
      if (conn === null) throw err;
      this.cutOff.add(conn);
      this.options.onProblem(
        null,
        `${this.live.get(conn)?.label ?? 'a client'}: internal error while decoding (the connection is still relayed, no longer shown): ${(err as Error).stack ?? String(err)}`,
      );
      if (final) this.cutOff.delete(conn);
    }
  }

  /** The final end still goes out so the consumer can free the connection; a second failure was already reported. */
  private finalAfterFailure(event: StreamEvent, conn: number): void {
    this.cutOff.delete(conn);
    try {
      this.options.onEvent(event);
    } catch {
      // reported once when the connection was cut off; state may stay behind for this one connection
    }
  }
}

function listenError(err: NodeJS.ErrnoException, where: string): WsinspectError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new WsinspectError(
        'proxy.listen',
        `cannot listen on ${where}: the address is already in use (pick another port with --listen)`,
      );
    case 'EACCES':
      return new WsinspectError(
        'proxy.listen',
        `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`,
      );
    case 'EADDRNOTAVAIL':
      return new WsinspectError('proxy.listen', `cannot listen on ${where}: no such local address`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new WsinspectError('proxy.listen', `cannot listen on ${where}: host name not found`);
    default:
      return new WsinspectError('proxy.listen', `cannot listen on ${where}: ${err.message}`);
  }
}
