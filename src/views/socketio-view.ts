// The Socket.IO view: Engine.IO 4 and 3 packets over WebSocket (open, close, ping, pong,
// message, upgrade, noop) and the Socket.IO packets inside message packets (CONNECT,
// DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK), with namespace, event,
// arguments, ack id, and binary attachments joined to their event. Acks pair with their events.
// Specs: https://socket.io/docs/v4/engine-io-protocol/ and /socket-io-protocol/.
// Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, Direction, FrameEvent, MessageEvent } from '../session/events.js';
import { compact, isObject, parseJson } from './app-json.js';
import { scanJson, scanned } from './json-scan.js';
import { NO_DIAGNOSTICS, Pairing, textOf, type ConnectionView, type Decoded, type ViewHints } from './view.js';
import { putDecimal } from '../protocol/bytes.js';

/** Sticky: matched where the packet's reading has got to, without cutting the string. */
const ATTACHMENTS = /(\d+)-/y;
const DIGITS = /\d+/y;
const ENGINE_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'] as const;
const SOCKET_TYPES_V5 = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'];
const SOCKET_TYPES_V4 = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'ERROR', 'BINARY_EVENT', 'BINARY_ACK'];

/** A binary event or ack waiting for its attachments (they follow it, in its direction). */
interface PendingBinary {
  readonly type: string;
  readonly namespace: string;
  readonly event: string | null;
  readonly ackId: number | null;
  readonly args: AppValue;
  readonly count: number;
  readonly parts: Uint8Array[];
}

/** How many namespaces of a connection have numbers for their pairing keys. */
const NUMBERED_NAMESPACES = 64;

/** The Engine.IO version a request path names (EIO=3 or 4), or null. */
export function eioOfPath(path: string | null): 3 | 4 | null {
  const m = path === null ? null : /[?&]EIO=(\d+)/.exec(path);
  return m === null ? null : m[1] === '3' ? 3 : m[1] === '4' ? 4 : null;
}

/** compact()'s cut of a summary part: at most 200 characters, then '…'. */
const CUT = 200;
const ELLIPSIS = [0xe2, 0x80, 0xa6];
const EVENT_WORD = [0x45, 0x56, 0x45, 0x4e, 0x54, 0x20]; // "EVENT "
const ACK_WORD = [0x41, 0x43, 0x4b, 0x20]; // "ACK "
const ACK_EQ = [0x20, 0x61, 0x63, 0x6b, 0x3d]; // " ack="

/** Printable ASCII but the backslash: bytes printed as they are (escapeForTerminal leaves them). */
const plainByte = (c: number): boolean => c >= 0x20 && c < 0x7f && c !== 0x5c;

/** The characters of bytes known to be ASCII. */
function ascii(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * Recent short ASCII strings read from messages (namespaces, event names): a listing reads the
 * same few again and again, and building each a character at a time was most of its garbage.
 */
const RECENT = 16;
const recent: string[] = [];
let recentNext = 0;

function asciiRecent(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n > 32) return ascii(b, start, end);
  search: for (let k = 0; k < recent.length; k++) {
    const s = recent[k];
    if (s.length !== n) continue;
    for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== b[start + i]) continue search;
    return s;
  }
  const s = ascii(b, start, end);
  recent[recentNext] = s;
  recentNext = (recentNext + 1) % RECENT;
  return s;
}

function putBytes(out: Uint8Array, o: number, bytes: readonly number[]): number {
  for (let i = 0; i < bytes.length; i++) out[o + i] = bytes[i];
  return o + bytes.length;
}

/** b[start, end) cut as compact() cuts: 200 characters and '…' (ASCII: a character a byte). */
function putCut(out: Uint8Array, o: number, b: Uint8Array, start: number, end: number): number {
  const n = Math.min(end - start, CUT);
  for (let i = 0; i < n; i++) out[o + i] = b[start + i];
  o += n;
  return end - start > CUT ? putBytes(out, o, ELLIPSIS) : o;
}

/**
 * `String(ms)` written from `o`, for the milliseconds Pairing makes (a whole number of
 * microseconds over 1000): the integer part and up to 3 decimals without trailing zeros.
 * Anything else (negative, not a whole number of microseconds, or too large to be sure of the
 * digits): -1, for the caller to write String(ms) itself.
 */
function putMs(out: Uint8Array, o: number, ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= 0 && us < 1e15 && us / 1000 === ms)) return -1;
  const whole = Math.floor(us / 1000);
  let frac = us - whole * 1000;
  o = putDecimal(out, o, whole);
  if (frac !== 0) {
    out[o++] = 0x2e;
    let digits = 3;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    for (let d = digits - 1; d >= 0; d--) {
      out[o + d] = 0x30 + (frac % 10);
      frac = Math.floor(frac / 10);
    }
    o += digits;
  }
  return o;
}

