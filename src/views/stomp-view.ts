// The STOMP view (1.0, 1.1, 1.2; https://stomp.github.io/stomp-specification-1.2.html): frames
// parsed from each direction's bytes, so several frames in one message and one frame across
// messages both decode; bodies by content-length or up to the NUL; 1.2 header escapes undone
// (not in CONNECT/CONNECTED); bare end-of-lines are heart-beats. Pairs: a frame's `receipt`
// with its RECEIPT (or ERROR), CONNECT with CONNECTED, each MESSAGE with its SUBSCRIBE by id.
// Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, Direction, FrameEvent, MessageEvent } from '../session/events.js';
import { compact, parseJson } from './app-json.js';
import { Pairing, type ConnectionView, type Decoded, type ViewHints } from './view.js';

const CLIENT = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'ACK',
  'NACK',
  'DISCONNECT',
];
const SERVER = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'];
/** A frame's head larger than this without its blank line is not STOMP. */
const MAX_HEAD = 64 * 1024;
const decoder = new TextDecoder();

function unescape(v: string): string {
  return v.replace(/\\([rnc\\])/g, (_, c: string) => (c === 'r' ? '\r' : c === 'n' ? '\n' : c === 'c' ? ':' : '\\'));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Where the head (command and headers) ends: the index after its blank line, and the blank line's start. */
function headEnd(b: Uint8Array): { start: number; after: number } | null {
  for (let i = 0; i < b.length - 1; i++) {
    if (b[i] !== 0x0a) continue;
    if (b[i + 1] === 0x0a) return { start: i, after: i + 2 };
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return { start: i, after: i + 3 };
  }
  return null;
}

export function looksLikeStomp(text: string): boolean {
  return /^(CONNECT|STOMP|CONNECTED)\r?\n/.test(text);
}

export function stompView(hints: ViewHints): ConnectionView {
  const pairing = new Pairing(hints.conn);
  const pending: Record<Direction, Uint8Array> = { c2s: new Uint8Array(0), s2c: new Uint8Array(0) };

  function frameItem(
    msg: MessageEvent,
    command: string,
    headers: Record<string, string>,
    body: Uint8Array,
    diagnostics: Diagnostic[],
  ): AppItem {
    const bodyText = decoder.decode(body);
    const json = /^\s*[[{]/.test(bodyText) ? parseJson(bodyText) : null;
    const bodyValue: AppValue = json !== null && !(json instanceof Error) ? json : bodyText;
    const fields: Record<string, AppValue> = { command, headers };
    if (body.length > 0) fields.body = bodyValue;
    let summary = command;
    for (const h of ['destination', 'id', 'subscription', 'receipt', 'receipt-id', 'message', 'version']) {
      if (headers[h] !== undefined) summary += ` ${h}=${headers[h]}`;
    }
    if (body.length > 0)
      summary +=
        ' ' + (typeof bodyValue === 'string' ? JSON.stringify(bodyValue.slice(0, 120)) : compact(bodyValue, 120));
    let request: string | undefined;
    let pair: AppPair | null = null;
    const error = command === 'ERROR';
    // a receipt is asked by a client frame (RabbitMQ copies the header into the MESSAGE it delivers)
    if (headers.receipt !== undefined && CLIENT.includes(command)) {
      request = `${command}${headers.destination === undefined ? '' : ' ' + headers.destination}`;
      pairing.request(msg.dir, `receipt:${headers.receipt}`, msg, request);
    }
    if (command === 'CONNECT' || command === 'STOMP') {
      request = command;
      pairing.request(msg.dir, 'connect', msg, command);
    } else if (command === 'CONNECTED') pair = pairing.response(msg.dir, 'connect', msg);
    else if (command === 'SUBSCRIBE' && headers.id !== undefined) {
      request = `SUBSCRIBE ${headers.destination ?? ''}`.trimEnd();
      pairing.request(msg.dir, `sub:${headers.id}`, msg, request);
    } else if (command === 'UNSUBSCRIBE' && headers.id !== undefined) pairing.drop(msg.dir, `sub:${headers.id}`);
    else if (command === 'MESSAGE' && headers.subscription !== undefined)
      pair = pairing.response(msg.dir, `sub:${headers.subscription}`, msg, false);
    if ((command === 'RECEIPT' || command === 'ERROR') && headers['receipt-id'] !== undefined) {
      pair = pairing.response(msg.dir, `receipt:${headers['receipt-id']}`, msg);
      if (pair === null && command === 'RECEIPT')
        diagnostics.push(
          diagnostic(
            'stomp.frame.malformed',
            `RECEIPT for receipt-id ${headers['receipt-id']}, which no frame asked for`,
          ),
        );
    }
    if (pair !== null) summary += ` (${pair.request}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`;
    return {
      kind: command.toLowerCase(),
      summary,
      fields,
      // a subscription is not owed an answer: only receipts and CONNECT are
      ...(request === undefined ? {} : { request, awaits: command !== 'SUBSCRIBE' || headers.receipt !== undefined }),
      ...(error ? { error } : {}),
      ...(pair === null ? {} : { pair }),
    };
  }

  return {
    protocol: 'stomp',
    heartbeat(frame: FrameEvent): boolean {
      return frame.text === '\n' || frame.text === '\r\n';
    },
    decode(msg: MessageEvent): Decoded {
      const items: AppItem[] = [];
      const diagnostics: Diagnostic[] = [];
      let b = concat(pending[msg.dir], msg.data);
      let beats = 0;
      for (;;) {
        let i = 0;
        while (i < b.length && (b[i] === 0x0a || (b[i] === 0x0d && b[i + 1] === 0x0a))) {
          i += b[i] === 0x0d ? 2 : 1;
          beats++;
        }
        b = b.subarray(i);
        if (b.length === 0) break;
        const end = headEnd(b);
        if (end === null) {
          if (b.length > MAX_HEAD) {
            diagnostics.push(diagnostic('stomp.frame.malformed', `no end of headers in ${b.length} bytes`));
            b = new Uint8Array(0);
          }
          break;
        }
        const head = decoder.decode(b.subarray(0, end.start)).split(/\r?\n/);
        const command = head[0];
        const skipToNul = (): void => {
          const nul = b.indexOf(0, end.after);
          b = nul === -1 ? new Uint8Array(0) : b.subarray(nul + 1);
        };
        if (!CLIENT.includes(command) && !SERVER.includes(command)) {
          diagnostics.push(
            diagnostic('stomp.frame.malformed', `unknown command ${JSON.stringify(command.slice(0, 40))}`),
          );
          skipToNul();
          continue;
        }
        if ((msg.dir === 'c2s') !== CLIENT.includes(command))
          diagnostics.push(
            diagnostic(
              'stomp.frame.malformed',
              `${command} is a ${CLIENT.includes(command) ? 'client' : 'server'} frame, sent the other way`,
            ),
          );
        const headers: Record<string, string> = {};
        const escaped = command !== 'CONNECT' && command !== 'CONNECTED';
        for (const line of head.slice(1)) {
          const colon = line.indexOf(':');
          if (colon <= 0) {
            diagnostics.push(
              diagnostic(
                'stomp.frame.malformed',
                `header line without a name and colon: ${JSON.stringify(line.slice(0, 40))}`,
              ),
            );
            continue;
          }
          const name = escaped ? unescape(line.slice(0, colon)) : line.slice(0, colon);
          // the first of a repeated header wins (STOMP 1.2 §Repeated Header Entries)
          if (headers[name] === undefined)
            headers[name] = escaped ? unescape(line.slice(colon + 1)) : line.slice(colon + 1);
        }
        const declared = headers['content-length'];
        let body: Uint8Array;
        if (declared !== undefined && /^\d+$/.test(declared)) {
          const n = Number(declared);
          if (b.length < end.after + n + 1) break;
          if (b[end.after + n] !== 0) {
            diagnostics.push(diagnostic('stomp.frame.malformed', `no NUL after the content-length ${n} body`));
            skipToNul();
            continue;
          }
          body = b.subarray(end.after, end.after + n);
          b = b.subarray(end.after + n + 1);
        } else {
          const nul = b.indexOf(0, end.after);
          if (nul === -1) break;
          body = b.subarray(end.after, nul);
          b = b.subarray(nul + 1);
        }
        items.push(frameItem(msg, command, headers, body, diagnostics));
      }
      pending[msg.dir] = b.length === 0 ? new Uint8Array(0) : b.slice();
      if (items.length === 0 && beats > 0)
        items.push({
          kind: 'heartbeat',
          summary: 'heart-beat',
          fields: { command: 'heartbeat', headers: {} },
          heartbeat: true,
        });
      const pair = items.find((i) => i.pair !== undefined)?.pair;
      return {
        app: items.length === 0 ? null : { protocol: 'stomp', items },
        diagnostics,
        ...(pair === undefined ? {} : { pair }),
      };
    },
  };
}
