// The Phoenix Channels view, V2 serializer (vsn=2.0.0; phoenix/assets/js/phoenix/serializer.js
// and Phoenix.Socket.V2.JSONSerializer): text messages [join_ref, ref, topic, event, payload];
// binary ones a kind byte (0 push, 1 reply, 2 broadcast), the lengths of the text fields, the
// fields, then the payload bytes — a client's push carries join_ref, ref, topic and event, a
// server's push join_ref, topic and event, a reply join_ref, ref, topic and status, a broadcast
// topic and event. A push with a ref pairs with the phx_reply of that ref; heartbeats on the
// "phoenix" topic and their replies fold.
// Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, FrameEvent, MessageEvent } from '../session/events.js';
import { compact, isObject, parseJson } from './app-json.js';
import { Pairing, textOf, type ConnectionView, type Decoded, type ViewHints } from './view.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface PhxMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: AppValue;
  binary: boolean;
}

const KIND: Record<string, string> = {
  phx_join: 'join',
  phx_leave: 'leave',
  phx_reply: 'reply',
  phx_close: 'close',
  phx_error: 'error',
  heartbeat: 'heartbeat',
};

/** True for a Phoenix V2 socket path (…/websocket?vsn=2.0.0). */
export function isPhoenixPath(path: string): boolean {
  return /\/websocket\?(.*&)?vsn=2\./.test(path);
}

/** True for a message a Phoenix V2 client opens with: a join or a heartbeat as a 5-element array. */
export function looksLikePhoenix(value: AppValue): boolean {
  return (
    Array.isArray(value) &&
    value.length === 5 &&
    typeof value[2] === 'string' &&
    (value[3] === 'phx_join' || (value[2] === 'phoenix' && value[3] === 'heartbeat'))
  );
}

const refOf = (v: AppValue): string | null | undefined =>
  v === null ? null : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

function fromJson(v: AppValue): PhxMessage | string {
  if (!Array.isArray(v) || v.length !== 5)
    return 'a V2 message is a JSON array of 5: [join_ref, ref, topic, event, payload]';
  const joinRef = refOf(v[0]);
  const ref = refOf(v[1]);
  if (joinRef === undefined || ref === undefined) return 'join_ref and ref must be strings or null';
  if (typeof v[2] !== 'string' || typeof v[3] !== 'string') return 'topic and event must be strings';
  return { joinRef, ref, topic: v[2], event: v[3], payload: v[4], binary: false };
}

function fromBinary(b: Uint8Array, fromClient: boolean): PhxMessage | string {
  const kind = b[0];
  // the text fields each kind carries, in order
  const names =
    kind === 0
      ? fromClient
        ? ['joinRef', 'ref', 'topic', 'event']
        : ['joinRef', 'topic', 'event']
      : kind === 1
        ? ['joinRef', 'ref', 'topic', 'status']
        : kind === 2
          ? ['topic', 'event']
          : null;
  if (names === null) return `binary message of kind ${kind} (0 push, 1 reply, 2 broadcast)`;
  if (b.length < 1 + names.length)
    return `binary ${kind === 0 ? 'push' : kind === 1 ? 'reply' : 'broadcast'} cut short`;
  const f: Record<string, string> = {};
  let o = 1 + names.length;
  for (let i = 0; i < names.length; i++) {
    const n = b[1 + i];
    if (o + n > b.length) return `binary field ${names[i]} runs past the message's end`;
    try {
      f[names[i]] = utf8.decode(b.subarray(o, o + n));
    } catch {
      return `binary field ${names[i]} is not UTF-8`;
    }
    o += n;
  }
  const data = b.slice(o);
  if (kind === 1)
    return {
      joinRef: f.joinRef,
      ref: f.ref,
      topic: f.topic,
      event: 'phx_reply',
      payload: { status: f.status, response: data },
      binary: true,
    };
  return {
    joinRef: f.joinRef ?? null,
    ref: f.ref ?? null,
    topic: f.topic,
    event: f.event,
    payload: data,
    binary: true,
  };
}

export function phoenixView(hints: ViewHints): ConnectionView {
  const pairing = new Pairing(hints.conn);

  function item(msg: MessageEvent, m: PhxMessage, diagnostics: Diagnostic[]): AppItem {
    const heartbeat = m.topic === 'phoenix';
    const kind = KIND[m.event] ?? (msg.dir === 's2c' && m.ref === null && m.joinRef === null ? 'broadcast' : 'push');
    const fields: Record<string, AppValue> = {
      joinRef: m.joinRef,
      ref: m.ref,
      topic: m.topic,
      event: m.event,
      payload: m.payload,
    };
    if (m.binary) fields.binary = true;
    let summary = `${m.event} ${m.topic}${m.ref === null ? '' : ` ref=${m.ref}`}`;
    let pair: AppPair | null = null;
    let request: string | undefined;
    let error = false;
    if (m.event === 'phx_reply') {
      const p = m.payload;
      const status = isObject(p) && typeof p.status === 'string' ? p.status : '?';
      error = status === 'error';
      summary += ` ${status}`;
      if (isObject(p) && p.response !== undefined) summary += ` ${compact(p.response)}`;
      if (m.ref !== null) pair = pairing.response(msg.dir, m.ref, msg);
      if (pair === null)
        diagnostics.push(
          diagnostic('phoenix.reply.unknown', `phx_reply for ref ${m.ref ?? 'null'}, which no push is waiting on`),
        );
      else summary += ` (${pair.request}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`;
    } else {
      summary += ` ${compact(m.payload)}`;
      request = m.event === 'phx_join' ? `phx_join ${m.topic}` : m.event;
      if (m.ref !== null && msg.dir === 'c2s' && !pairing.request(msg.dir, m.ref, msg, request))
        diagnostics.push(diagnostic('phoenix.message.malformed', `ref ${m.ref} reused before its reply`));
    }
    return {
      kind,
      summary,
      fields,
      ...(heartbeat ? { heartbeat: true } : {}),
      ...(request === undefined ? {} : { request, awaits: m.ref !== null && msg.dir === 'c2s' }),
      ...(error ? { error: true } : {}),
      ...(pair === null ? {} : { pair }),
    };
  }

  return {
    protocol: 'phoenix',
    heartbeat(frame: FrameEvent): boolean {
      const t = frame.text;
      return t !== undefined && t.startsWith('[null,') && t.includes(',"phoenix","');
    },
    decode(msg: MessageEvent): Decoded {
      let m: PhxMessage | string;
      if (msg.opcode === 2)
        m = msg.data.length === 0 ? 'empty binary message' : fromBinary(msg.data, msg.dir === 'c2s');
      else {
        const v = parseJson(textOf(msg) ?? '');
        if (v instanceof Error)
          return { app: null, diagnostics: [diagnostic('app.json.invalid', `not JSON: ${v.message}`)] };
        m = fromJson(v);
      }
      if (typeof m === 'string') return { app: null, diagnostics: [diagnostic('phoenix.message.malformed', m)] };
      const diagnostics: Diagnostic[] = [];
      const it = item(msg, m, diagnostics);
      return {
        app: { protocol: 'phoenix', items: [it] },
        diagnostics,
        ...(it.pair === undefined ? {} : { pair: it.pair }),
      };
    },
    finish(): Diagnostic[] {
      return pairing
        .unanswered()
        .map((w) =>
          diagnostic('phoenix.reply.missing', `push ${w.label} (message at frame #${w.index}) never got its phx_reply`),
        );
    },
  };
}
