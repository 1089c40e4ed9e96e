// The demo's echo server: a minimal RFC 6455 server on loopback that answers the opening
// handshake (accepting permessage-deflate without context takeover, RFC 7692 §7.1.1, so each
// compressed message can be echoed as it came), echoes data frames, answers a ping with a
// pong (§5.5.3) and a Close with a Close (§5.5.1). Only the demo uses it.
// Layer rule: sources/ — sockets.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { computeAccept } from '../../protocol/accept-key.js';
import { Opcode, type Frame } from '../../protocol/frame.js';
import { FrameDecoder } from '../../protocol/frame-decoder.js';
import { encodeRawFrame } from '../../protocol/frame-encoder.js';
import { readRequestHead } from './proxy-request.js';

export const DEMO_DEFLATE_RESPONSE = 'permessage-deflate; server_no_context_takeover; client_no_context_takeover';

export class DemoEchoServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer({ noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      void this.serve(socket);
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: '127.0.0.1', port: 0 }, () => resolve(this.server.address() as AddressInfo));
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async serve(socket: Socket): Promise<void> {
    const read = await readRequestHead(socket);
    if ('error' in read) return void socket.destroy();
    const head = read.head.toString('latin1');
    const key = /^sec-websocket-key[ \t]*:[ \t]*(\S+)/im.exec(head)?.[1];
    if (key === undefined)
      return void socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    const deflate = /^sec-websocket-extensions[ \t]*:.*permessage-deflate/im.test(head);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n` +
        (deflate ? `Sec-WebSocket-Extensions: ${DEMO_DEFLATE_RESPONSE}\r\n` : '') +
        '\r\n',
    );
    const decoder = new FrameDecoder({ onFrame: (frame) => this.answer(socket, frame) });
    if (read.rest.length > 0) decoder.push(read.rest);
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('end', () => socket.end());
    socket.resume();
  }

  /** Echoes as received (unmasked), even a frame that broke the rules: the demo shows what it gets. */
  private answer(socket: Socket, frame: Frame): void {
    if (socket.destroyed) return;
    const { opcode, payload, fin, rsv1 } = frame;
    if (opcode === Opcode.ping) socket.write(encodeRawFrame({ opcode: Opcode.pong, payload, mask: false }));
    else if (opcode === Opcode.close) socket.end(encodeRawFrame({ opcode: Opcode.close, payload, mask: false }));
    else if (opcode <= Opcode.binary) socket.write(encodeRawFrame({ opcode, payload, fin, rsv1, mask: false }));
  }
}
