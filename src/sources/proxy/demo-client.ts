// The demo's scripted client: one conversation that shows each thing a newcomer should see —
// text, binary, a compressed message, a fragmented one, a ping answered by a pong, and a close
// with a reason — each step waiting for the server's echo so the output reads in order.
// Layer rule: sources/ — sockets.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Opcode, type Frame } from '../../protocol/frame.js';
import { FrameDecoder } from '../../protocol/frame-decoder.js';
import { closePayload, encodeFrame, fragmentMessage, type FrameSpec } from '../../protocol/frame-encoder.js';
import { MessageDeflater } from '../../protocol/message-deflater.js';
import { readRequestHead } from './proxy-request.js';

export interface DemoStep {
  readonly title: string;
  readonly frames: readonly FrameSpec[];
  /** The server frame that completes the step. */
  readonly awaits: 'echo' | 'pong' | 'close';
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The demo negotiates client_no_context_takeover: every message is compressed on its own (RFC 7692 §7.1.1). */
function deflateMessage(data: Uint8Array): Uint8Array {
  const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: true });
  const out = deflater.deflate(data);
  deflater.close();
  return out;
}

export function demoScript(): DemoStep[] {
  const compressible = 'permessage-deflate squeezes repetition: echo echo echo echo echo echo echo echo';
  const pieces = ['A fragmented message ', 'arrives in ', 'three frames'];
  return [
    {
      title: 'a text message',
      awaits: 'echo',
      frames: [{ opcode: Opcode.text, payload: text('Hello, WebSocket!'), mask: true }],
    },
    {
      title: 'a binary message',
      awaits: 'echo',
      frames: [
        { opcode: Opcode.binary, payload: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03), mask: true },
      ],
    },
    {
      title: 'a compressed text message (RSV1 set, permessage-deflate)',
      awaits: 'echo',
      frames: [{ opcode: Opcode.text, rsv1: true, payload: deflateMessage(text(compressible)), mask: true }],
    },
    {
      title: 'a message in three fragments (FIN clear on all but the last)',
      awaits: 'echo',
      frames: fragmentMessage(Opcode.text, text(pieces.join('')), {
        fragmentSize: pieces.map((p) => Buffer.byteLength(p)),
        mask: true,
      }),
    },
    {
      title: 'a ping, answered by a pong',
      awaits: 'pong',
      frames: [{ opcode: Opcode.ping, payload: text('are you there?'), mask: true }],
    },
    {
      title: 'a close with a code and a reason, echoed by the server',
      awaits: 'close',
      frames: [{ opcode: Opcode.close, payload: closePayload(1000, 'demo finished'), mask: true }],
    },
  ];
}

export interface DemoOptions {
  readonly port: number;
  /** Milliseconds between steps, so a person sees the conversation unfold. */
  readonly pace: number;
  readonly onStep?: (step: DemoStep, index: number) => void;
}

/** Plays the script against ws://127.0.0.1:port; resolves when the TCP connection has closed. */
export async function playDemoConversation(options: DemoOptions): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port: options.port, noDelay: true });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const key = randomBytes(16).toString('base64');
  socket.write(
    'GET /demo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      'Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover\r\n\r\n',
  );
  const response = await readRequestHead(socket);
  if ('error' in response || !/^HTTP\/1\.1 101 /.test(response.head.toString('latin1')))
    throw new Error('the demo server did not accept the WebSocket upgrade');
  const frames = new FrameWaiter(socket, response.rest);
  for (const [index, step] of demoScript().entries()) {
    if (index > 0 && options.pace > 0) await new Promise((r) => setTimeout(r, options.pace));
    options.onStep?.(step, index);
    for (const spec of step.frames) socket.write(encodeFrame(spec));
    await frames.next(step.awaits);
  }
  socket.end();
  await closed;
}

/** Server frames, awaited one kind at a time. */
class FrameWaiter {
  private waiting: { want: DemoStep['awaits']; resolve: () => void; reject: (err: Error) => void } | null = null;
  private readonly seen: Frame[] = [];
  private gone = false;

  constructor(socket: Socket, rest: Buffer) {
    const decoder = new FrameDecoder({ onFrame: (frame) => this.onFrame(frame) });
    if (rest.length > 0) decoder.push(rest);
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.once('close', () => {
      this.gone = true;
      this.waiting?.reject(new Error('the demo connection closed before the conversation ended'));
    });
    socket.resume();
  }

  next(want: DemoStep['awaits']): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting = { want, resolve, reject };
      this.check();
      if (this.waiting !== null && this.gone)
        reject(new Error('the demo connection closed before the conversation ended'));
    });
  }

  private onFrame(frame: Frame): void {
    this.seen.push(frame);
    this.check();
  }

  private check(): void {
    if (this.waiting === null) return;
    const i = this.seen.findIndex((f) => matches(f, this.waiting!.want));
    if (i < 0) return;
    this.seen.splice(0, i + 1);
    const { resolve } = this.waiting;
    this.waiting = null;
    resolve();
  }
}

function matches(frame: Frame, want: DemoStep['awaits']): boolean {
  if (want === 'pong') return frame.opcode === Opcode.pong;
  if (want === 'close') return frame.opcode === Opcode.close;
  return frame.fin && frame.opcode <= Opcode.binary;
}
