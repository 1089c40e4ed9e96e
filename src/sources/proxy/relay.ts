// The byte relay between a client socket and its upstream socket: every chunk is written to
// the other side first and only then shown to the observer (the decoder's copy), so a slow or
// broken decoder can never alter, delay or drop traffic (DESIGN principle 1). Backpressure
// pauses the sending side; a half-close (FIN) passes through; a reset passes through as a reset.
// Layer rule: sources/ — socket I/O only, no decoding here.
import type { Socket } from 'node:net';
import type { KnownFrame } from '../../protocol/frame-decoder.js';
import type { Direction } from '../../session/events.js';

export type RelayEndReason = 'tcp-fin' | 'tcp-rst';

/** client↔proxy or proxy↔server. */
export type Leg = 'client' | 'server';

/**
 * A relay between a client and its upstream: relay() below, or one that terminates WebSocket
 * and may change traffic (engine/terminating-relay.ts), plugged in by the CLI.
 */
export type RelayFunction = (
  conn: number,
  client: Socket,
  server: Socket,
  observer: RelayObserver,
  firstC2s?: Buffer,
) => void;

export interface RelayObserver {
  /**
   * A chunk just written to the other side. It is the forwarded buffer itself: never mutate it.
   * `leg` is set when the two legs differ (a terminating relay): the bytes as on that leg only.
   * `frames`: what the bytes are, when the relay built them (the decoder then need not parse them).
   */
  data(dir: Direction, bytes: Buffer, leg?: Leg, frames?: readonly KnownFrame[]): void;
  /** The sender of this direction finished (FIN) and the other side was ended in turn. */
  halfClose(dir: Direction): void;
  /** Both sockets are closed; `error` is what reset the connection, if anything did. */
  closed(reason: RelayEndReason, error: Error | null): void;
}

/**
 * Relays `client` ⇄ `server` until both are closed. Both sockets must have been made with
 * allowHalfOpen so that one side's FIN does not close the other direction. `firstC2s` is
 * client data already read (bytes after a proxy request head) to forward before the rest.
 */
export function relay(client: Socket, server: Socket, observer: RelayObserver, firstC2s?: Buffer): void {
  let error: Error | null = null;
  let open = 2;
  const onClose = (): void => {
    if (--open === 0) observer.closed(error === null ? 'tcp-fin' : 'tcp-rst', error);
  };
  const onError =
    (other: Socket) =>
    (err: Error): void => {
      error ??= err;
      resetSocket(other);
    };
  client.on('error', onError(server));
  server.on('error', onError(client));
  client.on('close', onClose);
  server.on('close', onClose);
  if (firstC2s !== undefined && firstC2s.length > 0) {
    server.write(firstC2s);
    observer.data('c2s', firstC2s);
  }
  pump(client, server, 'c2s', observer);
  pump(server, client, 's2c', observer);
}

/** One direction: write first, observe second; pause the source while the destination is full. */
function pump(src: Socket, dst: Socket, dir: Direction, observer: RelayObserver): void {
  // one listener for the life of the connection instead of a once('drain') per full buffer
  dst.on('drain', () => {
    if (!src.destroyed) src.resume();
  });
  src.on('data', (chunk: Buffer) => {
    if (dst.destroyed) return;
    if (!dst.write(chunk)) src.pause();
    observer.data(dir, chunk);
  });
  src.on('end', () => {
    if (!dst.destroyed) dst.end();
    observer.halfClose(dir);
  });
  // the socket may have been paused explicitly while a proxy request head was read
  src.resume();
  // a side that closes without a FIN (destroyed, timed out) takes the other side with it
  src.on('close', () => {
    if (!src.readableEnded && !dst.destroyed) resetSocket(dst);
  });
}

/** Passes a reset on (RST rather than FIN) where the socket supports it. */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  const reset = (socket as Socket & { resetAndDestroy?: () => Socket }).resetAndDestroy;
  // resetAndDestroy needs the raw TCP handle; a TLS socket (or one not yet connected) is just destroyed
  if (typeof reset === 'function' && (socket as unknown as { _handle?: unknown })._handle && !('encrypted' in socket))
    reset.call(socket);
  else socket.destroy();
}
