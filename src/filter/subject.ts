// What a display filter looks at: one frame or one message as a plain structural record.
// Frames and messages of a capture (filter/adapters.ts) and the proxy's messages map onto it;
// a caller builds one per event and hands it to CompiledFilter.match.
// Layer rule: filter/ — plain data types.
import type { AppInfo, AppPair, Direction } from '../session/events.js';

/** One end of a TCP connection. */
export interface FilterEndpoint {
  /** Canonical text form: dotted quad for IPv4, RFC 5952 lower case for IPv6. */
  readonly ip: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** What the filter knows of a frame's or message's connection (any part may be unknown). */
export interface FilterConnection {
  readonly client?: FilterEndpoint;
  readonly server?: FilterEndpoint;
  /** The opening request's target as written (handshake.path). */
  readonly path?: string;
  /** The subprotocol the server chose (handshake.protocol); null or absent: none. */
  readonly protocol?: string | null;
  /** Request headers, then response headers, as on the wire: [name, value] (handshake.header.NAME). */
  readonly headers?: readonly (readonly [string, string])[];
}

/**
 * A frame or a message, as the filter language sees it. Fields a subject does not have are
 * left out (undefined): a filter that names them does not match (`close.code == 1000` on a
 * text frame), and a bare field tests exactly this presence.
 *
 * `text` may be a getter: the filter reads it only when the expression uses text or json.*.
 * json.* is never a property: the filter parses `text` itself, once per match, and only when
 * the expression uses a json field.
 */
export interface FilterSubject {
  readonly kind: 'frame' | 'message';
  /** Connection number, 1-based (tcp.stream is conn − 1). */
  readonly conn: number;
  readonly dir: Direction;
  /** Frame: its 1-based number in the connection (both directions). Message: its first frame's. */
  readonly index: number;
  /** Frame: as on the wire. Message: 1 text or 2 binary (or what its first frame said). */
  readonly opcode: number;
  /** Frame: the FIN bit. Message: true when it was complete. */
  readonly fin: boolean;
  /** Frame: the RSV bits. Message: rsv1 = compressed, rsv2/rsv3 false. */
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
  /** Frame: the MASK bit. Messages have none (absent). */
  readonly masked?: boolean;
  /** Frame: the declared payload length. Message: the application data's full length (after inflation). */
  readonly len: number;
  /** Frame: how the length was written (7: in the first byte, 16 or 64: extended), for websocket.payload_length. */
  readonly lengthEncoding?: 7 | 16 | 64;
  /** True when the frame starts (or the message is) a permessage-deflate compressed message. */
  readonly compressed: boolean;
  /** Text of a text message (inflated), or of an unfragmented text frame; absent otherwise. May be a getter. */
  readonly text?: string;
  /** Frame: the unmasked payload as on the wire (may be cut to what was kept). Message: its application data. */
  readonly data: Uint8Array;
  /** Close frames: the status code (null for an empty body) and reason. */
  readonly close?: { readonly code: number | null; readonly reason: string | null };
  /** Diagnostic codes and severities attached to it. */
  readonly diagnostics: readonly { readonly code: string; readonly severity: string }[];
  /** Capture input: number of the packet holding the last byte (Wireshark's frame.number, where tshark shows it). */
  readonly packet?: number;
  /** Seconds since the first packet (or the proxy's start); null when the input has no time. */
  readonly time: number | null;
  readonly connection?: FilterConnection;
  /** Messages: what an application view understood of it (app, socketio.*, mqtt.*, …). */
  readonly app?: AppInfo;
  /** Messages: the request it answers (latency). */
  readonly pair?: AppPair;
}
