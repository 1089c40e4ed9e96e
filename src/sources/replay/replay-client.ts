// `wsinspect replay`: one recorded conversation played against a live server. The client side
// is the `ws` library (fresh masking keys, its own permessage-deflate context, pings answered:
// a well-kept client rather than a second one of ours); its socket is tapped from the first
// byte, so the conversation is decoded and shown by the same pipeline as the proxy's traffic.
// Sends the recorded client messages, paced by the server's replies (`reply`), the recorded
// timing (`original`) or not at all (`fast`), and collects what the server sends.
// Layer rule: sources/ — socket I/O; decoding happens downstream of onStream().
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import { WsinspectError } from '../../errors.js';
import type { HeaderField } from '../../protocol/handshake-types.js';
import type { StreamEvent } from '../../session/events.js';
import { tapSocket } from './socket-tap.js';

export type Pace = 'reply' | 'original' | 'fast';

export interface ReplayMessage {
  readonly dir: 'c2s' | 's2c';
  readonly opcode: 1 | 2;
  readonly data: Uint8Array;
  readonly text?: string;
  readonly time: number | null;
}

export interface ReplayPlan {
  readonly url: URL;
  /** Request headers to send (hop-by-hop and the handshake's own left out by the caller). */
  readonly headers: readonly HeaderField[];
  readonly protocols: readonly string[];
  /** The recording offered permessage-deflate. */
  readonly deflate: boolean;
  readonly messages: readonly ReplayMessage[];
  readonly pace: Pace;
  readonly replyTimeoutMs: number;
  /** wss: accept a certificate that does not verify. */
  readonly insecure: boolean;
  /** The connection number the live view shows. */
  readonly conn: number;
  readonly onStream: (event: StreamEvent) => void;
}

export interface ReceivedMessage {
  readonly opcode: 1 | 2;
  readonly data: Uint8Array;
  readonly text?: string;
}

export interface ReplayOutcome {
  readonly received: readonly ReceivedMessage[];
  /** Client messages sent. */
  readonly sent: number;
  /** Waits for a reply that ran out (pace reply). */
  readonly timeouts: number;
  readonly closeCode: number | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `promise`, or `ms` gone by: whichever comes first. The timer is cleared either way (a pending one would keep the process alive). */
function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

export async function replayConversation(plan: ReplayPlan): Promise<ReplayOutcome> {
  const received: ReceivedMessage[] = [];
  let wake: (() => void) | null = null;
  const secure = plan.url.protocol === 'wss:';
  const { conn, onStream } = plan;
  /** Settles once the socket has closed, after the tap has told onStream of its end. */
  let socketClosed: Promise<void> = Promise.resolve();
  const tap = (socket: Socket): Socket => {
    tapSocket(socket, { conn, we: 'client', onStream, connectEvent: secure ? 'secureConnect' : 'connect' });
    socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    return socket;
  };

  const headers: Record<string, string> = {};
  for (const [name, value] of plan.headers) headers[name] = value;
  const ws = new WebSocket(plan.url, [...plan.protocols], {
    headers,
    perMessageDeflate: plan.deflate,
    rejectUnauthorized: !plan.insecure,
    handshakeTimeout: Math.max(plan.replyTimeoutMs, 5000),
    createConnection: ((options: Record<string, unknown>) =>
      tap(
        secure
          ? tlsConnect({
              ...options,
              path: undefined,
              servername:
                typeof options.servername === 'string'
                  ? options.servername
                  : isIP(String(options.host)) === 0
                    ? String(options.host)
                    : '',
            } as never)
          : netConnect({ ...options, path: options.socketPath } as never),
      )) as never,
  });
  ws.binaryType = 'nodebuffer';
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    received.push(isBinary ? { opcode: 2, data } : { opcode: 1, data, text: data.toString('utf8') });
    wake?.();
  });
  let closeCode: number | null = null;
  const closed = new Promise<void>((resolve) =>
    ws.once('close', (code: number) => {
      closeCode = code;
      wake?.();
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    // a failed handshake settles once the socket has closed: the caller closes its pipeline
    // then, and the tap's end of the connection must not come after that
    const fail = (message: string): void =>
      void socketClosed.then(() => reject(new WsinspectError('replay.connect-failed', message)));
    ws.once('open', () => resolve());
    ws.once('error', (err: Error) => fail(`cannot replay against ${plan.url.href}: ${err.message}`));
    ws.once('unexpected-response', (_req, res) => {
      fail(`${plan.url.href} refused the upgrade: ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
      res.resume();
      ws.terminate();
    });
  });

  /** Until the server has sent `count` messages, or the timeout, or the connection closed. */
  const untilReceived = async (count: number): Promise<boolean> => {
    const deadline = Date.now() + plan.replyTimeoutMs;
    while (received.length < count && closeCode === null) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await within(new Promise<void>((resolve) => (wake = resolve)), left);
      wake = null;
    }
    return received.length >= count;
  };

  let expected = 0;
  let sent = 0;
  let timeouts = 0;
  let previous: number | null = null;
  for (const m of plan.messages) {
    if (m.dir === 's2c') {
      expected += 1;
      continue;
    }
    if (closeCode !== null) break;
    if (plan.pace === 'reply' && !(await untilReceived(expected))) timeouts += 1;
    if (plan.pace === 'original' && previous !== null && m.time !== null)
      await sleep(Math.min(60_000, Math.max(0, (m.time - previous) * 1000)));
    if (m.time !== null) previous = m.time;
    if (closeCode !== null) break;
    await new Promise<void>((resolve) =>
      ws.send(
        m.opcode === 1 ? (m.text ?? Buffer.from(m.data).toString('utf8')) : m.data,
        { binary: m.opcode === 2 },
        () => resolve(),
      ),
    );
    sent += 1;
  }
  if (closeCode === null && !(await untilReceived(expected))) timeouts += 1;
  if (closeCode === null) {
    ws.close(1000, 'replay done');
    await within(closed, plan.replyTimeoutMs);
    if (closeCode === null) ws.terminate();
  }
  await closed;
  return { received, sent, timeouts, closeCode };
}
