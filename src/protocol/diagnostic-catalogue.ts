// The catalogue of every diagnostic wsinspect can attach: stable dotted code, severity,
// group, one-line summary and the RFC section that makes it a rule. Codes are API (tests
// and other tools assert them); add entries freely, never rename one.
// Layer rule: protocol/ — pure data, imports nothing of ours.

export const Severity = { error: 'error', warning: 'warning', note: 'note' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

export interface CatalogueEntry {
  readonly severity: Severity;
  readonly summary: string;
  readonly rfc?: string;
}

const e = (severity: Severity, summary: string, rfc?: string): CatalogueEntry =>
  rfc === undefined ? { severity, summary } : { severity, summary, rfc };

export const DIAGNOSTIC_CATALOGUE = {
  // frame layer: one frame's header and payload (RFC 6455 §5.2)
  'frame.mask.missing': e('error', 'client-to-server frame is not masked', 'RFC 6455 §5.1'),
  'frame.mask.unexpected': e('error', 'server-to-client frame is masked', 'RFC 6455 §5.1'),
  'frame.control.too-long': e('error', 'control frame payload longer than 125 bytes', 'RFC 6455 §5.5'),
  'frame.control.fragmented': e(
    'error',
    'control frame with FIN clear (control frames must not be fragmented)',
    'RFC 6455 §5.5',
  ),
  'frame.opcode.reserved': e('error', 'reserved opcode', 'RFC 6455 §5.2'),
  'frame.rsv.unexpected': e('error', 'RSV bit set but no extension that defines it was negotiated', 'RFC 6455 §5.2'),
  'frame.rsv1.continuation': e(
    'error',
    'RSV1 set on a continuation frame (permessage-deflate sets it only on the first frame)',
    'RFC 7692 §6.1',
  ),
  'frame.rsv1.control': e(
    'error',
    'RSV1 set on a control frame (permessage-deflate never compresses control frames)',
    'RFC 7692 §6.1',
  ),
  'frame.length.non-minimal': e(
    'warning',
    'payload length not encoded in the minimal number of bytes',
    'RFC 6455 §5.2',
  ),
  'frame.length.msb-set': e('error', '64-bit payload length has its most significant bit set', 'RFC 6455 §5.2'),
  'frame.length.too-large': e(
    'error',
    'declared payload length is beyond what wsinspect will buffer; the payload is skipped, not shown',
    undefined,
  ),
  'frame.truncated': e('error', 'input ended inside a frame', undefined),
  'frame.after-close': e('error', 'frame sent after this side sent a Close frame', 'RFC 6455 §5.5.1'),
  // message layer: fragments, UTF-8, assembly (RFC 6455 §5.4, §5.6, §8.1)
  'message.continuation.orphan': e('error', 'continuation frame with no message in progress', 'RFC 6455 §5.4'),
  'message.interrupted': e('error', 'new data frame while a fragmented message is still open', 'RFC 6455 §5.4'),
  'message.text.invalid-utf8': e('error', 'text message is not valid UTF-8', 'RFC 6455 §8.1'),
  'message.incomplete': e('warning', 'input ended before the final fragment of a message', undefined),
  'message.too-large': e('warning', 'message larger than the assembly limit; the rest is counted, not kept', undefined),
  // close frames (RFC 6455 §5.5.1, §7.4)
  'close.body.one-byte': e(
    'error',
    'close frame body of 1 byte (a body must be empty or hold a 2-byte code)',
    'RFC 6455 §5.5.1',
  ),
  'close.code.reserved-not-on-wire': e(
    'error',
    'close code 1005, 1006 or 1015 must not be sent in a Close frame',
    'RFC 6455 §7.4.1',
  ),
  'close.code.invalid': e('error', 'close code outside the ranges allowed on the wire', 'RFC 6455 §7.4.2'),
  'close.reason.invalid-utf8': e('error', 'close reason is not valid UTF-8', 'RFC 6455 §5.5.1'),
  'close.not-echoed': e('warning', 'the peer did not answer the Close frame with a Close frame', 'RFC 6455 §5.5.1'),
  // handshake (RFC 6455 §4)
  'handshake.request.malformed': e('error', 'the opening request is not a valid HTTP/1.1 request', 'RFC 6455 §4.1'),
  'handshake.request.method': e('error', 'the opening request must be GET', 'RFC 6455 §4.1'),
  'handshake.request.http-version': e('error', 'the opening request must be HTTP/1.1 or later', 'RFC 6455 §4.1'),
  'handshake.request.host.missing': e('error', 'the opening request has no Host header', 'RFC 6455 §4.1'),
  'handshake.upgrade.missing': e('error', 'Upgrade header missing or without the "websocket" token', 'RFC 6455 §4.1'),
  'handshake.connection.missing': e(
    'error',
    'Connection header missing or without the "Upgrade" token',
    'RFC 6455 §4.1',
  ),
  'handshake.key.missing': e('error', 'Sec-WebSocket-Key missing', 'RFC 6455 §4.1'),
  'handshake.key.invalid': e('error', 'Sec-WebSocket-Key is not the base64 encoding of 16 bytes', 'RFC 6455 §4.1'),
  'handshake.version.unsupported': e('error', 'Sec-WebSocket-Version is missing or not 13', 'RFC 6455 §4.1'),
  'handshake.header.duplicate': e('warning', 'header that must appear once appears more than once', 'RFC 6455 §11.3'),
  'handshake.response.malformed': e('error', 'the response is not a valid HTTP/1.1 response', 'RFC 6455 §4.2.2'),
  // A refusal is the server obeying §4.2.2 ("return an appropriate HTTP error code"), not breaking it.
  'handshake.status.not-101': e(
    'note',
    'the server did not switch protocols (status is not 101); no WebSocket frames follow',
    'RFC 6455 §4.2.2',
  ),
  'handshake.response.upgrade.missing': e(
    'error',
    'response Upgrade header missing or not "websocket"',
    'RFC 6455 §4.2.2',
  ),
  'handshake.response.connection.missing': e(
    'error',
    'response Connection header missing or without "Upgrade"',
    'RFC 6455 §4.2.2',
  ),
  'handshake.accept.missing': e('error', 'Sec-WebSocket-Accept missing from the response', 'RFC 6455 §4.2.2'),
  'handshake.accept.mismatch': e('error', 'Sec-WebSocket-Accept does not match the key', 'RFC 6455 §4.2.2'),
  'handshake.protocol.not-offered': e(
    'error',
    'the server chose a subprotocol the client did not offer',
    'RFC 6455 §4.1',
  ),
  'handshake.extension.not-offered': e(
    'error',
    'the server accepted an extension the client did not offer',
    'RFC 6455 §9.1',
  ),
  'handshake.extension.malformed': e('error', 'Sec-WebSocket-Extensions header does not parse', 'RFC 6455 §9.1'),
  'handshake.deflate.param-invalid': e('error', 'invalid permessage-deflate parameter', 'RFC 7692 §7.1'),
  'handshake.deflate.param-duplicate': e('error', 'permessage-deflate parameter given twice', 'RFC 7692 §7'),
  'handshake.deflate.param-unknown': e('error', 'unknown permessage-deflate parameter', 'RFC 7692 §7'),
  'handshake.deflate.response-invalid': e(
    'error',
    "the server's permessage-deflate response is not allowed by the offer",
    'RFC 7692 §7.1',
  ),
  'handshake.head.too-large': e('error', 'HTTP head larger than the limit; the rest is not parsed', undefined),
  'handshake.missing': e('note', 'no opening handshake seen; negotiation is unknown', undefined),
  // permessage-deflate (RFC 7692)
  'deflate.assumed': e('note', 'RSV1 taken as permessage-deflate (no handshake seen to confirm it)', 'RFC 7692 §6'),
  'deflate.inflate-failed': e('error', 'the compressed payload could not be inflated', 'RFC 7692 §6.2'),
  'deflate.window-exceeded': e('error', 'the sender used a larger LZ77 window than negotiated', 'RFC 7692 §7.1.2'),
  'deflate.context-takeover': e(
    'error',
    'the sender referred to an earlier message although no_context_takeover was negotiated',
    'RFC 7692 §7.1.1',
  ),
  'deflate.context-missing': e(
    'warning',
    'the message refers to an earlier message that was not seen (capture started mid-stream or data was lost)',
    'RFC 7692 §7.2.2',
  ),
  'deflate.bomb': e('error', 'inflated size exceeds the per-message limit; inflation stopped', undefined),
  'deflate.partial': e(
    'warning',
    'only part of the compressed message was available; the inflated text is partial',
    undefined,
  ),
  'deflate.trailing-data': e(
    'warning',
    'compressed message continues after the final DEFLATE block',
    'RFC 7692 §7.2.2',
  ),
  // TCP/capture layer
  'tcp.gap': e('warning', 'bytes missing from the TCP stream (not captured)', undefined),
  'tcp.overlap.conflict': e('error', 'retransmitted TCP data differs from the data first seen', undefined),
  'tcp.retransmission': e('note', 'TCP retransmission', undefined),
  'tcp.resync': e('note', 'decoding resumed at the next plausible frame header after lost data', undefined),
  'tcp.snaplen': e('warning', 'packet cut by the capture snap length; bytes missing', undefined),
  'tcp.rst': e('warning', 'connection reset (TCP RST) without a Close handshake', 'RFC 6455 §7.1.5'),
  'tcp.fin-without-close': e(
    'warning',
    'TCP connection closed without a WebSocket Close handshake (applications report 1006)',
    'RFC 6455 §7.1.5',
  ),
  'ip.fragment': e(
    'warning',
    'IP datagram could not be reassembled (a fragment missing, timed out or evicted); its TCP segment is lost',
    'RFC 791 §3.2',
  ),
  'ip.fragment.overlap': e(
    'error',
    'overlapping IP fragments: IPv4 keeps the bytes seen first when they differ; IPv6 discards the datagram',
    'RFC 5722 §4',
  ),
  'ip.fragment.invalid': e(
    'error',
    'IP fragment past the 65535-byte datagram limit, or fragments disagree on its length; the datagram is discarded',
    'RFC 8200 §4.5',
  ),
  'capture.truncated': e('error', 'capture file ends in the middle of a record', undefined),
  'capture.block.malformed': e('error', 'malformed capture block; skipped', undefined),
  'capture.linktype.unsupported': e(
    'warning',
    'link type not supported; packets on this interface are skipped',
    undefined,
  ),
  'capture.tls': e('note', 'TLS connection — wss cannot be decoded without keys', undefined),
  'tls.no-keys': e(
    'warning',
    'the key log has no secret for this TLS connection (or direction); its client random is named',
    undefined,
  ),
  'tls.decrypt-failed': e(
    'warning',
    'a TLS record failed authentication (wrong key or damaged data), or its records were lost',
    'RFC 8446 §5.2',
  ),
  'tls.unsupported-cipher': e('warning', 'TLS version or cipher suite that wsinspect does not decrypt', undefined),
  'tls.midstream': e(
    'warning',
    'the capture began after the TLS handshake: the keys cannot be matched to the connection',
    undefined,
  ),
  'tls.truncated': e('warning', 'input ended inside a TLS record', 'RFC 8446 §5.1'),
  'tls.early-data': e(
    'note',
    '0-RTT early data rejected by the server (left out, as the server skipped it), or not decryptable (no early secret)',
    'RFC 8446 §2.3',
  ),
  'tls.http2': e('note', 'HTTP/2 connection (ALPN h2): WebSocket over HTTP/2 (RFC 8441) is not decoded', 'RFC 8441'),
  'proxy.not-websocket': e(
    'note',
    'connection is not a WebSocket upgrade (plain HTTP or other TCP); relayed, not decoded',
    undefined,
  ),
  'proxy.upstream-failed': e(
    'error',
    'the proxy could not reach the server (refused, unreachable, TLS failed); the client was answered 502 Bad Gateway',
    undefined,
  ),
  'proxy.request-refused': e(
    'error',
    "the proxy refused the client's request (malformed, not allowed, head too large) with an HTTP error",
    undefined,
  ),
  'proxy.client-tls-failed': e(
    'error',
    'the TLS handshake with the client failed (often: the client does not trust the local CA)',
    undefined,
  ),
  'proxy.tls-not-intercepted': e(
    'note',
    'TLS tunnel relayed without interception; its WebSocket traffic is not shown',
    undefined,
  ),
  'proxy.engine.note': e(
    'note',
    "the proxy's engine says what it did: a held message released after --hold-timeout, messages dropped at a close, a script's ctx.log",
    undefined,
  ),
  'proxy.engine.problem': e(
    'warning',
    "the proxy's engine could not read part of a peer's traffic (a frame over the size limit, a stray continuation); it was not relayed",
    undefined,
  ),
  'proxy.script.error': e(
    'error',
    'a rule or script hook threw, or its Promise did not settle within 5 s; the message passed unchanged (reported once per connection)',
    undefined,
  ),
  'output.skipped': e(
    'warning',
    'events not shown: the output fell behind the live traffic (traffic is never slowed for the display)',
    undefined,
  ),
  'capture.heuristic': e('note', 'WebSocket detected by heuristics (no handshake in the capture)', undefined),
  'capture.midstream.skipped': e(
    'note',
    'decoding starts at the first frame boundary found; the bytes before it (the rest of a frame whose start was not captured) are skipped',
    'RFC 6455 §5.2',
  ),
  // recordings: HAR and wsinspect's own NDJSON, which hold messages, not wire bytes
  'har.messages-only': e(
    'note',
    'a HAR holds messages, not frames: frame headers, masking, fragmentation and compression were not recorded',
    undefined,
  ),
  'har.message.invalid': e(
    'error',
    'a recorded message with a missing or wrong field (type, opcode, data, time); shown as far as it can be',
    undefined,
  ),
  'har.entry.invalid': e(
    'error',
    'a recorded connection (HAR entry) with a wrong field (request, request.url, response.status, headers, startedDateTime, _webSocketMessages); shown as far as it can be',
    'HAR 1.2 §entries',
  ),
  'har.message.error': e('warning', 'the browser recorded an error on this WebSocket', undefined),
  'ndjson.messages-only': e(
    'note',
    'frame events of a wsinspect --json recording are not read back: their messages are shown',
    undefined,
  ),
  'har.close': e('note', 'the recording says how the connection closed', undefined),
  'recording.malformed': e(
    'error',
    'malformed JSON in a recording; that piece is skipped and reading goes on',
    undefined,
  ),
  // application views (src/views/): the protocol inside the messages
  'app.view.selected': e('note', 'application view chosen for this connection, and why', undefined),
  'app.view.failed': e('error', 'the application view could not decode this message (a wsinspect bug)', undefined),
  'app.json.invalid': e('warning', 'payload is not valid JSON where the view expects JSON', 'RFC 8259 §2'),
  'app.pair.not-replayed': e(
    'note',
    'a message read through a capture index, with no request found among the earlier messages replayed for it: the request may be earlier',
    undefined,
  ),
  'socketio.packet.malformed': e(
    'error',
    'not a valid Engine.IO / Socket.IO packet',
    'Socket.IO protocol v5 §Packet encoding',
  ),
  'socketio.attachment.unexpected': e(
    'warning',
    'binary message with no binary event waiting for an attachment',
    'Socket.IO protocol v5 §Packet encoding',
  ),
  'graphql.message.malformed': e(
    'error',
    'not a valid GraphQL over WebSocket message (JSON object with a known type)',
    'graphql-ws PROTOCOL.md §Communication',
  ),
  'graphql.id.unknown': e(
    'warning',
    'result or complete for an operation id that was never subscribed (or already completed)',
    'graphql-ws PROTOCOL.md §Next',
  ),
  'graphql.id.reused': e(
    'error',
    'subscribe with an operation id that is still in use (the server closes with 4409)',
    'graphql-ws PROTOCOL.md §Subscribe',
  ),
  'msgpack.invalid': e('warning', 'binary message is not MessagePack', 'MessagePack spec §Formats'),
  'protobuf.invalid': e(
    'warning',
    'binary message is not protobuf (or not the --proto-type message)',
    'Protocol Buffers encoding §Message structure',
  ),
  'cbor.invalid': e('warning', 'binary message is not well-formed CBOR', 'RFC 8949 §3'),
  'mqtt.packet.malformed': e('error', 'not a valid MQTT control packet', 'MQTT 3.1.1 §2, MQTT 5.0 §2'),
  'stomp.frame.malformed': e('error', 'not a valid STOMP frame', 'STOMP 1.2 §Augmented BNF'),
  'jsonrpc.message.invalid': e('error', 'not a valid JSON-RPC 2.0 request or response', 'JSON-RPC 2.0 §4, §5'),
  'jsonrpc.response.orphan': e(
    'warning',
    'response to a request id never seen (or already answered)',
    'JSON-RPC 2.0 §5',
  ),
  'jsonrpc.request.unanswered': e('warning', 'request never answered before the connection ended', 'JSON-RPC 2.0 §5'),
  'signalr.message.malformed': e(
    'error',
    'not a valid SignalR hub protocol message (handshake, JSON record or MessagePack array)',
    'SignalR HubProtocol.md §Transport',
  ),
  'signalr.invocation.unknown': e(
    'warning',
    'stream item or completion for an invocationId no invocation is waiting on',
    'SignalR HubProtocol.md §Invocations',
  ),
  'signalr.invocation.unanswered': e(
    'warning',
    'invocation with an invocationId never completed before the connection ended',
    'SignalR HubProtocol.md §Invocations',
  ),
  'phoenix.message.malformed': e(
    'error',
    'not a valid Phoenix Channels V2 message (a 5-element JSON array, or a binary push, reply or broadcast)',
    'Phoenix.Socket.V2.JSONSerializer',
  ),
  'phoenix.reply.unknown': e(
    'warning',
    'phx_reply for a ref no push is waiting on',
    'Phoenix.Socket.V2.JSONSerializer',
  ),
  'phoenix.reply.missing': e(
    'warning',
    'push with a ref never got its phx_reply before the connection ended',
    'Phoenix.Socket.V2.JSONSerializer',
  ),
  'actioncable.message.malformed': e(
    'error',
    'not a valid ActionCable message (a JSON object with a known type or command)',
    'actioncable-v1-json (ActionCable::Connection)',
  ),
  'actioncable.subscription.unknown': e(
    'warning',
    'a confirmation for a subscription never asked for, or a subscribe never confirmed',
    'actioncable-v1-json (ActionCable::Connection)',
  ),
  'wamp.message.malformed': e(
    'error',
    'not a valid WAMP message (an array with a known type code and its required elements)',
    'WAMP basic profile §Messages',
  ),
  'wamp.request.unknown': e(
    'warning',
    'an answer (RESULT, ERROR, SUBSCRIBED, …) for a request id no request of that type is waiting on',
    'WAMP basic profile §Messages',
  ),
  'wamp.request.unanswered': e(
    'warning',
    'a request (CALL, SUBSCRIBE, REGISTER, INVOCATION, acknowledged PUBLISH…) never answered before the connection ended',
    'WAMP basic profile §Messages',
  ),
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CATALOGUE;

/** One problem found in the traffic, attached to the record it belongs to. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly rfc?: string;
}

/** Builds a diagnostic from the catalogue; `detail` replaces the summary with specifics. */
export function diagnostic(code: DiagnosticCode, detail?: string): Diagnostic {
  const entry: CatalogueEntry = DIAGNOSTIC_CATALOGUE[code];
  const message = detail ?? entry.summary;
  return entry.rfc === undefined
    ? { severity: entry.severity, code, message }
    : { severity: entry.severity, code, message, rfc: entry.rfc };
}
