// The fields of the filter language: wsinspect's names, then Wireshark's as aliases, each
// with its value type and how it is read from a FilterSubject. handshake.header.NAME,
// stomp.header.NAME and json.PATH are families (filter/compile.ts resolves them).
// Layer rule: filter/ — pure.
import type { FilterEndpoint, FilterSubject } from './subject.js';

/**
 * number: integers and decimals; opcode: a number or an opcode name; flag: true/false (1/0);
 * string: text; dir: c2s or s2c; severity: error, warning or note; diag: a diagnostic code;
 * bytes: a byte string (0a:0b) or "text" as UTF-8; addr: an IP address, /prefix allowed;
 * protocol: Wireshark's protocol names (websocket, tcp, ip, ipv6), tested alone for presence.
 */
export type FilterValueType =
  'number' | 'opcode' | 'flag' | 'string' | 'dir' | 'severity' | 'diag' | 'bytes' | 'addr' | 'json' | 'protocol';

export interface FilterField {
  readonly name: string;
  readonly type: FilterValueType;
  /** Several values per subject (ip.addr, tcp.port, diag): a comparison holds when one of them does. */
  readonly multi: boolean;
  /** The value (an array when multi), or undefined when the subject does not have the field. */
  readonly get: (s: FilterSubject) => unknown;
  /** A bare flag: true tests its value (wsinspect's flags); absent, presence (every other field, Wireshark's flags). */
  readonly bareTestsValue?: boolean;
  /** What the field reads, so a caller supplies (or keeps) it only when used. */
  readonly reads?: 'text' | 'data' | 'connection';
  /** Only messages have it (an application view's units, latency): no frame ever matches it. */
  readonly messageOnly?: boolean;
  /** The wsinspect field a Wireshark alias stands for (README table). */
  readonly aliasOf?: string;
  readonly describe: string;
}

const src = (s: FilterSubject): FilterEndpoint | undefined =>
  s.dir === 'c2s' ? s.connection?.client : s.connection?.server;
const dst = (s: FilterSubject): FilterEndpoint | undefined =>
  s.dir === 'c2s' ? s.connection?.server : s.connection?.client;

function ips(s: FilterSubject, family: 4 | 6): string[] | undefined {
  const a = s.connection?.client;
  const b = s.connection?.server;
  const out: string[] = [];
  if (a !== undefined && a.family === family) out.push(a.ip);
  if (b !== undefined && b.family === family) out.push(b.ip);
  return out.length === 0 ? undefined : out;
}

const ipOf = (e: FilterEndpoint | undefined, family: 4 | 6): string | undefined =>
  e !== undefined && e.family === family ? e.ip : undefined;

function ports(s: FilterSubject): number[] | undefined {
  const a = s.connection?.client;
  const b = s.connection?.server;
  if (a === undefined && b === undefined) return undefined;
  const out: number[] = [];
  if (a !== undefined) out.push(a.port);
  if (b !== undefined) out.push(b.port);
  return out;
}

const one = (
  name: string,
  type: FilterValueType,
  get: (s: FilterSubject) => unknown,
  describe: string,
  extra: Partial<FilterField> = {},
): FilterField => ({ name, type, multi: false, get, describe, ...extra });

const many = (
  name: string,
  type: FilterValueType,
  get: (s: FilterSubject) => unknown,
  describe: string,
  extra: Partial<FilterField> = {},
): FilterField => ({ name, type, multi: true, get, describe, ...extra });

const flag = (name: string, get: (s: FilterSubject) => boolean | undefined, describe: string): FilterField =>
  one(name, 'flag', get, describe, { bareTestsValue: true });