/**
 * An EVENT or ACK (no attachments) read from its bytes without parsing its payload, which is
 * printable ASCII JSON already in compact form: the summary is the packet's text rearranged,
 * written as bytes into a listing (writeSummary) or built when read; the fields (event
 * arguments, ack data) are parsed when first read (--json, -V, a filter on them).
 */
class LazyPacketItem implements AppItem {
  private built: Record<string, AppValue> | undefined = undefined;
  private text: string | undefined = undefined;
  readonly request: string | undefined;
  readonly awaits: boolean | undefined;

  constructor(
    readonly kind: 'event' | 'ack',
    private readonly eio: 3 | 4,
    private readonly namespace: string,
    private readonly event: string | null,
    private readonly ackId: number | null,
    /** The message's bytes: the JSON payload from `at` to the end. */
    private readonly data: Uint8Array,
    private readonly at: number,
    /** An event's: the end of its name (its first comma, or the array's end). */
    private readonly nameEnd: number,
    readonly pair: AppPair | undefined,
  ) {
    this.request = event ?? undefined;
    this.awaits = event !== null && ackId !== null ? true : undefined;
  }

  /** Pairing's part of an ACK's summary: ` ("event", 0.08 ms)`, or ''. */
  private get answers(): string {
    const pair = this.pair;
    if (pair === undefined) return '';
    return ` (${JSON.stringify(pair.request)}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`;
  }

  /** Most bytes writeSummary writes. */
  get summaryRoom(): number {
    const pair = this.pair;
    return this.data.length + this.namespace.length + (pair === undefined ? 0 : pair.request.length * 6 + 40) + 40;
  }

  writeSummary(out: Uint8Array, o: number): number {
    const b = this.data;
    const end = b.length;
    o = putBytes(out, o, this.event === null ? ACK_WORD : EVENT_WORD);
    const ns = this.namespace;
    if (ns !== '/') {
      for (let i = 0; i < ns.length; i++) out[o + i] = ns.charCodeAt(i);
      o += ns.length;
      out[o++] = 0x20;
    }
    if (this.event !== null) {
      for (let i = this.at + 1; i < this.nameEnd; i++) out[o++] = b[i];
      out[o++] = 0x20;
      if (this.nameEnd === end - 1) {
        out[o++] = 0x5b;
        out[o++] = 0x5d;
      } else {
        // the arguments: the array from its first comma, that comma written as '['
        const from = o;
        o = putCut(out, o, b, this.nameEnd, end);
        out[from] = 0x5b;
      }
    } else o = putCut(out, o, b, this.at, end);
    if (this.ackId !== null) {
      o = putBytes(out, o, ACK_EQ);
      o = putDecimal(out, o, this.ackId);
    }
    const pair = this.pair;
    if (pair === undefined) return o;
    // ` ("event", 0.08 ms)` as `answers` makes it, without the string: a label with a quote
    // or anything escaped takes the string's way (JSON.stringify's escapes)
    const label = pair.request;
    const start = o;
    out[o++] = 0x20;
    out[o++] = 0x28;
    out[o++] = 0x22;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      if (!plainByte(c) || c === 0x22) return this.writeAnswers(out, start);
      out[o++] = c;
    }
    out[o++] = 0x22;
    if (pair.latencyMs !== null) {
      out[o++] = 0x2c;
      out[o++] = 0x20;
      o = putMs(out, o, pair.latencyMs);
      if (o < 0) return this.writeAnswers(out, start);
      out[o++] = 0x20;
      out[o++] = 0x6d;
      out[o++] = 0x73;
    }
    out[o++] = 0x29;
    return o;
  }

  /** `answers` written from `o`; -1 when not printable ASCII. */
  private writeAnswers(out: Uint8Array, o: number): number {
    const a = this.answers;
    for (let i = 0; i < a.length; i++) {
      const c = a.charCodeAt(i);
      if (!plainByte(c)) return -1;
      out[o + i] = c;
    }
    return o + a.length;
  }

  get summary(): string {
    if (this.text !== undefined) return this.text;
    const b = this.data;
    const end = b.length;
    const ns = this.namespace === '/' ? '' : this.namespace + ' ';
    const cut = (s: string): string => (s.length > CUT ? s.slice(0, CUT) + '…' : s);
    const ack = this.ackId === null ? '' : ` ack=${this.ackId}`;
    const text =
      this.event === null
        ? `ACK ${ns}${cut(ascii(b, this.at, end))}${ack}${this.answers}`
        : `EVENT ${ns}${ascii(b, this.at + 1, this.nameEnd)} ${cut(this.nameEnd === end - 1 ? '[]' : '[' + ascii(b, this.nameEnd + 1, end))}${ack}`;
    return (this.text = text);
  }

  get fields(): Record<string, AppValue> {
    if (this.built !== undefined) return this.built;
    const data = parseJson(ascii(this.data, this.at, this.data.length)) as AppValue[];
    const fields: Record<string, AppValue> = { eio: this.eio, type: this.kind === 'event' ? 'EVENT' : 'ACK' };
    fields.namespace = this.namespace;
    if (this.event !== null) {
      fields.event = this.event;
      fields.args = data.slice(1);
      if (this.ackId !== null) fields.ackId = this.ackId;
    } else {
      fields.ackId = this.ackId!;
      fields.args = data;
    }
    return (this.built = fields);
  }
}

