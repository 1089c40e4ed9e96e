// The wiring of `wsinspect FILE` from StreamEvents to the printer: ConnectionDemux → display
// filter (or --stats) → printer. Shared by the single-thread reader and by every worker thread
// of the parallel one, so both render with the same code and the outputs can be identical.
// Layer rule: cli/ — composes sources' events, session/ and render/; owns no I/O of its own.
import { assumedDeflate } from '../protocol/deflate-params.js';
import { statsJson, renderStats } from '../render/stats-view.js';
import { ConnectionDemux } from '../session/connection-demux.js';
import { StatsCollector, type ConnectionStats } from '../session/connection-stats.js';
import type { InspectEvent, StreamEvent, Timestamp } from '../session/events.js';
import type { CaptureSourceOptions } from '../sources/capture-source.js';
import { createEventPrinter, shownPayloadLimits, type EventPrinter, type PrinterContext } from './event-printer.js';
import { statsConnections, streamFilter, wholeNumbers, type StreamFlags } from './stream-options.js';

export interface ReadFlags extends StreamFlags {
  file?: string;
  /** Ports as typed (checked by ReadPipeline). */
  decodeAs?: string[];
  /** 'auto' (or '0'), or a number of worker threads; see read-threads.ts. */
  threads?: string;
}

/**
 * Told every InspectEvent before it is printed, skipped or counted: the parallel reader learns
 * from it which output belongs where (see read-worker.ts).
 */
export type InspectObserver = (event: InspectEvent) => void;

export class ReadPipeline {
  readonly printer: EventPrinter;
  private readonly demux: ConnectionDemux;
  private readonly stats: StatsCollector | null;
  private readonly decodeAs: number[];
  /** Time of the last event that had one: connections still open at the end end then. */
  lastTime: Timestamp = null;

  /** Checks the options in the order the single-thread reader always has (WsinspectError). */
  constructor(
    private readonly flags: ReadFlags,
    ctx: PrinterContext,
    observe?: InspectObserver,
  ) {
    this.decodeAs = wholeNumbers('--decode-as', flags.decodeAs ?? [], 1, 65535, 'a TCP port (1-65535)');
    const printer = createEventPrinter(flags, ctx);
    this.printer = printer;
    const statsConns = flags.stats ? statsConnections(flags) : null;
    const show = streamFilter(flags);
    const stats = flags.stats ? new StatsCollector() : null;
    this.stats = stats;
    const onEvent = (ev: InspectEvent): void => {
      if (observe !== undefined) observe(ev);
      if (ev.time !== null) this.lastTime = ev.time;
      if (stats !== null) {
        if (statsConns !== null && ev.conn !== null && !statsConns.has(ev.conn)) return;
        const done = stats.add(ev);
        if (done !== null) this.printStats(done);
      } else if (show(ev)) {
        printer.print(ev);
      } else {
        printer.skip(ev);
      }
    };
    this.demux = new ConnectionDemux({ assumeDeflate: assumedDeflate(), limits: shownPayloadLimits(flags), onEvent });
  }

  /** What readCapture needs of this pipeline (the caller adds progress and may replace backpressure). */
  captureOptions(): CaptureSourceOptions {
    return {
      decodeAs: this.decodeAs,
      onFirstPacketTime: (t) => this.printer.setTimeOrigin(t),
      backpressure: this.printer.ready,
    };
  }

  handle(event: StreamEvent): void {
    this.demux.handle(event);
  }

  /** Input over: connections still open end with input-ended at `time` (the last event's). */
  finishConnections(time: Timestamp = this.lastTime): void {
    this.demux.finish(time);
  }

  /** --stats: the connections that never ended, in the order they were first seen. */
  remainingStats(): ConnectionStats[] {
    return this.stats === null ? [] : this.stats.remaining();
  }

  printStats(s: ConnectionStats): void {
    this.printer.raw(this.flags.json ? statsJson(s) : renderStats(s, this.printer.style) + '\n');
  }

  /** Everything after the input ended, as one thread does it. */
  finish(): void {
    this.finishConnections();
    for (const s of this.remainingStats()) this.printStats(s);
  }
}
