// wsinspect as a library: the decoder core and its record types. Named re-exports only.
export { decodeFrames } from './protocol/decode-frames.js';
export { FrameDecoder, headerLength, type FrameDecoderOptions, type PartialHeader } from './protocol/frame-decoder.js';
export {
  Opcode,
  opcodeName,
  isControlOpcode,
  isReservedOpcode,
  type Frame,
  type OpcodeName,
  type LengthEncoding,
} from './protocol/frame.js';
export { unmaskInto, applyMask } from './protocol/unmask.js';
export {
  DIAGNOSTIC_CATALOGUE,
  diagnostic,
  Severity,
  type Diagnostic,
  type DiagnosticCode,
  type CatalogueEntry,
} from './protocol/diagnostic-catalogue.js';
export { DEFAULT_LIMITS, resolveLimits, type Limits } from './protocol/limits.js';
export { closeCodeName, checkCloseCode } from './protocol/close-codes.js';
export { isValidUtf8, Utf8StreamValidator } from './protocol/utf8.js';
export { computeAccept, acceptDerivation, WEBSOCKET_GUID, type AcceptDerivation } from './protocol/accept-key.js';
export { HttpHeadParser, type HttpHeadResult } from './protocol/http-head-parser.js';
export { parseHandshakeRequest } from './protocol/handshake-request.js';
export { parseHandshakeResponse } from './protocol/handshake-response.js';
export { parseExtensionHeader } from './protocol/extension-header.js';
export { negotiateDeflate, validateDeflateOffer, assumedDeflate } from './protocol/deflate-params.js';
export { MessageInflater, type InflateResult } from './protocol/message-inflater.js';
export { MessageDeflater, type MessageDeflaterOptions } from './protocol/message-deflater.js';
export {
  encodeFrame,
  encodeRawFrame,
  frameRuleViolation,
  fragmentMessage,
  closePayload,
  writeFrameHeader,
  frameHeaderBytes,
  frameHeaderSize,
  minimalLengthEncoding,
  randomMaskingKey,
  FrameEncodeError,
  MAX_CONTROL_PAYLOAD,
  MAX_CLOSE_REASON_BYTES,
  type FrameSpec,
  type RawFrameSpec,
  type FragmentOptions,
  type FrameHeaderFields,
  type FrameEncodeErrorCode,
} from './protocol/frame-encoder.js';
export { findFrameStart, plausibleFrameLength } from './protocol/frame-plausibility.js';
export type {
  HandshakeRequest,
  HandshakeResponse,
  HeaderField,
  ExtensionOffer,
  DeflateDirection,
  DeflateNegotiation,
} from './protocol/handshake-types.js';
export { SessionDecoder, type SessionOptions } from './session/session-decoder.js';
export type {
  StreamEvent,
  InspectEvent,
  FrameEvent,
  MessageEvent,
  HandshakeEvent,
  ConnectionEvent,
  DiagnosticEvent,
  EndEvent,
  Direction,
  Timestamp,
  EndReason,
  CloseInfo,
  InflateInfo,
  Endpoints,
  TlsInfo,
  ProxyDestination,
  RelayedConnection,
} from './session/events.js';
export { eventJson } from './render/json-lines.js';
export { readCapture, type ReadCaptureOptions } from './pipeline/read-capture.js';
export { parseKeyLog, type KeyLogSecrets, type ParsedKeyLog } from './capture/tls/key-log.js';
export { WsinspectError } from './errors.js';
export {
  compileFilter,
  FilterSyntaxError,
  subjectFromFrame,
  subjectFromMessage,
  SubjectTracker,
  type CompiledFilter,
  type FilterSubject,
  type FilterConnection,
  type FilterEndpoint,
  type SubjectContext,
} from './filter/index.js';
export type {
  WsinspectScript,
  ScriptConnection,
  ScriptContext,
  ScriptControlFrame,
  ScriptMessage,
  ScriptMessageResult,
  ScriptControlResult,
} from './engine/script-types.js';
export { TrafficEngine, type EngineOutput, type EngineSettings } from './engine/traffic-engine.js';
export { terminatingRelay, type TerminatingRelayOptions } from './engine/terminating-relay.js';
export { parseRule, RuleDecider, RuleSyntaxError, type Rule, type RuleAction } from './engine/rules.js';
export type {
  Decider,
  EngineConnection,
  EngineControl,
  EngineMessage,
  Injection,
  MessageVerdict,
  ControlVerdict,
} from './engine/verdict.js';
export type { ChangeMark, ChangeOrigin } from './session/events.js';
