// The views by name (what --view takes) and how one is chosen for a connection: the
// negotiated Sec-WebSocket-Protocol first, then the request path, then the first messages.
// Layer rule: views/ — pure.
import type { AppValue, MessageEvent } from '../session/events.js';
import { isObject, parseJson } from './app-json.js';
import { graphqlOfMessage, graphqlView } from './graphql-view.js';
import { cborValues, cborView } from './cbor-view.js';
import { jsonView } from './json-view.js';
import { msgpackValues, msgpackView } from './msgpack-view.js';
import { mqttView } from './mqtt-view.js';
import { looksLikeStomp, stompView } from './stomp-view.js';
import { jsonRpcView, looksLikeJsonRpc } from './jsonrpc-view.js';
import { eioOfPath, socketIoView } from './socketio-view.js';
import { looksLikeSignalRHandshake, signalrView } from './signalr-view.js';
import { actionCableView, looksLikeActionCable } from './actioncable-view.js';
import { wampView } from './wamp-view.js';
import { protobufView } from './protobuf-view.js';
import { isPhoenixPath, looksLikePhoenix, phoenixView } from './phoenix-view.js';
import type { ViewName } from './names.js';
import { textOf, type ConnectionView, type ViewHints } from './view.js';

export function createView(name: ViewName, hints: ViewHints): ConnectionView {
  switch (name) {
    case 'json':
      return jsonView(hints.strict);
    case 'socket.io':
      return socketIoView(hints);
    case 'graphql-transport-ws':
    case 'graphql-ws':
      return graphqlView(name, hints);
    case 'json-rpc':
      return jsonRpcView(hints);
    case 'mqtt':
      return mqttView(hints);
    case 'msgpack':
      return msgpackView();
    case 'cbor':
      return cborView();
    case 'stomp':
      return stompView(hints);
    case 'signalr':
      return signalrView(hints);
    case 'phoenix':
      return phoenixView(hints);
    case 'actioncable':
      return actionCableView(hints);
    case 'wamp':
      return wampView(hints);
    case 'protobuf':
      return protobufView(hints);
  }
}

/** A view and the reason it was chosen ("Sec-WebSocket-Protocol: mqtt"). */
export interface Choice {
  readonly name: ViewName;
  readonly why: string;
  /**
   * A first message both protocols of a family start with (GraphQL's connection_init): the
   * view is a guess a later message may correct (a legacy `start` or `ka`).
   */
  readonly tentative?: boolean;
}

/** By the negotiated sub-protocol (the response's Sec-WebSocket-Protocol). */
export function byProtocol(protocol: string | null): Choice | null {
  if (protocol === null) return null;
  const p = protocol.toLowerCase();
  const why = `Sec-WebSocket-Protocol: ${protocol}`;
  if (p === 'graphql-transport-ws') return { name: 'graphql-transport-ws', why };
  if (p === 'graphql-ws') return { name: 'graphql-ws', why };
  if (p === 'jsonrpc' || p === 'json-rpc' || p === 'jsonrpc-2.0') return { name: 'json-rpc', why };
  if (p === 'mqtt' || p === 'mqttv3.1') return { name: 'mqtt', why };
  if (p === 'msgpack' || p === 'messagepack') return { name: 'msgpack', why };
  if (p === 'cbor') return { name: 'cbor', why };
  if (p === 'protobuf' || p === 'proto') return { name: 'protobuf', why };
  if (/^v1[012]\.stomp$/.test(p)) return { name: 'stomp', why };
  if (p === 'actioncable-v1-json') return { name: 'actioncable', why };
  if (/^wamp\.2\.(json|msgpack|cbor)$/.test(p)) return { name: 'wamp', why };
  return null;
}

/** By the request path (/socket.io/?EIO=4&transport=websocket). */
export function byPath(path: string | null): Choice | null {
  if (path === null) return null;
  if (/\/socket\.io\/?(\?|$)/.test(path) || (eioOfPath(path) !== null && /[?&]transport=websocket/.test(path)))
    return { name: 'socket.io', why: `request path ${path}` };
  if (isPhoenixPath(path)) return { name: 'phoenix', why: `request path ${path}` };
  if (/^\/cable\/?(\?|$)/.test(path)) return { name: 'actioncable', why: `request path ${path}` };
  return null;
}

/**
 * By a message's content: a specific protocol's first message, or plain JSON (which a later
 * message may still refine), or null (not recognised).
 */
export function byContent(msg: MessageEvent): Choice | null {
  if (msg.opcode === 2) return byBinaryContent(msg.data);
  const text = textOf(msg);
  if (text === null || text.length === 0) return null;
  const c = text.charCodeAt(0);
  if (looksLikeStomp(text)) return { name: 'stomp', why: 'first message is a STOMP CONNECT' };
  if (c === 0x7b && looksLikeSignalRHandshake(text))
    return { name: 'signalr', why: 'first message is a SignalR handshake' };
  // Engine.IO's open packet: 0{"sid":…}
  if (c === 0x30 && text.startsWith('0{') && text.includes('"sid"'))
    return { name: 'socket.io', why: 'first message is an Engine.IO open packet' };
  // only objects and arrays: a bare number or string is no protocol worth a view
  if (c !== 0x7b && c !== 0x5b && !/^\s+[[{]/.test(text)) return null;
  const value: AppValue | Error = parseJson(text);
  if (value instanceof Error) return null;
  if (looksLikeJsonRpc(value)) return { name: 'json-rpc', why: 'message has "jsonrpc":"2.0"' };
  if (looksLikeActionCable(value)) return { name: 'actioncable', why: 'first message is an ActionCable welcome' };
  if (
    Array.isArray(value) &&
    value.length === 3 &&
    value[0] === 1 &&
    typeof value[1] === 'string' &&
    isObject(value[2])
  )
    return { name: 'wamp', why: 'first message is a WAMP HELLO' };
  if (looksLikePhoenix(value)) return { name: 'phoenix', why: 'message is a Phoenix V2 join or heartbeat' };
  const graphql = graphqlOfMessage(value);
  if (graphql !== null && isObject(value))
    return value.type === 'connection_init'
      ? { name: graphql, why: `message of type "${String(value.type)}"`, tentative: true }
      : { name: graphql, why: `message of type "${String(value.type)}"` };
  return isObject(value) || Array.isArray(value) ? { name: 'json', why: 'message is JSON' } : null;
}

/** An MQTT CONNECT ("MQTT" or "MQIsdp" after the length), or a whole MessagePack or CBOR map. */
function byBinaryContent(b: Uint8Array): Choice | null {
  if (b.length >= 8 && b[0] === 0x10) {
    let i = 1;
    while (i < 5 && i < b.length && (b[i] & 0x80) !== 0) i++;
    const name = new TextDecoder().decode(b.subarray(i + 3, i + 3 + b[i + 2]));
    if (b[i + 1] === 0 && (name === 'MQTT' || name === 'MQIsdp'))
      return { name: 'mqtt', why: 'first message is an MQTT CONNECT' };
  }
  const c = b[0];
  try {
    if ((c >= 0x80 && c <= 0x8f) || c === 0xde || c === 0xdf) {
      msgpackValues(b);
      return { name: 'msgpack', why: 'message is a MessagePack map' };
    }
    if (c >= 0xa0 && c <= 0xbf) {
      cborValues(b);
      return { name: 'cbor', why: 'message is a CBOR map' };
    }
  } catch {
    return null;
  }
  return null;
}
