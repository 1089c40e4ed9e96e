// The two vocabularies of the pipeline: StreamEvent (what every source produces: bytes of
// one TCP conversation, by direction) and InspectEvent (what the session decoder produces
// and renderers consume). Layer rule: session/ — plain data types.
import type { KnownFrame } from '../protocol/frame-decoder.js';
import type { Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { Frame } from '../protocol/frame.js';
import type { HandshakeRequest, HandshakeResponse } from '../protocol/handshake-types.js';

export type Direction = 'c2s' | 's2c';

/** Seconds since the Unix epoch (microsecond precision), or null when the input has no time. */
export type Timestamp = number | null;

export type EndReason = 'close-handshake' | 'tcp-fin' | 'tcp-rst' | 'input-ended';

export interface Endpoints {
  /** "ip:port", IPv6 as "[::1]:8080". */
  readonly client: string;
  readonly server: string;
}

/** The TLS of a connection a proxy relayed (the client's leg; the server's when only it was TLS). */
export interface TlsInfo {
  /** "TLS 1.3", or null when the proxy did not take part (a blind tunnel). */
  readonly version: string | null;
  /** The cipher suite's IANA name, or null. */
  readonly cipher: string | null;
  readonly alpn: string | null;
  /** True when the proxy terminated the TLS and shows what it carried. */
  readonly decrypted: boolean;
  readonly sni: string | null;
  /**
   * --tls-detail: the connection's TLS records as they are decoded, per direction (appended
   * while the capture is read; a reader of frames finds a frame's records by stream offset).
   */
  readonly records?: TlsRecordLog;
}

/** One TLS record of a capture's connection, as --tls-detail shows it under -V. */
export interface TlsRecordNote {
  /** 1-based, per direction. */
  readonly number: number;
  /** Packet number (Wireshark's frame.number) of the record's last byte. */
  readonly packet: number;
  /** Header (5 bytes) and body, as on the wire. */
  readonly wireLength: number;
  /** The header's content type (RFC 8446 §5.1): 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data. */
  readonly outerType: number;
  /** TLS 1.3: the real content type inside the encrypted record; else the outer type. */
  readonly innerType: number;
  /** Handshake messages that ended in this record ("ClientHello", "Finished"…). */
  readonly messages: readonly string[];
  /** The key the record was protected with, as the key log names its secret; null: plaintext. */
  readonly key: string | null;
  /** The record sequence number under that key (RFC 8446 §5.3, RFC 5246 §6.1), or null: plaintext. */
  readonly seq: number | null;
  readonly outcome: 'plaintext' | 'decrypted' | 'failed' | 'no-key' | 'early-data';
  /** Application data carried: its offsets in the direction's plaintext stream (what frames' stream offsets count). */
  readonly plainStart: number;
  readonly plainLength: number;
}

export interface TlsRecordLog {
  readonly c2s: TlsRecordNote[];
  readonly s2c: TlsRecordNote[];
}

/** What a proxy knows of a connection beyond its addresses: where the client asked to go. */
export interface ProxyDestination {
  /** "name:port" the client asked for: SNI, the CONNECT target, an absolute URI's host, or the reverse target. */
  readonly host: string;
  /** scheme://authority the request path is appended to ("wss://example.com"). */
  readonly origin: string;
  readonly tls?: TlsInfo;
  /** A TLS tunnel relayed without interception (--no-intercept): no data events follow. */
  readonly blind?: true;
}

export type StreamEvent =
  | {
      readonly kind: 'open';
      readonly conn: number;
      readonly endpoints: Endpoints;
      readonly time: Timestamp;
      readonly detectedBy: 'handshake' | 'heuristic';
      /** The proxy: where the client asked to go (captures do not know). */
      readonly destination?: ProxyDestination;
      /** The proxy's sniffer: the URL of the opening request, once seen. */
      readonly url?: string;
      /**
       * A proxy that terminates WebSocket (it may change traffic): the two TCP connections,
       * client↔proxy and proxy↔server, whose bytes differ after the handshake.
       */
      readonly legs?: { readonly client: Endpoints; readonly server: Endpoints };
      /** A capture: the connection's TLS, decrypted with the key log. */
      readonly tls?: TlsInfo;
      /**
       * A capture without TLS: per direction, the TCP sequence number of stream offset 0 (so a
       * segment's bytes can be placed by offset again: index/), null for a side that had sent
       * nothing yet when the connection was recognised.
       */
      readonly seqBase?: { readonly c2s: number | null; readonly s2c: number | null };
    }
  | {
      readonly kind: 'data';
      readonly conn: number;
      readonly dir: Direction;
      readonly bytes: Uint8Array;
      readonly time: Timestamp;
      /** Capture input: TCP stream offset (within this direction) of bytes[0]. */
      readonly at?: number;
      /** Capture input: packet number (1-based over all records, Wireshark's frame.number) of bytes[0]. */
      readonly packet?: number;
      /** Capture input: file offset of that packet's record (pcap record header, pcapng block). */
      readonly record?: number;
      /**
       * A terminating proxy: these bytes are as on this leg only (client: client↔proxy,
       * server: proxy↔server); absent where both legs carry the same bytes (the handshake).
       */
      readonly leg?: 'client' | 'server';
      /**
       * A terminating proxy: the frames these bytes are, exactly and whole, as its writer built
       * them (payloads plain): the decoder takes them instead of parsing the bytes again.
       */
      readonly frames?: readonly KnownFrame[];
    }
  | {
      readonly kind: 'gap';
      readonly conn: number;
      readonly dir: Direction;
      readonly length: number;
      readonly time: Timestamp;
    }
  | {
      readonly kind: 'end';
      readonly conn: number;
      readonly reason: EndReason;
      readonly time: Timestamp;
      readonly dir?: Direction;
    }
  | {
      readonly kind: 'diagnostic';
      readonly conn: number | null;
      readonly diagnostic: Diagnostic;
      readonly time: Timestamp;
      readonly dir?: Direction;
      readonly about?: RelayedConnection;
    };

/**
 * Where an event's bytes are in a capture file: the packets (and their records) that carry
 * its first and last byte, and the TCP stream offsets (within its direction) of those bytes.
 * With it an event can be found and decoded again from the file (session/frame-at.ts).
 */
export interface CaptureOrigin {
  /** Packet number of the first byte: 1-based over all records of the file (Wireshark's frame.number). */
  readonly packet: number;
  /** File offset of that packet's record (pcap record header or pcapng block). */
  readonly record: number;
  /** Packet number and record offset of the last byte (the same as the first's within one packet). */
  readonly lastPacket: number;
  readonly lastRecord: number;
  /** TCP stream offsets (within the direction, 0 = its first byte) of the first and last byte. */
  readonly streamStart: number;
  readonly streamEnd: number;
}

export interface CloseInfo {
  /** Close status code, or null for an empty body. */
  readonly code: number | null;
  readonly codeName: string | null;
  /** The reason decoded as UTF-8 (with U+FFFD where invalid), or null. */
  readonly reason: string | null;
}

/** Inflation result for a compressed message (derived data). */
export interface InflateInfo {
  readonly compressedLength: number;
  readonly inflatedLength: number;
  /** True when only part of the message could be inflated. */
  readonly partial: boolean;
}

/** A fragmented compressed message as it was inflated: its frames' payloads joined, then inflated once. */
export interface CompressedMessage {
  /** 1 text, 2 binary. */
  readonly opcode: number;
  /** Index of its first frame (the one with RSV1). */
  readonly firstFrame: number;
  /** Payload bytes of each of its frames, in order. */
  readonly fragmentLengths: readonly number[];
  /** The frames' payloads joined: the compressed message (without the 00 00 ff ff tail). */
  readonly payload: Uint8Array;
  readonly inflated: Uint8Array;
  readonly inflate: InflateInfo;
}

/** Where a data message the receiving peer got came from (a proxy that may change traffic). */
export type ChangeOrigin = 'wire' | 'modified' | 'injected';

/** How what the receiving peer got differs from what the sender sent (json-output.md, Changed traffic). */
export interface ChangeMark {
  readonly origin: ChangeOrigin;
  /** A modified message: the sender's original. */
  readonly original?: { readonly opcode: number; readonly data: Uint8Array };
  /** A dropped message (the receiver never got it): why. */
  readonly dropped?: string;
}

export interface FrameEvent {
  readonly type: 'frame';
  readonly conn: number;
  readonly dir: Direction;
  /** 1-based, both directions counted together. */
  readonly index: number;
  readonly time: Timestamp;
  readonly frame: Frame;
  /** True when RSV1 marks this frame as the first of a permessage-deflate message. */
  readonly compressed: boolean;
  /** Text of a complete unfragmented text message (after inflation), else undefined. */
  readonly text?: string;
  /** The UTF-8 bytes `text` is decoded from (lazily): a renderer that shows a prefix reads only that. */
  readonly textBytes?: Uint8Array;
  /** For a continuation frame of an uncompressed message: the message's opcode (1 text, 2 binary), so its bytes can be previewed. */
  readonly messageOpcode?: number;
  /** Inflated payload for a complete unfragmented compressed message. */
  readonly inflated?: Uint8Array;
  readonly inflate?: InflateInfo;
  /** A continuation frame of a compressed message: its bytes are part of a DEFLATE stream, not text. */
  readonly continuesCompressed?: boolean;
  /** The last frame of a fragmented compressed message: the message inflated whole (for -V). */
  readonly compressedMessage?: CompressedMessage;
  readonly close?: CloseInfo;
  /** Capture input: where the frame is in the file. */
  readonly capture?: CaptureOrigin;
  /** A proxy that may change traffic: where the frame's message came from. */
  readonly change?: ChangeMark;
  readonly diagnostics: Diagnostic[];
  /** Set by an application view: the frame carries a keep-alive (folded in listings unless asked for). */
  readonly heartbeat?: boolean;
}

export interface MessageEvent {
  readonly type: 'message';
  readonly conn: number;
  readonly dir: Direction;
  readonly time: Timestamp;
  readonly opcode: number;
  readonly frames: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly compressed: boolean;
  /** Application data after inflation (may be cut at the assembly limit). */
  readonly data: Uint8Array;
  /** Full length of the application data, even when data was cut. */
  readonly length: number;
  /** Text for text messages (U+FFFD where invalid). */
  readonly text?: string;
  readonly inflate?: InflateInfo;
  /** False when the input ended before the final fragment. */
  readonly complete: boolean;
  /** Capture input: from the first byte of its first frame to the last byte of its last. */
  readonly capture?: CaptureOrigin;
  /** A proxy that may change traffic: where the message came from (or that it was dropped). */
  readonly change?: ChangeMark;
  readonly diagnostics: Diagnostic[];
  /** What an application view (src/views/) understood of the payload. */
  readonly app?: AppInfo;
  /** A response paired with its request by an application view. */
  readonly pair?: AppPair;
  /**
   * A request's answers, found by reading on past it (a single frame's or message's detail:
   * `--frame`, the UI); text detail only, not in --json (a response's `pair` says the same).
   */
  readonly answers?: AppAnswers;
  /** The application view's own diagnostics (also in `diagnostics`): listings show them under the view's line. */
  readonly appDiagnostics?: readonly Diagnostic[];
}

/**
 * A value an application view decoded: JSON's values, with integers beyond 2^53 kept exact
 * as bigint, and binary data (MessagePack, CBOR, Socket.IO attachments) as bytes.
 */
export type AppValue =
  null | boolean | number | bigint | string | Uint8Array | readonly AppValue[] | { readonly [key: string]: AppValue };

/** One application-level unit of a message (a Socket.IO packet, a JSON-RPC call of a batch…). */
export interface AppItem {
  /** The unit's type as its spec names it, lower case: event, ack, ping, request, next… */
  readonly kind: string;
  /** One line: what a listing shows. */
  readonly summary: string;
  /** The protocol's fields (json-output.md "Application views"), in output order. */
  readonly fields: Readonly<Record<string, AppValue>>;
  /** A keep-alive (Engine.IO ping/pong, graphql ka): folded in listings unless asked for. */
  readonly heartbeat?: boolean;
  /** A request or event: its method or event name (what --stats counts it under). */
  readonly request?: string;
  /** A response that reports a failure (JSON-RPC error, GraphQL error, CONNECT_ERROR). */
  readonly error?: boolean;
  /** A request that expects an answer (a JSON-RPC request, an event with an ack id, a GraphQL operation). */
  readonly awaits?: boolean;
  /** This unit answers a request (a JSON-RPC batch pairs each of its responses). */
  readonly pair?: AppPair;
  /**
   * A listing's fast way to the summary: its bytes (printable ASCII, nothing to escape)
   * written into `out` from `o`, at most `summaryRoom` of them, without building the string;
   * returns the end, or -1 when the summary must be printed from `summary` after all.
   */
  writeSummary?(out: Uint8Array, o: number): number;
  readonly summaryRoom?: number;
}

export interface AppInfo {
  /** json, socket.io, graphql-transport-ws, graphql-ws, json-rpc… */
  readonly protocol: string;
  readonly items: readonly AppItem[];
}

/** The responses to a request found after it, and how far they were looked for. */
export interface AppAnswers {
  /** The first few, in order (at most ANSWERS_SHOWN of them are kept). */
  readonly found: readonly AppAnswer[];
  /** How many were found in all. */
  readonly count: number;
  /**
   * Why the search stopped: every unit that awaits an answer has its final one, the
   * connection ended, the input ended first (a capture cut short), nothing more has arrived
   * yet (a live connection, a file still being read), or a limit of messages looked at.
   */
  readonly until: 'answered' | 'end' | 'input-ended' | 'pending' | { readonly messages: number };
}

export interface AppAnswer {
  /** The response message's first frame. */
  readonly index: number;
  readonly latencyMs: number | null;
  /** The response's unit kind (response, ack, next, error, complete…). */
  readonly kind: string;
  readonly error: boolean;
}

export interface AppPair {
  /** The request's connection and message (its firstFrame). */
  readonly conn: number;
  readonly index: number;
  /** Milliseconds from request to this response; null when either has no time. */
  readonly latencyMs: number | null;
  /** What was asked: the method, event or operation (the --stats key). */
  readonly request: string;
}

export interface ConnectionEvent {
  readonly type: 'connection';
  readonly conn: number;
  readonly time: Timestamp;
  readonly client: string;
  readonly server: string;
  readonly detectedBy: 'handshake' | 'heuristic';
  /** A recording's connection (no wire bytes): where it was read from. */
  readonly source?: 'har' | 'ndjson';
  /** The proxy: the host the client asked for ("name:port"). */
  readonly host?: string;
  /** The proxy: the URL of the opening request ("wss://example.com/socket"). */
  readonly url?: string;
  /** The connection's TLS, when it had any: the proxy's, or a capture's decrypted with the key log. */
  readonly tls?: TlsInfo;
}

export interface HandshakeEvent {
  readonly type: 'handshake';
  readonly conn: number;
  readonly time: Timestamp;
  readonly handshake: HandshakeRequest | HandshakeResponse;
  /** Capture input: where the HTTP head is in the file. */
  readonly capture?: CaptureOrigin;
}

export interface DiagnosticEvent {
  readonly type: 'diagnostic';
  readonly conn: number | null;
  readonly time: Timestamp;
  readonly dir?: Direction;
  readonly diagnostic: Diagnostic;
  /** The proxy: a TCP connection that carried no WebSocket (no number), as far as it is known. */
  readonly about?: RelayedConnection;
}

/** A connection the proxy relayed without decoding it: its addresses and what the client asked for. */
export interface RelayedConnection {
  readonly client: string;
  readonly server: string;
  readonly host?: string;
  readonly url?: string;
  readonly tls?: TlsInfo;
}

export interface PerDirection<T> {
  c2s: T;
  s2c: T;
}

export interface EndEvent {
  readonly type: 'end';
  readonly conn: number;
  readonly time: Timestamp;
  readonly reason: EndReason;
  readonly frames: PerDirection<number>;
  readonly messages: PerDirection<number>;
  readonly bytes: PerDirection<number>;
}

export type InspectEvent = ConnectionEvent | HandshakeEvent | FrameEvent | MessageEvent | DiagnosticEvent | EndEvent;
