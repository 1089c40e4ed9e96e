// The SignalR view: ASP.NET Core SignalR's hub protocol over WebSocket
// (https://github.com/dotnet/aspnetcore/blob/main/src/SignalR/docs/specs/HubProtocol.md).
// The client's handshake ({"protocol":"json"|"messagepack","version":1} and 0x1E) says how the
// rest is framed: JSON records each ended by the record separator 0x1E, or MessagePack arrays
// each after a VarInt length (decoded with @msgpack/msgpack). Records are read from each
// direction's bytes, so several in one message and one across messages both decode.
// Invocations with an invocationId pair with their Completion; a StreamInvocation pairs with
// each StreamItem and ends at its Completion; CancelInvocation withdraws it; pings fold.
// Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, Direction, FrameEvent, MessageEvent } from '../session/events.js';
import { compact, isObject, parseJson } from './app-json.js';
import { toAppValue } from './binary-values.js';
import { msgpackValues } from './msgpack-view.js';
import { Pairing, type ConnectionView, type Decoded, type ViewHints } from './view.js';

const RS = 0x1e;
const KINDS = [
  '',
  'invocation',
  'streamitem',
  'completion',
  'streaminvocation',
  'cancelinvocation',
  'ping',
  'close',
  'ack',
  'sequence',
];
/** A record longer than this without its end is not SignalR. */
const MAX_RECORD = 16 * 1024 * 1024;
const utf8 = new TextDecoder();

/** The hub message of either encoding, by the spec's names. */
interface HubMessage {
  type: number;
  headers?: AppValue;
  invocationId?: string;
  target?: string;
  arguments?: AppValue;
  streamIds?: AppValue;
  item?: AppValue;
  result?: AppValue;
  /** Completion: with no result at all (void). */
  void?: boolean;
  error?: AppValue;
  allowReconnect?: AppValue;
  sequenceId?: AppValue;
}

