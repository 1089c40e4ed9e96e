// `wsinspect serve`: a mock WebSocket server that plays the server side of a recorded
// conversation to every client that connects, each with its own playback. The WebSocket side
// is the `ws` library (the upgrade, the recorded subprotocol, permessage-deflate when the
// client offers it); every accepted socket is tapped from its first byte, so each connection is
// decoded and shown live by the proxy's pipeline. The request head is read here (with the
// protocol layer's head scanner and parser), not by node:http, whose parser reads the socket's
// handle directly and would hide the request's bytes from the tap.
// Layer rule: sources/ — socket I/O; decoding happens downstream of onStream().
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { parseHandshakeRequest } from '../../protocol/handshake-request.js';
import { HeadEndScanner } from '../../protocol/upgrade-detection.js';
import { compareMessages, type JsonPath } from '../../session/message-compare.js';
import type { StreamEvent } from '../../session/events.js';
import { tapSocket } from './socket-tap.js';
import type { ReplayMessage } from './replay-client.js';

export type Match = 'order' | 'content';

export interface MockPlan {
  readonly host: string;
  readonly port: number;
  /** The recorded conversation, both directions, in order. */
  readonly messages: readonly ReplayMessage[];
  /** The subprotocol the recorded server chose, or null. */
  readonly protocol: string | null;
  readonly match: Match;
  readonly pace: 'original' | 'fast';
  readonly ignore: readonly JsonPath[];
  readonly onStream: (event: StreamEvent) => void;
  /** A line about a connection (a client message with no recorded answer…). */
  readonly onNote: (conn: number, text: string) => void;
}

/** The server messages that follow each client message: [before the first, after #1, after #2, …]. */
function replies(messages: readonly ReplayMessage[]): { client: ReplayMessage[]; after: ReplayMessage[][] } {
  const client: ReplayMessage[] = [];
  const after: ReplayMessage[][] = [[]];
  for (const m of messages) {
    if (m.dir === 'c2s') {
      client.push(m);
      after.push([]);
    } else after[after.length - 1].push(m);
  }
  return { client, after };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class MockServer {
  private readonly tcp: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<Socket>();
  private conns = 0;
  private closing = false;
  private readonly script: { client: ReplayMessage[]; after: ReplayMessage[][] };

  constructor(private readonly plan: MockPlan) {
    this.script = replies(plan.messages);
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: true,
      handleProtocols: (offered) => (plan.protocol !== null && offered.has(plan.protocol) ? plan.protocol : false),
    });
    this.tcp = createTcpServer((socket) => {
      const conn = ++this.conns;
      this.tap(socket, conn);
      this.readHead(socket, conn);
    });
  }

  /** Listens; resolves with the address (port 0 picks a free one). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(this.plan.port, this.plan.host, () => resolve(this.tcp.address() as AddressInfo));
    });
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    // the live view ends what is still open itself (input-ended)
    this.closing = true;
    for (const ws of this.wss.clients) ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  /** Reads the request head, then hands the socket to ws (an upgrade) or answers 426. */
  private readHead(socket: Socket, conn: number): void {
    const scanner = new HeadEndScanner();
    const parts: Buffer[] = [];
    let held = 0;
    const onData = (chunk: Buffer): void => {
      const end = scanner.scan(chunk, 0, chunk.length);
      parts.push(chunk);
      held += chunk.length;
      if (end < 0) {
        if (held > 64 * 1024) socket.destroy();
        return;
      }
      // ws takes the socket over synchronously (its own 'data' listener): nothing arrives in between
      socket.removeListener('data', onData);
      const all = Buffer.concat(parts);
      const headLength = held - chunk.length + end;
      const request = parseHandshakeRequest(all.subarray(0, headLength));
      const head = all.subarray(headLength);
      if (!request.isUpgrade) {
        socket.end(
          'HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 44\r\n\r\nwsinspect serve: this is a WebSocket server\n',
        );
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of request.headers) {
        const k = name.toLowerCase();
        headers[k] = k in headers ? `${headers[k]}, ${value}` : value;
      }
      // what ws reads of a request: method, url, headers (lower case), socket
      const req = { method: request.method, url: request.path, headers, socket, httpVersion: request.httpVersion };
      this.wss.handleUpgrade(req as never, socket, head, (ws) => void this.play(ws, conn));
    };
    socket.on('data', onData);
  }

  private tap(socket: Socket, conn: number): void {
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => this.sockets.delete(socket));
    tapSocket(socket, { conn, we: 'server', onStream: this.plan.onStream, quiet: () => this.closing });
  }

  /** One client's playback: the opening server messages, then the answers to each client message. */
  private async play(ws: WebSocket, conn: number): Promise<void> {
    const { client, after } = this.script;
    let queue: Promise<void> = this.send(ws, after[0]);
    let next = 0;
    const used = new Set<number>();
    // a client that breaks the protocol: ws fails the connection (1002, 1007, 1009…) and emits
    // the reason; without a listener that 'error' would end the whole server
    ws.on('error', (err: Error) =>
      this.plan.onNote(conn, `the client broke the protocol (${err.message}): the connection was closed`),
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const got = isBinary ? { opcode: 2, data } : { opcode: 1, data, text: data.toString('utf8') };
      let k = -1;
      if (this.plan.match === 'order') k = next < client.length ? next++ : -1;
      else k = client.findIndex((c, i) => !used.has(i) && compareMessages(c, got, this.plan.ignore).equal);
      if (k < 0) {
        this.plan.onNote(
          conn,
          this.plan.match === 'order'
            ? `client message ${next + 1}: the recording has no more client messages; not answered`
            : 'a client message that equals none of the recorded ones (not answered)',
        );
        return;
      }
      used.add(k);
      queue = queue.then(() => this.send(ws, after[k + 1]));
    });
    await queue;
  }

  private async send(ws: WebSocket, messages: readonly ReplayMessage[]): Promise<void> {
    let previous: number | null = null;
    for (const m of messages) {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (this.plan.pace === 'original' && previous !== null && m.time !== null)
        await sleep(Math.min(60_000, Math.max(0, (m.time - previous) * 1000)));
      if (m.time !== null) previous = m.time;
      await new Promise<void>((resolve) =>
        ws.send(
          m.opcode === 1 ? (m.text ?? Buffer.from(m.data).toString('utf8')) : m.data,
          { binary: m.opcode === 2 },
          () => resolve(),
        ),
      );
    }
  }
}
