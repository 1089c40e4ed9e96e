// Records for the HTTP Upgrade handshake (RFC 6455 §4) and the negotiated extensions
// (RFC 7692 §7). Layer rule: protocol/ — plain data types.
import type { Diagnostic } from './diagnostic-catalogue.js';

/** Header as it was on the wire: [name as written, value trimmed]. Wire order is kept. */
export type HeaderField = readonly [name: string, value: string];

export interface HandshakeRequest {
  readonly side: 'request';
  readonly method: string;
  /** Request target as written (a path, or an absolute URI through a forward proxy). */
  readonly path: string;
  readonly httpVersion: string;
  readonly headers: readonly HeaderField[];
  /** Sec-WebSocket-Key as sent, or null. */
  readonly key: string | null;
  /** Sec-WebSocket-Version as sent, or null. */
  readonly version: string | null;
  readonly protocols: readonly string[];
  /** Extension offers as written, one string per offer (comma-split). */
  readonly extensions: readonly string[];
  /** True when this request asks for a WebSocket upgrade at all. */
  readonly isUpgrade: boolean;
  /** Bytes of the head including the final CRLFCRLF. */
  readonly headLength: number;
  readonly diagnostics: Diagnostic[];
}

export interface ExtensionOffer {
  readonly name: string;
  /** Parameter name → value (true when the parameter has no value). */
  readonly params: Readonly<Record<string, string | true>>;
}

/** permessage-deflate settings for the data one side sends (RFC 7692 §7.1). */
export interface DeflateDirection {
  /** LZ77 window the sender may use, 8–15 (15 when not limited). */
  readonly windowBits: number;
  /** True when the sender resets its compression context after each message. */
  readonly noContextTakeover: boolean;
}

export interface DeflateNegotiation {
  /** What the client compresses with (client_max_window_bits, client_no_context_takeover). */
  readonly client: DeflateDirection;
  /** What the server compresses with (server_max_window_bits, server_no_context_takeover). */
  readonly server: DeflateDirection;
}

export interface HandshakeResponse {
  readonly side: 'response';
  readonly httpVersion: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly HeaderField[];
  /** Sec-WebSocket-Accept as sent, or null. */
  readonly accept: string | null;
  /** Derived: the accept value computed from the request's key (null without a key). */
  readonly acceptExpected: string | null;
  readonly acceptValid: boolean;
  /** Chosen subprotocol or null. */
  readonly protocol: string | null;
  /** Negotiated extensions, parsed. */
  readonly extensions: readonly ExtensionOffer[];
  /** permessage-deflate settings when negotiated, else null. */
  readonly deflate: DeflateNegotiation | null;
  /** True when the connection switched to WebSocket (101 and the required headers). */
  readonly upgraded: boolean;
  readonly headLength: number;
  readonly diagnostics: Diagnostic[];
}
