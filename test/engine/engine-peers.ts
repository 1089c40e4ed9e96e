// Test harness for the traffic engine: a ws server and client talking through a ProxyServer
// whose relay terminates WebSocket (engine/terminating-relay.ts), with a Decider of the test's
// choosing; what each peer received, in order, for assertions.
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { terminatingRelay, type TerminatingRelayOptions } from '../../src/engine/terminating-relay.js';
import type { TrafficEngine } from '../../src/engine/traffic-engine.js';
import type { Decider } from '../../src/engine/verdict.js';
import { changed, startProxy, type Harness } from '../sources/proxy/proxy-harness.js';
import { seededRandom } from '../helpers/frame-builder.js';

export { changed, until } from '../sources/proxy/proxy-harness.js';

export interface Received {
  readonly text: boolean;
  readonly data: Buffer;
}

export interface Peers {
  readonly client: WebSocket;
  /** The server's side of the one connection. */
  readonly server: WebSocket;
  readonly wss: WebSocketServer;
  readonly harness: Harness;
  /** Messages the client (s2c) and the server (c2s) got, in order. */
  readonly received: { readonly c2s: Received[]; readonly s2c: Received[] };
  /** Errors either ws peer reported (an inflate error would be one). */
  readonly errors: string[];
  readonly notes: string[];
  readonly dropped: string[];
  /** Where each data message the receivers got came from: "c2s modified", "s2c injected"… */
  readonly marks: string[];
  readonly engines: TrafficEngine[];
  close(): Promise<void>;
}

export interface PeerOptions {
  /** ws's perMessageDeflate for the server (false: none). */
  readonly serverDeflate: false | object;
  /** ws's perMessageDeflate for the client (default: offered, threshold 0 so every message is compressed). */
  readonly clientDeflate?: false | object;
  readonly holdTimeoutMs?: number;
}

export async function startPeers(decider: Decider | null, options: PeerOptions): Promise<Peers> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: options.serverDeflate,
    maxPayload: 64 * 1024 * 1024,
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const serverPort = (wss.address() as AddressInfo).port;
  const received = { c2s: [] as Received[], s2c: [] as Received[] };
  const errors: string[] = [];
  const notes: string[] = [];
  const dropped: string[] = [];
  const marks: string[] = [];
  const engines: TrafficEngine[] = [];
  const relayOptions: TerminatingRelayOptions = {
    decider: () => decider,
    holdTimeoutMs: options.holdTimeoutMs ?? 30_000,
    note: (_conn, text) => {
      notes.push(text);
      changed();
    },
    dropped: (_conn, dir, msg, why) => dropped.push(`${dir} ${why} ${Buffer.from(msg.data).toString('latin1')}`),
    mark: (_conn, dir, mark) => marks.push(`${dir} ${mark.origin}`),
    started: (e) => engines.push(e),
  };
  const harness = await startProxy({
    target: { host: '127.0.0.1', port: serverPort, tls: false, label: `127.0.0.1:${serverPort}` },
    relay: (conn, client, server, observer, first) =>
      terminatingRelay(relayOptions, conn, client, server, observer, first),
  });
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', (ws) => resolve(ws)));
  const client = new WebSocket(`ws://127.0.0.1:${harness.port}/`, {
    perMessageDeflate: options.clientDeflate ?? { threshold: 0 },
    maxPayload: 64 * 1024 * 1024,
  });
  client.on('error', (err) => {
    errors.push(`client: ${err.message}`);
    changed();
  });
  client.on('message', (data: RawData, isBinary: boolean) => {
    received.s2c.push({ text: !isBinary, data: data as Buffer });
    changed();
  });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const server = await serverSide;
  server.on('error', (err) => {
    errors.push(`server: ${err.message}`);
    changed();
  });
  server.on('message', (data: RawData, isBinary: boolean) => {
    received.c2s.push({ text: !isBinary, data: data as Buffer });
    changed();
  });
  return {
    client,
    server,
    wss,
    harness,
    received,
    errors,
    notes,
    dropped,
    marks,
    engines,
    async close() {
      client.terminate();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await harness.close();
    },
  };
}

export function hash(text: boolean, data: Uint8Array): string {
  return `${text ? 't' : 'b'}:${createHash('sha256').update(data).digest('hex').slice(0, 16)}`;
}

/** A small seeded PRNG (mulberry32): the same run every time. */
export const prng = seededRandom;
