// The pipeline of live connections (the proxy, the demo): their StreamEvents are recorded
// first (--write: a StreamConsumer that holds every byte even if decoding fails), then pass
// the upgrade sniffer (a stream stage: it numbers WebSocket connections; anything else is one
// note), are decoded, and printed as they happen (what the display filter of captures picks).
// Output is flushed at most every FLUSH_MS (and whenever 64 KB have gathered): one write for
// a burst of frames instead of a system call per round trip on the relay's thread, yet
// nothing waits for a block to fill while a person watches. Layer rule: pipeline/ — wiring.
import { createDisplayFilter } from '../filter/display-filter.js';
import type { FilterSpec } from '../session/event-filter.js';
import type { InspectEvent, StreamEvent } from '../session/events.js';
import type { ChangeMark, Direction } from '../session/events.js';
import { ChangeMarks, receiverLegs } from './changed-traffic.js';
import { nowSeconds } from '../sources/proxy/clock.js';
import { UpgradeSniffer } from '../sources/proxy/upgrade-sniffer.js';
import type { EventConsumer, StreamConsumer } from './consumer.js';
import { createEventPrinter, viewStages, type EventPrinter, type PrinterOptions } from './consumers/event-printer.js';
import { Pipeline } from './pipeline.js';
import type { StreamStage } from './stages.js';

/** Longest time a printed event waits for its write: well below what a person notices. */
const FLUSH_MS = 15;
/** Printed output allowed to wait for a slow reader before events are skipped (and counted). */
const MAX_QUEUED_OUTPUT = 8 * 1024 * 1024;

export interface LivePipeline {
  readonly printer: EventPrinter;
  /** Every StreamEvent of every connection. */
  handle(event: StreamEvent): void;
  /** A line of text output (not in --json mode). */
  note(text: string): void;
  /** A proxy that may change traffic: where the next data message written in `dir` came from. */
  mark(conn: number, dir: Direction, mark: ChangeMark): void;
  /** A proxy that may change traffic: a message the receiver never got. */
  dropped(conn: number, dir: Direction, msg: { readonly opcode: number; readonly data: Uint8Array }, why: string): void;
  /** The number a source (proxy) connection is shown under, once it is known to be WebSocket. */
  shownAs(conn: number): number | undefined;
  /** Ends connections still open, finishes the recording, flushes the output. */
  close(): Promise<void>;
}

export interface LiveIo {
  readonly stdout: NodeJS.WritableStream & { write(s: string | Uint8Array): boolean };
  readonly colorLevel: 0 | 1 | 2 | 3;
  /** A failed write to stdout (see PrinterContext). */
  readonly onOutputFailure?: (err: Error) => void;
  /** --write: the recorder, or null. */
  readonly recorder: StreamConsumer | null;
  /** Told every decoded event after it is printed (the demo waits for the end). */
  readonly observe?: (event: InspectEvent) => void;
  /** More consumers after the printer (--har: a HAR writer, written when the pipeline closes). */
  readonly consumers?: readonly EventConsumer[];
  /**
   * Told the events the display filter shows instead of the printer (proxy --ui: the UI's
   * store), and the notes; the printer then writes nothing.
   */
  readonly display?: { readonly consumer: EventConsumer; note(text: string): void };
}

/** `filter`: the display filter of captures (--conn, --dir, --opcode, --grep, --errors, -Y); decoding sees everything. */
export function createLivePipeline(options: PrinterOptions, filter: FilterSpec, io: LiveIo): LivePipeline {
  const printer = createEventPrinter(
    options,
    { mode: 'stream', hexAssumptions: [], colorLevel: io.colorLevel, onOutputFailure: io.onOutputFailure },
    { stream: io.stdout, maxQueuedBytes: MAX_QUEUED_OUTPUT },
  );
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    void printer.flush();
  };
  const schedule = (): void => {
    timer ??= setTimeout(flush, FLUSH_MS);
  };
  const observe = io.observe;
  const display = createDisplayFilter(filter);
  let timed = false;
  const shown: EventConsumer = {
    keepPayload: Math.max(options.maxPayload + 1, display.expression?.dataBytes ?? 0),
    event(ev) {
      // under -Y times still count from the first event (the first connection), as without
      // it, not from the first event shown; `time` in the expression counts from there too
      if (display.expression !== null && !timed && ev.time !== null) {
        timed = true;
        printer.setTimeOrigin(ev.time);
        display.setTimeOrigin(ev.time);
      }
      if (display.show(ev)) {
        printer.print(ev);
        schedule();
      } else printer.skip(ev);
      observe?.(ev);
    },
    close: () => printer.close(),
  };
  const ui = io.display;
  const toUi: EventConsumer | null =
    ui === undefined
      ? null
      : {
          keepPayload: ui.consumer.keepPayload,
          event(ev) {
            if (display.show(ev)) ui.consumer.event(ev);
            observe?.(ev);
          },
          timeOrigin: ui.consumer.timeOrigin?.bind(ui.consumer),
          finish: ui.consumer.finish?.bind(ui.consumer),
          close: ui.consumer.close?.bind(ui.consumer),
        };
  // the sniffer numbers WebSocket connections: the engine's marks and dropped messages name the source's
  let upgrades: UpgradeSniffer | null = null;
  const shownAs = (conn: number): number => upgrades?.shown(conn) ?? conn;
  const sniffer: StreamStage = {
    connect(next) {
      const s = new UpgradeSniffer(next);
      upgrades = s;
      return (ev) => s.handle(ev);
    },
  };
  const marks = new ChangeMarks();
  const pipeline = new Pipeline({
    consumers: [toUi ?? shown, ...(io.consumers ?? [])],
    recorders: io.recorder === null ? [] : [io.recorder],
    streamStages: [receiverLegs, sniffer],
    views: [marks, ...viewStages(options)],
  });
  return {
    printer,
    handle: (ev) => pipeline.stream(ev),
    note(text) {
      if (ui !== undefined) return ui.note(text);
      if (options.json) return;
      printer.raw(text);
      schedule();
    },
    shownAs: (conn) => upgrades?.shown(conn),
    mark: (conn, dir, mark) => marks.mark(shownAs(conn), dir, mark),
    dropped(conn, dir, msg, why) {
      pipeline.message(ChangeMarks.dropped(shownAs(conn), dir, msg, why, nowSeconds()));
    },
    async close() {
      if (timer !== null) clearTimeout(timer);
      pipeline.finish(null);
      await pipeline.close();
    },
  };
}