export function socketIoView(hints: ViewHints): ConnectionView {
  let eio: 3 | 4 = eioOfPath(hints.path) ?? 4;
  const pairing = new Pairing(hints.conn);
  const pending: Record<Direction, PendingBinary | null> = { c2s: null, s2c: null };
  /** The namespaces met first on this connection: their places number their pairing keys. */
  const namespaces: string[] = [];

  /**
   * The pairing key of an ack id in a namespace: a number, id × 64 + the namespace's place
   * (no string built and hashed per message), or `namespace#id` for a namespace beyond the
   * first 64 and for ids too large to be exact that way.
   */
  function ackKey(namespace: string, ackId: number): string | number {
    if (ackId < 2 ** 45) {
      let k = 0;
      while (k < namespaces.length && namespaces[k] !== namespace) k++;
      if (k === namespaces.length && k < NUMBERED_NAMESPACES) namespaces.push(namespace);
      if (k < NUMBERED_NAMESPACES) return ackId * NUMBERED_NAMESPACES + k;
    }
    return `${namespace}#${ackId}`;
  }

  const malformed = (why: string): Decoded => ({
    app: null,
    diagnostics: [diagnostic('socketio.packet.malformed', why)],
  });

  function engine(type: string, summary: string, extra: Record<string, AppValue> = {}, heartbeat = false): AppItem {
    return { kind: type, summary, fields: { eio, type, ...extra }, ...(heartbeat ? { heartbeat } : {}) };
  }

  /**
   * The common packets, EVENT and ACK without attachments, read from the message's bytes (`b`,
   * the Socket.IO packet from `start`) when their JSON is ASCII and already compact: the
   * summary is then the text itself. Null: anything else, read the general way.
   */
  function fastPacket(msg: MessageEvent, b: Uint8Array, start: number): Decoded | null {
    const typeDigit = b[start] - 48;
    if (typeDigit !== 2 && typeDigit !== 3) return null;
    const end = b.length;
    let i = start + 1;
    let nsEnd = i;
    if (b[i] === 0x2f) {
      while (nsEnd < end && b[nsEnd] !== 0x2c) {
        if (!plainByte(b[nsEnd])) return null;
        nsEnd++;
      }
      if (nsEnd === end) return null;
    }
    const nsStart = i;
    i = nsEnd === nsStart ? i : nsEnd + 1;
    let ackId: number | null = null;
    const digits = i;
    while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
    if (i > digits) {
      if (i - digits > 15) return null;
      ackId = 0;
      for (let d = digits; d < i; d++) ackId = ackId * 10 + (b[d] - 48);
    }
    if (i >= end || b[i] !== 0x5b || !scanJson(b, i, end) || !scanned.canonical) return null;
    const namespace = nsEnd === nsStart ? '/' : asciiRecent(b, nsStart, nsEnd);
    if (typeDigit === 2) {
      // the event's name: a string first (a number first is rare: the general way)
      if (b[i + 1] !== 0x22) return null;
      const nameEnd = scanned.firstComma < 0 ? end - 1 : scanned.firstComma;
      const event = asciiRecent(b, i + 2, nameEnd - 1);
      let diagnostics: readonly Diagnostic[] = NO_DIAGNOSTICS;
      if (ackId !== null && !pairing.request(msg.dir, ackKey(namespace, ackId), msg, event))
        diagnostics = [diagnostic('socketio.packet.malformed', `ack id ${ackId} reused before it was acknowledged`)];
      const item = new LazyPacketItem('event', eio, namespace, event, ackId, b, i, nameEnd, undefined);
      return { app: { protocol: 'socket.io', items: [item] }, diagnostics };
    }
    if (ackId === null) return null;
    const pair = pairing.response(msg.dir, ackKey(namespace, ackId), msg) ?? undefined;
    const item = new LazyPacketItem('ack', eio, namespace, null, ackId, b, i, -1, pair);
    return pair === undefined
      ? { app: { protocol: 'socket.io', items: [item] }, diagnostics: NO_DIAGNOSTICS }
      : { app: { protocol: 'socket.io', items: [item] }, diagnostics: NO_DIAGNOSTICS, pair };
  }

  function socketPacket(msg: MessageEvent, s: string): Decoded {
    const diagnostics: Diagnostic[] = [];
    let i = 0;
    const typeDigit = s.charCodeAt(0) - 48;
    const names = eio === 3 ? SOCKET_TYPES_V4 : SOCKET_TYPES_V5;
    if (!(typeDigit >= 0 && typeDigit <= 6)) return malformed(`unknown Socket.IO packet type "${s.slice(0, 1)}"`);
    const type = names[typeDigit];
    i = 1;
    let count = 0;
    if (typeDigit === 5 || typeDigit === 6) {
      ATTACHMENTS.lastIndex = i;
      const m = ATTACHMENTS.exec(s);
      if (m === null) return malformed(`${type} without its attachment count ("<n>-")`);
      count = Number(m[1]);
      i += m[0].length;
    }
    let namespace = '/';
    if (s[i] === '/') {
      const comma = s.indexOf(',', i);
      const end = comma === -1 ? s.length : comma;
      namespace = s.slice(i, end);
      i = comma === -1 ? s.length : comma + 1;
    }
    let ackId: number | null = null;
    DIGITS.lastIndex = i;
    const digits = DIGITS.exec(s);
    if (digits !== null) {
      ackId = Number(digits[0]);
      i += digits[0].length;
    }
    let data: AppValue | undefined;
    if (i < s.length) {
      const parsed = parseJson(s.slice(i));
      if (parsed instanceof Error) return malformed(`${type} payload is not JSON: ${parsed.message}`);
      data = parsed;
    }
    const fields: Record<string, AppValue> = { eio, type, namespace };
    const ns = namespace === '/' ? '' : namespace + ' ';
    const ack = ackId === null ? '' : ` ack=${ackId}`;
    let summary: string;
    let kind: string;
    let pair: AppPair | null = null;
    const item: { request?: string; error?: boolean; awaits?: boolean } = {};
    if (typeDigit === 2 || typeDigit === 5) {
      kind = 'event';
      if (!Array.isArray(data) || data.length === 0 || (typeof data[0] !== 'string' && typeof data[0] !== 'number'))
        return malformed(`${type} payload must be a non-empty array starting with the event name`);
      const event = String(data[0]);
      const args = data.slice(1);
      Object.assign(fields, { event, args });
      if (ackId !== null) fields.ackId = ackId;
      if (count > 0) fields.attachments = count;
      summary = `${type} ${ns}${JSON.stringify(event)} ${compact(args)}${ack}`;
      if (count > 0) summary += ` +${count} attachment${count === 1 ? '' : 's'}`;
      item.request = event;
      if (ackId !== null) item.awaits = true;
      if (ackId !== null && !pairing.request(msg.dir, ackKey(namespace, ackId), msg, event))
        diagnostics.push(diagnostic('socketio.packet.malformed', `ack id ${ackId} reused before it was acknowledged`));
      if (count > 0) pending[msg.dir] = { type, namespace, event, ackId, args, count, parts: [] };
    } else if (typeDigit === 3 || typeDigit === 6) {
      kind = 'ack';
      if (ackId === null) return malformed(`${type} without an ack id`);
      if (!Array.isArray(data)) return malformed(`${type} payload must be an array`);
      Object.assign(fields, { ackId, args: data });
      if (count > 0) fields.attachments = count;
      summary = `${type} ${ns}${compact(data)}${ack}`;
      pair = pairing.response(msg.dir, ackKey(namespace, ackId), msg);
      if (pair !== null)
        summary += ` (${JSON.stringify(pair.request)}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`;
      if (count > 0) pending[msg.dir] = { type, namespace, event: null, ackId, args: data, count, parts: [] };
    } else {
      kind = type.toLowerCase();
      if (data !== undefined) fields.data = data;
      summary = `${type} ${namespace}${data === undefined ? '' : ' ' + compact(data)}`;
      if (typeDigit === 4) item.error = true;
    }
    const appItem: AppItem = { kind, summary, fields, ...item, ...(pair === null ? {} : { pair }) };
    return {
      app: { protocol: 'socket.io', items: [appItem] },
      diagnostics,
      ...(pair === null ? {} : { pair }),
    };
  }

  function attachment(msg: MessageEvent, bytes: Uint8Array): Decoded {
    const waiting = pending[msg.dir];
    if (waiting === null)
      return {
        app: {
          protocol: 'socket.io',
          items: [engine('message', `binary message, ${bytes.length} bytes`, { data: bytes })],
        },
        diagnostics: [diagnostic('socketio.attachment.unexpected')],
      };
    waiting.parts.push(bytes);
    const num = waiting.parts.length;
    const fields: Record<string, AppValue> = {
      eio,
      type: 'attachment',
      namespace: waiting.namespace,
      ...(waiting.event === null ? {} : { event: waiting.event }),
      ...(waiting.ackId === null ? {} : { ackId: waiting.ackId }),
      num: num - 1,
      data: bytes,
    };
    let summary = `attachment ${num}/${waiting.count} of ${waiting.type}${waiting.event === null ? '' : ' ' + JSON.stringify(waiting.event)}, ${bytes.length} bytes`;
    if (num === waiting.count) {
      pending[msg.dir] = null;
      const joined = joinPlaceholders(waiting.args, waiting.parts);
      fields.args = joined;
      summary += `: ${compact(joined)}`;
    }
    return { app: { protocol: 'socket.io', items: [{ kind: 'attachment', summary, fields }] }, diagnostics: [] };
  }

  return {
    protocol: 'socket.io',
    heartbeat(frame: FrameEvent): boolean {
      // from the bytes: decoding every frame's text to compare it cost more than the check
      const t = frame.frame.opcode === 1 && frame.frame.fin ? frame.textBytes : undefined;
      if (t !== undefined) return t.length === 1 && (t[0] === 0x32 || t[0] === 0x33);
      return frame.frame.opcode === 1 && frame.frame.fin && (frame.text === '2' || frame.text === '3');
    },
    decode(msg: MessageEvent): Decoded {
      if (msg.opcode === 2) {
        // Engine.IO 3 sends binary as a message packet (a leading 4); 4 sends the bytes alone
        if (eio === 3) {
          if (msg.data.length === 0 || msg.data[0] !== 4)
            return malformed('Engine.IO 3 binary packet must start with type 4 (message)');
          return attachment(msg, msg.data.subarray(1));
        }
        return attachment(msg, msg.data);
      }
      const b = msg.data;
      if (b.length > 1 && b[0] === 0x34) {
        const fast = fastPacket(msg, b, 1);
        if (fast !== null) return fast;
      }
      const text = textOf(msg) ?? '';
      if (text === '') return malformed('empty Engine.IO packet');
      const t = text.charCodeAt(0) - 48;
      if (!(t >= 0 && t <= 6)) return malformed(`unknown Engine.IO packet type "${text.slice(0, 1)}"`);
      const type = ENGINE_TYPES[t];
      const rest = text.slice(1);
      if (type === 'message') {
        if (rest === '') return malformed('message packet without a Socket.IO packet');
        return socketPacket(msg, rest);
      }
      if (type === 'open') {
        const hs = parseJson(rest);
        if (hs instanceof Error || !isObject(hs))
          return malformed('open packet must carry a JSON object (sid, pingInterval…)');
        if (eioOfPath(hints.path) === null) eio = 'maxPayload' in hs ? 4 : 3;
        return {
          app: {
            protocol: 'socket.io',
            items: [engine('open', `open sid=${String(hs.sid)} pingInterval=${String(hs.pingInterval)}`, { data: hs })],
          },
          diagnostics: [],
        };
      }
      const heartbeat = (type === 'ping' || type === 'pong') && rest === '';
      const extra: Record<string, AppValue> = rest === '' ? {} : { data: rest };
      return {
        app: { protocol: 'socket.io', items: [engine(type, rest === '' ? type : `${type} ${rest}`, extra, heartbeat)] },
        diagnostics: [],
      };
    },
    finish(): Diagnostic[] {
      return [];
    },
  };
}

/** The arguments with each {"_placeholder":true,"num":N} replaced by attachment N. */
function joinPlaceholders(value: AppValue, parts: readonly Uint8Array[]): AppValue {
  if (Array.isArray(value)) return value.map((v) => joinPlaceholders(v, parts));
  if (isObject(value)) {
    if (value._placeholder === true && typeof value.num === 'number' && parts[value.num] !== undefined)
      return parts[value.num];
    const out: Record<string, AppValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = joinPlaceholders(v, parts);
    return out;
  }
  return value;
}