/** wsinspect's own fields (json.PATH, handshake.header.NAME and stomp.header.NAME are resolved by name). */
export const FIELDS: readonly FilterField[] = [
  one('conn', 'number', (s) => s.conn, 'connection number (1, 2, …)'),
  one('dir', 'dir', (s) => s.dir, 'direction: c2s (client to server) or s2c'),
  one('index', 'number', (s) => s.index, "frame number in its connection (a message: its first frame's)"),
  one('opcode', 'opcode', (s) => s.opcode, 'opcode: 0-15 or continuation, text, binary, close, ping, pong'),
  flag('fin', (s) => s.fin, 'FIN bit (a message: it is complete)'),
  flag('rsv1', (s) => s.rsv1, 'RSV1 bit (a message: compressed)'),
  flag('rsv2', (s) => s.rsv2, 'RSV2 bit'),
  flag('rsv3', (s) => s.rsv3, 'RSV3 bit'),
  flag('masked', (s) => s.masked, 'MASK bit (frames only)'),
  one('len', 'number', (s) => s.len, 'payload length (a message: its data after inflation)'),
  flag('compressed', (s) => s.compressed, 'permessage-deflate compressed'),
  one('text', 'string', (s) => s.text, 'text of a text message (inflated) or unfragmented text frame', {
    reads: 'text',
  }),
  one('data', 'bytes', (s) => s.data, 'payload bytes (a message: its data); slices: data[0:2]', { reads: 'data' }),
  one('close.code', 'number', (s) => s.close?.code ?? undefined, 'close status code'),
  one('close.reason', 'string', (s) => s.close?.reason ?? undefined, 'close reason'),
  many(
    'diag',
    'diag',
    (s) => (s.diagnostics.length === 0 ? undefined : s.diagnostics.map((d) => d.code)),
    'diagnostic codes (frame.mask.missing, …)',
  ),
  many(
    'diag.severity',
    'severity',
    (s) => (s.diagnostics.length === 0 ? undefined : s.diagnostics.map((d) => d.severity)),
    'diagnostic severities: error, warning, note',
  ),
  one('handshake.path', 'string', (s) => s.connection?.path, 'request target of the opening handshake', {
    reads: 'connection',
  }),
  one('handshake.protocol', 'string', (s) => s.connection?.protocol ?? undefined, 'subprotocol the server chose', {
    reads: 'connection',
  }),
  many('ip.addr', 'addr', (s) => ips(s, 4), 'client or server IPv4 address', { reads: 'connection' }),
  many('tcp.port', 'number', ports, 'client or server TCP port', { reads: 'connection' }),
  one('time', 'number', (s) => s.time ?? undefined, 'seconds since the first packet'),
  one('packet', 'number', (s) => s.packet, 'capture: number of the packet holding its last byte'),
  // application views (views/): fields of the units a message holds, from its `app`
  one('app', 'string', (s) => s.app?.protocol, 'application view of the message (socket.io, mqtt, …)', {
    messageOnly: true,
  }),
  appField('socketio.event', 'string', 'socket.io', 'event', 'Socket.IO event name'),
  appField('socketio.namespace', 'string', 'socket.io', 'namespace', 'Socket.IO namespace'),
  appField('socketio.ack', 'number', 'socket.io', 'ackId', 'Socket.IO ack id'),
  appField('graphql.type', 'string', 'graphql', 'type', 'GraphQL over WebSocket message type'),
  appField('graphql.id', 'string', 'graphql', 'id', 'GraphQL operation id'),
  appField('graphql.operation', 'string', 'graphql', 'operationName', 'GraphQL operation name'),
  appField('stomp.command', 'string', 'stomp', 'command', 'STOMP command'),
  many('stomp.destination', 'string', (s) => stompHeader(s, 'destination'), 'STOMP destination header', {
    messageOnly: true,
  }),
  appField('mqtt.type', 'string', 'mqtt', 'type', 'MQTT packet type (CONNECT, PUBLISH, …)'),
  appField('mqtt.topic', 'string', 'mqtt', 'topic', 'MQTT topic'),
  appField('mqtt.qos', 'number', 'mqtt', 'qos', 'MQTT QoS'),
  appField('jsonrpc.method', 'string', 'json-rpc', 'method', 'JSON-RPC method'),
  appField('jsonrpc.id', 'string', 'json-rpc', 'id', 'JSON-RPC id (as text)'),
  many(
    'jsonrpc.error',
    'number',
    (s) =>
      appValues(s, 'json-rpc', (f) =>
        isRecord(f.error) && typeof f.error.code === 'number' ? f.error.code : undefined,
      ),
    'JSON-RPC error code (jsonrpc.error alone: an error response)',
    { messageOnly: true },
  ),
  appField('signalr.target', 'string', 'signalr', 'target', 'SignalR invocation target (hub method)'),
  appField('signalr.id', 'string', 'signalr', 'invocationId', 'SignalR invocationId'),
  appField('phoenix.topic', 'string', 'phoenix', 'topic', 'Phoenix channel topic'),
  appField('phoenix.event', 'string', 'phoenix', 'event', 'Phoenix event (phx_join, phx_reply, …)'),
  appField('actioncable.channel', 'string', 'actioncable', 'channel', 'ActionCable channel (of the identifier)'),
  appField('actioncable.action', 'string', 'actioncable', 'action', 'ActionCable action a client performs'),
  appField('wamp.type', 'string', 'wamp', 'type', 'WAMP message type (CALL, RESULT, EVENT, …)'),
  appField('wamp.procedure', 'string', 'wamp', 'procedure', 'WAMP procedure of a CALL or REGISTER'),
  appField('wamp.topic', 'string', 'wamp', 'topic', 'WAMP topic of a PUBLISH or SUBSCRIBE'),
  one(
    'latency',
    'number',
    (s) => s.pair?.latencyMs ?? undefined,
    'milliseconds from the request this message answers',
    { messageOnly: true },
  ),
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function header(fields: Readonly<Record<string, unknown>>, name: string): unknown {
  return isRecord(fields.headers) ? fields.headers[name] : undefined;
}

/** The values of STOMP header `name` in a message's frames (stomp.destination, stomp.header.NAME). */
export function stompHeader(s: FilterSubject, name: string): unknown[] | undefined {
  return appValues(s, 'stomp', (f) => header(f, name));
}

/** The values `read` gives for each unit of a message whose view is `protocol` (graphql: either kind). */
function appValues(
  s: FilterSubject,
  protocol: string,
  read: (fields: Readonly<Record<string, unknown>>) => unknown,
): unknown[] | undefined {
  const app = s.app;
  if (app === undefined || !app.protocol.startsWith(protocol)) return undefined;
  const out: unknown[] = [];
  for (const item of app.items) {
    const v = read(item.fields);
    if (v === undefined || v === null) continue;
    out.push(typeof v === 'bigint' ? Number(v) : v);
  }
  return out.length === 0 ? undefined : out;
}

function appField(name: string, type: FilterValueType, protocol: string, key: string, describe: string): FilterField {
  return many(
    name,
    type,
    (s) => appValues(s, protocol, (f) => (type === 'string' && typeof f[key] === 'number' ? String(f[key]) : f[key])),
    describe,
    { messageOnly: true },
  );
}

const alias = (name: string, of: string, extra: Partial<FilterField> = {}): FilterField => {
  const target = FIELDS.find((f) => f.name === of)!;
  const { bareTestsValue: _value, ...rest } = target;
  return { ...rest, name, aliasOf: of, ...extra };
};

/** Wireshark's names. A bare Wireshark flag tests presence, as in Wireshark. */
export const ALIASES: readonly FilterField[] = [
  alias('websocket.opcode', 'opcode'),
  alias('websocket.fin', 'fin'),
  alias('websocket.mask', 'masked'),
  one(
    'websocket.rsv',
    'number',
    (s) => (s.rsv1 ? 4 : 0) | (s.rsv2 ? 2 : 0) | (s.rsv3 ? 1 : 0),
    'the three RSV bits as a number (RSV1 = 4)',
    { aliasOf: 'rsv1 rsv2 rsv3' },
  ),
  alias('websocket.pmc', 'compressed', {
    describe: 'per-message compressed (RSV1 of a first frame): compare with == 1',
  }),
  one(
    'websocket.payload_length',
    'number',
    (s) =>
      s.lengthEncoding === undefined ? undefined : s.lengthEncoding === 7 ? s.len : s.lengthEncoding === 16 ? 126 : 127,
    'the 7-bit length field as written: 126 and 127 announce an extended length (use len for the length)',
    { aliasOf: 'len' },
  ),
  one(
    'websocket.payload_length_ext_16',
    'number',
    (s) => (s.lengthEncoding === 16 ? s.len : undefined),
    '16-bit extended payload length',
    { aliasOf: 'len' },
  ),
  one(
    'websocket.payload_length_ext_64',
    'number',
    (s) => (s.lengthEncoding === 64 ? s.len : undefined),
    '64-bit extended payload length',
    { aliasOf: 'len' },
  ),
  alias('websocket.payload.text', 'text'),
  alias('websocket.payload.close.status_code', 'close.code'),
  alias('websocket.payload.close.reason', 'close.reason'),
  alias('tcp.srcport', 'tcp.port', {
    multi: false,
    get: (s) => src(s)?.port,
    describe: "the sender's TCP port",
  }),
  alias('tcp.dstport', 'tcp.port', {
    multi: false,
    get: (s) => dst(s)?.port,
    describe: "the receiver's TCP port",
  }),
  alias('tcp.stream', 'conn', { get: (s) => s.conn - 1, describe: 'conn − 1' }),
  alias('frame.number', 'packet'),
  alias('frame.time_relative', 'time'),
  one('websocket', 'protocol', () => true, 'every frame and message (tshark -Y websocket)', { aliasOf: '(all)' }),
  one('tcp', 'protocol', (s) => (s.connection?.client !== undefined ? true : undefined), 'frames of a TCP connection', {
    aliasOf: '(all of a capture or the proxy)',
    reads: 'connection',
  }),
  one('ip', 'protocol', (s) => (s.connection?.client?.family === 4 ? true : undefined), 'an IPv4 connection', {
    aliasOf: 'ip.addr',
    reads: 'connection',
  }),
  one('ipv6', 'protocol', (s) => (s.connection?.client?.family === 6 ? true : undefined), 'an IPv6 connection', {
    aliasOf: 'ipv6.addr',
    reads: 'connection',
  }),
  alias('ip.src', 'ip.addr', { multi: false, get: (s) => ipOf(src(s), 4), describe: "the sender's IPv4 address" }),
  alias('ip.dst', 'ip.addr', { multi: false, get: (s) => ipOf(dst(s), 4), describe: "the receiver's IPv4 address" }),
  alias('ipv6.addr', 'ip.addr', { get: (s) => ips(s, 6), describe: 'client or server IPv6 address' }),
  alias('ipv6.src', 'ip.addr', {
    multi: false,
    get: (s) => ipOf(src(s), 6),
    describe: "the sender's IPv6 address",
  }),
  alias('ipv6.dst', 'ip.addr', {
    multi: false,
    get: (s) => ipOf(dst(s), 6),
    describe: "the receiver's IPv6 address",
  }),
];

const BY_NAME = new Map<string, FilterField>([...FIELDS, ...ALIASES].map((f) => [f.name, f]));

export function fieldNamed(name: string): FilterField | undefined {
  return BY_NAME.get(name);
}

/** A name of CompiledFilter.fields that only messages have (stomp.header.NAME's family too). */
export function messageOnlyField(name: string): boolean {
  return name === 'stomp.header' || BY_NAME.get(name)?.messageOnly === true;
}

/** Every name a user may type (for "did you mean"), families as their prefix. */
export const KNOWN_NAMES: readonly string[] = [
  ...BY_NAME.keys(),
  'json',
  'handshake.header',
  'stomp.header',
  'c2s',
  's2c',
];
