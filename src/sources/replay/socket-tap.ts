// One socket of `replay` (our side is the client) or `serve` (our side is the server) turned
// into StreamEvents from its first byte: what we write (the write method wrapped) and what
// we read ('data' events), so the live view decodes the conversation as it decodes the
// proxy's. Layer rule: sources/ — socket I/O.
import type { Socket } from 'node:net';
import type { StreamEvent } from '../../session/events.js';
import { nowSeconds } from '../proxy/clock.js';
import { hostPort } from '../proxy/proxy-address.js';

export interface SocketTap {
  readonly conn: number;
  /** Which end of the connection this process is. */
  readonly we: 'client' | 'server';
  readonly onStream: (event: StreamEvent) => void;
  /** The event after which the socket is connected (client side); absent: it already is. */
  readonly connectEvent?: 'connect' | 'secureConnect';
  /** True when the connection's end must not be reported (the live view already ended it). */
  readonly quiet?: () => boolean;
}

export function tapSocket(socket: Socket, tap: SocketTap): Socket {
  const { conn, onStream } = tap;
  const sent = tap.we === 'client' ? 'c2s' : 's2c';
  const got = tap.we === 'client' ? 's2c' : 'c2s';
  let opened = false;
  /** Bytes written before the socket connected (a request head): shown once it has. */
  const early: Uint8Array[] = [];
  const open = (): void => {
    if (opened) return;
    opened = true;
    const local = hostPort(socket.localAddress ?? '?', socket.localPort ?? 0);
    const remote = hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    const endpoints = tap.we === 'client' ? { client: local, server: remote } : { client: remote, server: local };
    onStream({ kind: 'open', conn, endpoints, time: nowSeconds(), detectedBy: 'handshake' });
    for (const bytes of early.splice(0)) onStream({ kind: 'data', conn, dir: sent, bytes, time: nowSeconds() });
  };
  if (tap.connectEvent === undefined) open();
  else socket.once(tap.connectEvent, open);
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((chunk: unknown, ...rest: unknown[]) => {
    const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8';
    const bytes = Uint8Array.from(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Uint8Array));
    if (opened) onStream({ kind: 'data', conn, dir: sent, bytes, time: nowSeconds() });
    else early.push(bytes);
    return write(chunk, ...rest);
  }) as Socket['write'];
  socket.on('data', (bytes: Buffer) => {
    open();
    onStream({ kind: 'data', conn, dir: got, bytes, time: nowSeconds() });
  });
  socket.once('close', (hadError: boolean) => {
    if (opened && tap.quiet?.() !== true)
      onStream({ kind: 'end', conn, reason: hadError ? 'tcp-rst' : 'tcp-fin', time: nowSeconds() });
  });
  return socket;
}
