// The pipeline of a connection listing (`wsinspect FILE`, stdin, every worker of the parallel
// reader): capture → session → the text or JSON printer behind a display filter, or --stats.
// Built from a ListingSpec, plain data (cli/ makes it from the flags and checks them), so a
// worker thread builds the very same pipeline from what it is sent.
// Layer rule: pipeline/ — wiring.
import { assumedDeflate } from '../protocol/deflate-params.js';
import { renderStats, statsJson } from '../render/stats-view.js';
import { createDisplayFilter } from '../filter/display-filter.js';
import type { FilterSpec } from '../session/event-filter.js';
import type { EventConsumer } from './consumer.js';
import {
  createEventPrinter,
  type EventPrinter,
  type PrinterContext,
  type PrinterOptions,
  viewStages,
} from './consumers/event-printer.js';
import { PrinterConsumer } from './consumers/printer-consumer.js';
import { StatsConsumer } from './consumers/stats-consumer.js';
import { listingNotes, type ListingCounts } from './listing-notes.js';
import type { KeyLogSecrets } from '../capture/tls/key-log.js';
import { CapturePipeline } from './capture-pipeline.js';
import type { StreamStage } from './stages.js';

export interface ListingSpec {
  readonly printer: PrinterOptions;
  readonly colorLevel: 0 | 1 | 2 | 3;
  /** The display filter of the listing, -Y included (ignored under --stats). */
  readonly filter: FilterSpec;
  /** --stats instead of the listing, of these connections (null: all); undefined: the listing. */
  readonly stats?: { readonly conns: readonly number[] | null };
  /** Ports decoded as WebSocket without a handshake (--decode-as). */
  readonly decodeAs: readonly number[];
  /** TLS secrets from the key log (--keylog, SSLKEYLOGFILE): wss is decrypted. */
  readonly keyLog?: KeyLogSecrets;
  /** What the key log held, for stderr (said once, by the main thread). */
  readonly keyLogNote?: string;
  /** 'messages': the source has messages but no wire bytes (HAR, NDJSON: fed with pipeline.message). */
  readonly source?: 'wire' | 'messages';
}

export interface Listing {
  readonly pipeline: CapturePipeline;
  /** Where the listing (or the statistics) is written. */
  readonly printer: EventPrinter;
  readonly stats: StatsConsumer | null;
  /** What the listing saw and showed so far (the parallel reader sums its workers'). */
  counts(): ListingCounts;
  /** After the input: why the result is empty, one hint per line (none when it is not). */
  notes(): string[];
}

export interface ListingIo {
  /** Where the output goes instead of stdout. */
  readonly stream?: PrinterContext['stream'];
  /** A failed write to the output (see PrinterContext). */
  readonly onOutputFailure?: (err: Error) => void;
  /** A consumer told every event first (the parallel reader's worker learns from it which output belongs where). */
  readonly observer?: EventConsumer;
  /** More consumers, told every event after the listing (--har: a HAR writer). */
  readonly consumers?: readonly EventConsumer[];
  /** Stream stages in front of the session decoder (the parallel reader's worker keeps its own connections). */
  readonly streamStages?: readonly StreamStage[];
}

export function createListing(spec: ListingSpec, io: ListingIo = {}): Listing {
  const printer = createEventPrinter(spec.printer, {
    mode: 'stream',
    hexAssumptions: [],
    stream: io.stream,
    onOutputFailure: io.onOutputFailure,
    colorLevel: spec.colorLevel,
    source: spec.source,
  });
  const stats =
    spec.stats === undefined
      ? null
      : new StatsConsumer(
          spec.stats.conns === null ? null : new Set(spec.stats.conns),
          (s) => printer.raw(spec.printer.json ? statsJson(s) : renderStats(s, printer.style) + '\n'),
          printer,
        );
  const listed =
    stats === null ? new PrinterConsumer(printer, createDisplayFilter(spec.filter), spec.printer.maxPayload) : null;
  const shown: EventConsumer = stats ?? listed!;
  const consumers = [...(io.observer === undefined ? [] : [io.observer]), shown, ...(io.consumers ?? [])];
  const pipeline = new CapturePipeline({
    consumers,
    assumeDeflate: assumedDeflate(),
    capture: { decodeAs: spec.decodeAs, keyLog: spec.keyLog, tlsDetail: spec.printer.tlsDetail },
    views: viewStages(spec.printer),
    streamStages: io.streamStages,
  });
  const counts = (): ListingCounts =>
    listed !== null ? { ...listed.counts } : { connections: stats!.connections, frames: 0, messages: 0, shown: null };
  const notes = (): string[] => listingNotes(spec, pipeline.captureSummary(), counts());
  return { pipeline, printer, stats, counts, notes };
}
