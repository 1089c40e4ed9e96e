// One pipeline: sources → stages → consumers. A source enters where its events belong —
// capture bytes before the capture stage (push: CapturePipeline, capture-pipeline.ts, so that a
// command without captures — hex — does not load the capture layer), StreamEvents of already reassembled
// conversations after it (stream: the proxy's sockets, hex), decoded messages after the
// session stage (message: HAR, NDJSON) — and every consumer sees the same InspectEvents.
// Layer rule: pipeline/ — wiring only: no I/O of its own (sources and consumers do it).
import type { DeflateNegotiation } from '../protocol/handshake-types.js';
import { ConnectionDemux } from '../session/connection-demux.js';
import type { InspectEvent, StreamEvent, Timestamp } from '../session/events.js';
import { keepLimit, type EventConsumer, type StreamConsumer } from './consumer.js';
import type { SessionStage, SessionStageFactory, StreamStage, TlsStage, ViewStage } from './stages.js';

export interface PipelineOptions {
  /** Told every decoded event, in this order. */
  readonly consumers: readonly EventConsumer[];
  /** Told every StreamEvent before any stage (recorders: they hold every byte even if decoding fails). */
  readonly recorders?: readonly StreamConsumer[];
  /** The TLS decryption slot, first after the capture stage. */
  readonly tls?: TlsStage;
  /** Stream stages after TLS, in order (the proxy's upgrade sniffer). */
  readonly streamStages?: readonly StreamStage[];
  /** The application view slot, after the session stage, in order. */
  readonly views?: readonly ViewStage[];
  /** Deflate settings assumed for connections found without a handshake (RSV1 taken as deflate). */
  readonly assumeDeflate?: DeflateNegotiation | null;
  /** The session stage; default: a ConnectionDemux with assumeDeflate. */
  readonly session?: SessionStageFactory;
}

/** Bytes of each binary message kept for the application views (a larger message is cut: its view sees a part). */
const VIEW_KEEP_PAYLOAD = 1 << 20;

export class Pipeline {
  /** Time of the last decoded event that had one: connections still open at the end end then. */
  lastTime: Timestamp = null;
  /** The largest payload prefix any consumer asked for (see EventConsumer.keepPayload). */
  readonly keepPayload: number;
  protected readonly consumers: readonly EventConsumer[];
  private readonly session: SessionStage;
  protected readonly enterStream: (event: StreamEvent) => void;
  private readonly enterDecoded: (event: InspectEvent) => void;

  constructor(private readonly options: PipelineOptions) {
    const consumers = options.consumers;
    this.consumers = consumers;
    this.keepPayload = keepLimit(consumers);
    let decoded = this.deliverer(consumers);
    for (const view of [...(options.views ?? [])].reverse()) decoded = view.connect(decoded);
    this.enterDecoded = decoded;
    // application views decode binary messages (MQTT, MessagePack…) whatever the consumers show
    const viewing = (options.views ?? []).length > 0;
    const limits = { keepBinaryPayload: viewing ? Math.max(this.keepPayload, VIEW_KEEP_PAYLOAD) : this.keepPayload };
    const session =
      options.session?.(decoded, limits) ??
      new ConnectionDemux({ assumeDeflate: options.assumeDeflate ?? null, limits, onEvent: decoded });
    this.session = session;
    let stream = (ev: StreamEvent): void => session.handle(ev);
    for (const stage of [...(options.streamStages ?? [])].reverse()) stream = stage.connect(stream);
    if (options.tls !== undefined) stream = options.tls.connect(stream);
    const recorders = options.recorders ?? [];
    if (recorders.length > 0) {
      const next = stream;
      stream = (ev) => {
        for (const r of recorders) r.stream(ev);
        next(ev);
      };
    }
    this.enterStream = stream;
  }

  /** A StreamEvent of a reassembled conversation (the proxy's sockets, hex): after the capture stage. */
  stream(event: StreamEvent): void {
    this.enterStream(event);
  }

  /** A decoded event of a message-only source (HAR, NDJSON): no wire bytes, so no frame decoding. */
  message(event: InspectEvent): void {
    this.enterDecoded(event);
  }

  /**
   * Input over: connections still open end with input-ended at `time` (by default the last
   * event's), then each consumer finishes (--stats prints what never ended).
   */
  finish(time: Timestamp = this.lastTime): void {
    this.finishConnections(time);
    for (const c of this.consumers) c.finish?.();
  }

  /** Only the first half of finish() (the parallel reader marks its output in between). */
  finishConnections(time: Timestamp = this.lastTime): void {
    this.session.finish(time);
  }

  /** Resolves when every consumer can take more. */
  ready(): Promise<void> {
    const consumers = this.consumers;
    if (consumers.length === 1) return consumers[0].ready?.() ?? Promise.resolve();
    return Promise.all(consumers.map((c) => c.ready?.())).then(() => undefined);
  }

  /** Recorders and consumers closed: everything written is out. */
  async close(): Promise<void> {
    for (const r of this.options.recorders ?? []) await r.close?.();
    for (const c of this.consumers) await c.close?.();
  }

  /** Decoded events to every consumer (one consumer, the usual case, without a loop). */
  private deliverer(consumers: readonly EventConsumer[]): (event: InspectEvent) => void {
    if (consumers.length === 1) {
      const only = consumers[0];
      return (ev) => {
        if (ev.time !== null) this.lastTime = ev.time;
        only.event(ev);
      };
    }
    return (ev) => {
      if (ev.time !== null) this.lastTime = ev.time;
      for (const c of consumers) c.event(ev);
    };
  }
}