/** True for a client handshake: {"protocol":…,"version":…} then 0x1E. */
export function looksLikeSignalRHandshake(text: string): boolean {
  if (text.charCodeAt(text.length - 1) !== RS || !text.startsWith('{')) return false;
  const v = parseJson(text.slice(0, -1));
  return !(v instanceof Error) && isObject(v) && typeof v.protocol === 'string' && v.version !== undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const str = (v: AppValue | undefined): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;

/** A JSON record's message. */
function fromJson(v: AppValue): HubMessage | string {
  if (!isObject(v)) return 'a hub message must be a JSON object';
  if (typeof v.type !== 'number') return 'no numeric "type"';
  const m: HubMessage = { type: v.type };
  if (v.headers !== undefined) m.headers = v.headers;
  const id = str(v.invocationId);
  if (id !== undefined) m.invocationId = id;
  if (typeof v.target === 'string') m.target = v.target;
  for (const k of ['arguments', 'streamIds', 'item', 'result', 'error', 'allowReconnect', 'sequenceId'] as const)
    if (v[k] !== undefined) m[k] = v[k];
  if (m.type === 3 && !('result' in v) && !('error' in v)) m.void = true;
  return m;
}

/** A MessagePack record's message: an array whose first element is the type. */
function fromMsgpack(a: AppValue): HubMessage | string {
  if (!Array.isArray(a) || a.length === 0 || typeof a[0] !== 'number')
    return 'a hub message must be a MessagePack array starting with its type';
  const type = a[0];
  const m: HubMessage = { type };
  const need = (n: number): string | null =>
    a.length < n ? `type ${type} needs ${n} elements, has ${a.length}` : null;
  switch (type) {
    case 1:
    case 4: {
      const short = need(5);
      if (short !== null) return short;
      m.headers = a[1];
      const id = str(a[2]);
      if (id !== undefined) m.invocationId = id;
      if (typeof a[3] !== 'string') return `type ${type}: target is not a string`;
      m.target = a[3];
      m.arguments = a[4];
      if (a.length > 5) m.streamIds = a[5];
      return m;
    }
    case 2: {
      const short = need(4);
      if (short !== null) return short;
      m.headers = a[1];
      m.invocationId = str(a[2]);
      m.item = a[3];
      return m;
    }
    case 3: {
      const short = need(4);
      if (short !== null) return short;
      m.headers = a[1];
      m.invocationId = str(a[2]);
      const kind = a[3];
      if (kind === 1) m.error = a[4] ?? null;
      else if (kind === 2) m.void = true;
      else if (kind === 3) m.result = a[4] ?? null;
      else return `completion with result kind ${compact(kind ?? null, 20)} (1, 2 or 3)`;
      return m;
    }
    case 5: {
      const short = need(3);
      if (short !== null) return short;
      m.headers = a[1];
      m.invocationId = str(a[2]);
      return m;
    }
    case 7:
      if (a.length > 1 && a[1] !== null) m.error = a[1];
      if (a.length > 2) m.allowReconnect = a[2];
      return m;
    case 8:
    case 9:
      if (a.length > 1) m.sequenceId = a[1];
      return m;
    default:
      return m;
  }
}

/** Reads a VarInt length at `i`: [length, bytes it took], or null when cut short (or over 5 bytes). */
function varint(b: Uint8Array, i: number): [number, number] | null | 'bad' {
  let len = 0;
  for (let k = 0; k < 5; k++) {
    if (i + k >= b.length) return null;
    const byte = b[i + k];
    len += (byte & 0x7f) * 2 ** (7 * k);
    if ((byte & 0x80) === 0) return [len, k + 1];
  }
  return 'bad';
}

export function signalrView(hints: ViewHints): ConnectionView {
  const pairing = new Pairing(hints.conn);
  let encoding: 'json' | 'messagepack' | null = null;
  const handshaken: Record<Direction, boolean> = { c2s: false, s2c: false };
  const pending: Record<Direction, Uint8Array> = { c2s: new Uint8Array(0), s2c: new Uint8Array(0) };

  function handshake(msg: MessageEvent, record: Uint8Array, diagnostics: Diagnostic[]): AppItem | null {
    const v = parseJson(utf8.decode(record));
    if (v instanceof Error || !isObject(v)) {
      diagnostics.push(diagnostic('signalr.message.malformed', 'handshake is not a JSON object'));
      return null;
    }
    if (msg.dir === 'c2s') {
      const protocol = typeof v.protocol === 'string' ? v.protocol : '';
      if (protocol === 'json' || protocol === 'messagepack') encoding = protocol;
      else
        diagnostics.push(
          diagnostic('signalr.message.malformed', `handshake asks for hub protocol ${JSON.stringify(protocol)}`),
        );
      pairing.request(msg.dir, 'handshake', msg, 'handshake');
      return {
        kind: 'handshake',
        summary: `handshake protocol=${protocol} version=${compact(v.version ?? null)}`,
        fields: { protocol, version: v.version ?? null },
        request: 'handshake',
        awaits: true,
      };
    }
    const pair = pairing.response(msg.dir, 'handshake', msg);
    const error = v.error !== undefined;
    let summary = error ? `handshake error ${compact(v.error)}` : 'handshake ok';
    if (pair !== null) summary += pairText(pair);
    return {
      kind: 'handshake',
      summary,
      fields: error ? { error: v.error } : {},
      ...(error ? { error: true } : {}),
      ...(pair === null ? {} : { pair }),
    };
  }

  function hubItem(msg: MessageEvent, m: HubMessage, diagnostics: Diagnostic[]): AppItem {
    const kind = KINDS[m.type] ?? `type${m.type}`;
    const fields: Record<string, AppValue> = { type: m.type };
    if (m.target !== undefined) fields.target = m.target;
    if (m.invocationId !== undefined) fields.invocationId = m.invocationId;
    if (m.arguments !== undefined) fields.arguments = m.arguments;
    if (m.streamIds !== undefined && !(Array.isArray(m.streamIds) && m.streamIds.length === 0))
      fields.streamIds = m.streamIds;
    for (const k of ['item', 'result', 'error', 'allowReconnect', 'sequenceId'] as const)
      if (m[k] !== undefined) fields[k] = m[k];
    if (m.headers !== undefined && isObject(m.headers) && Object.keys(m.headers).length > 0) fields.headers = m.headers;
    const id = m.invocationId === undefined ? '' : ` id=${m.invocationId}`;
    const key = `inv:${m.invocationId ?? ''}`;
    let summary = kind;
    let pair: AppPair | null = null;
    let request: string | undefined;
    let awaits = false;
    switch (m.type) {
      case 1:
      case 4:
        summary = `${kind} ${m.target}${id} ${compact(m.arguments ?? [])}`;
        request = m.target;
        if (m.invocationId !== undefined) {
          awaits = true;
          if (!pairing.request(msg.dir, key, msg, m.target ?? ''))
            diagnostics.push(
              diagnostic('signalr.message.malformed', `invocationId ${m.invocationId} reused before its completion`),
            );
        }
        break;
      case 2:
      case 3: {
        if (m.type === 2) summary = `${kind}${id} ${compact(m.item ?? null)}`;
        else if (m.error !== undefined) summary = `${kind}${id} error ${compact(m.error)}`;
        else summary = `${kind}${id}${m.void === true ? '' : ' ' + compact(m.result ?? null)}`;
        pair = pairing.response(msg.dir, key, msg, m.type === 3);
        if (pair === null)
          diagnostics.push(
            diagnostic(
              'signalr.invocation.unknown',
              `${kind} for invocationId ${m.invocationId ?? '(none)'}, which no invocation is waiting on`,
            ),
          );
        break;
      }
      case 5:
        summary = `${kind}${id}`;
        pairing.drop(msg.dir, key);
        break;
      case 7:
        summary = m.error === undefined ? 'close' : `close error ${compact(m.error)}`;
        if (m.allowReconnect !== undefined) summary += ` allowReconnect=${compact(m.allowReconnect)}`;
        break;
      case 8:
      case 9:
        summary = `${kind} ${compact(m.sequenceId ?? null)}`;
        break;
      case 6:
        break;
      default:
        diagnostics.push(diagnostic('signalr.message.malformed', `unknown message type ${m.type}`));
    }
    if (pair !== null) summary += pairText(pair);
    return {
      kind,
      summary,
      fields,
      ...(m.type === 6 ? { heartbeat: true } : {}),
      ...(request === undefined ? {} : { request, awaits }),
      ...((m.type === 3 && m.error !== undefined) || (m.type === 7 && m.error !== undefined) ? { error: true } : {}),
      ...(pair === null ? {} : { pair }),
    };
  }

  return {
    protocol: 'signalr',
    heartbeat(frame: FrameEvent): boolean {
      if (frame.text !== undefined) return frame.text === '{"type":6}\x1e';
      const p = frame.frame.payload;
      return frame.frame.opcode === 2 && p.length === 3 && p[0] === 2 && p[1] === 0x91 && p[2] === 6;
    },
    decode(msg: MessageEvent): Decoded {
      const items: AppItem[] = [];
      const diagnostics: Diagnostic[] = [];
      let b = concat(pending[msg.dir], msg.data);
      while (b.length > 0) {
        // the handshake, and the JSON protocol's records, end at 0x1E
        if (!handshaken[msg.dir] || encoding !== 'messagepack') {
          const end = b.indexOf(RS);
          if (end === -1) {
            if (b.length > MAX_RECORD) {
              diagnostics.push(diagnostic('signalr.message.malformed', `no record separator in ${b.length} bytes`));
              b = new Uint8Array(0);
            }
            break;
          }
          const record = b.subarray(0, end);
          b = b.subarray(end + 1);
          if (!handshaken[msg.dir]) {
            handshaken[msg.dir] = true;
            const item = handshake(msg, record, diagnostics);
            if (item !== null) items.push(item);
            continue;
          }
          const v = parseJson(utf8.decode(record));
          const m = v instanceof Error ? `not JSON: ${v.message}` : fromJson(v);
          if (typeof m === 'string') diagnostics.push(diagnostic('signalr.message.malformed', m));
          else items.push(hubItem(msg, m, diagnostics));
          continue;
        }
        const len = varint(b, 0);
        if (len === 'bad') {
          diagnostics.push(diagnostic('signalr.message.malformed', 'MessagePack record length over 5 VarInt bytes'));
          b = new Uint8Array(0);
          break;
        }
        if (len === null || b.length < len[1] + len[0]) break;
        const record = b.subarray(len[1], len[1] + len[0]);
        b = b.subarray(len[1] + len[0]);
        let m: HubMessage | string;
        try {
          const values = msgpackValues(record);
          m = values.length === 1 ? fromMsgpack(toAppValue(values[0])) : `${values.length} values in one record`;
        } catch (error) {
          m = `not MessagePack: ${(error as Error).message}`;
        }
        if (typeof m === 'string') diagnostics.push(diagnostic('signalr.message.malformed', m));
        else items.push(hubItem(msg, m, diagnostics));
      }
      pending[msg.dir] = b.length === 0 ? new Uint8Array(0) : b.slice();
      const pair = items.find((i) => i.pair !== undefined)?.pair;
      return {
        app: items.length === 0 ? null : { protocol: 'signalr', items },
        diagnostics,
        ...(pair === undefined ? {} : { pair }),
      };
    },
    finish(): Diagnostic[] {
      return pairing
        .unanswered()
        .map((w) =>
          diagnostic(
            'signalr.invocation.unanswered',
            `invocation ${w.label} (message at frame #${w.index}) never completed`,
          ),
        );
    },
  };
}

function pairText(pair: AppPair): string {
  return ` (${pair.request}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`;
}
