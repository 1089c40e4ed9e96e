// The stages of the pipeline and the slots coming stages fill. A stage transforms events and
// hands them on; the pipeline (pipeline.ts) chains them:
//   capture bytes ─▶ capture (link, IP, TCP: capture/CaptureDecoder) ─▶ StreamEvents
//   ─▶ [stream stages: the proxy's upgrade sniffer; TLS decryption slot] ─▶ session
//   (frames, messages: session/ConnectionDemux) ─▶ [application view slot] ─▶ consumers
// A slot is an interface and a place in the chain; nothing fills it yet. TLS in captures is
// decrypted inside the capture stage (capture/tls/, with a key log in its options): the
// WebSocket detection there must see the plaintext, and connections it skips never become
// StreamEvents, so a stage after it could not see them.
// Layer rule: pipeline/ — types only.
import type { Limits } from '../protocol/limits.js';
import type { InspectEvent, StreamEvent, Timestamp } from '../session/events.js';

/**
 * The session stage: StreamEvents of conversations in, InspectEvents out (handshake, frames,
 * messages). By default a ConnectionDemux (a SessionDecoder per connection, from its open to
 * its end); `wsinspect hex` has one conversation with options of its own.
 */
export interface SessionStage {
  handle(event: StreamEvent): void;
  /** Input over: what is still open ends with input-ended at `time`. */
  finish(time: Timestamp): void;
}

/** Makes the session stage, given where its events go and the pipeline's limits (the keep limit). */
export type SessionStageFactory = (onEvent: (event: InspectEvent) => void, limits: Partial<Limits>) => SessionStage;

/**
 * A stage between TCP reassembly and the session decoder: StreamEvents in, StreamEvents out.
 * The proxy's UpgradeSniffer is one (it drops connections that never upgrade); TLS record
 * decryption (a capture with keys) will be another, turning a TLS connection's data events
 * into the plaintext's.
 */
export interface StreamStage {
  /** Wires the stage in front of `next`; returns where events enter it. */
  connect(next: (event: StreamEvent) => void): (event: StreamEvent) => void;
}

/**
 * The TLS decryption slot: a StreamStage placed right after the capture stage, before any
 * other stream stage, so every later stage sees plaintext.
 */
export type TlsStage = StreamStage;

/**
 * The application view slot (Socket.IO, MQTT over WebSocket…): after message assembly,
 * InspectEvents in, InspectEvents out (it may add events of its own after a message, or
 * annotate one). Message-only sources (HAR, NDJSON) pass through it too.
 */
export interface ViewStage {
  connect(next: (event: InspectEvent) => void): (event: InspectEvent) => void;
}

/** Where in the chain a source's events enter. */
export type EntryPoint = 'capture' | 'stream' | 'messages';
