// The printers: each InspectEvent as NDJSON (the JSON printer) or text (the text printer)
// into a buffered Output over a stream (stdout, a worker's channel). Rendering itself is pure
// (render/); this file owns the stream. Options arrive checked (cli/output-options.ts).
// Layer rule: pipeline/ — a consumer's output.
import { diagnostic } from '../../protocol/diagnostic-catalogue.js';
import { writeEventJson } from '../../render/json-lines.js';
import { EventTextRenderer, type FrameDisplay, type TimeFormat } from '../../render/event-text.js';
import { createStyle, type Style } from '../../render/style.js';
import type { InspectEvent } from '../../session/events.js';
import { AppViewStage } from '../../views/view-stage.js';
import type { ProtoSchema } from '../../views/protobuf-view.js';
import type { ViewChoice } from '../../views/names.js';
import type { ViewStage } from '../stages.js';
import { Output } from './output.js';

/** What a printer shows: the output flags, checked. */
export interface PrinterOptions {
  readonly json?: boolean;
  readonly explain?: boolean;
  /** -s: one line per frame and per opening handshake. */
  readonly summary?: boolean;
  /** Most payload bytes shown per frame/message (decoding keeps what the pipeline's consumers ask for). */
  readonly maxPayload: number;
  /** Most payload bytes the detailed frame view draws (default: maxPayload); --max-payload sets both. */
  readonly detailPayload?: number;
  readonly verbose?: boolean;
  readonly messages?: boolean;
  readonly time?: TimeFormat;
  /** --errors: one-line frame summaries are followed by their diagnostics' messages. */
  readonly errors?: boolean;
  /** --view: the application view (views/); undefined or 'raw': none. */
  readonly view?: ViewChoice;
  /** --show-heartbeats: keep-alives (Engine.IO ping/pong…) are listed instead of folded. */
  readonly showHeartbeats?: boolean;
  /** --tls-detail (captures, with -V): the TLS records under decrypted frames. */
  readonly tlsDetail?: boolean;
  /** --proto/--proto-type: the schema the protobuf view decodes with. */
  readonly proto?: ProtoSchema;
}

/** The view stage the options ask for (none for raw). */
export function viewStages(options: PrinterOptions): ViewStage[] {
  return options.view === undefined || options.view === 'raw'
    ? []
    : [new AppViewStage(options.view, { proto: options.proto })];
}

export interface PrinterContext {
  /** teaching: every frame drawn in full (hex); stream: one line per frame with time and addresses (captures, proxy). */
  readonly mode: 'teaching' | 'stream';
  /** Assumptions stated once at the top of text output (hex: direction by mask bit, RSV1 as deflate). */
  readonly hexAssumptions: readonly string[];
  /** Where the output goes instead of stdout (a worker thread's channel to the main thread). */
  readonly stream?: NodeJS.WritableStream & { write(s: string | Uint8Array): boolean };
  /** A failed write to the stream (not EPIPE): cli/ says it once and sets the exit status. */
  readonly onOutputFailure?: (err: Error) => void;
  /** Colour level (0 = none, 1–3 as chalk's), decided by cli/ from the flags and the terminal. */
  readonly colorLevel: 0 | 1 | 2 | 3;
  /**
   * 'messages': a message-only source (HAR, NDJSON: no frames to show), so every message is
   * shown, as --messages would. Default 'wire'.
   */
  readonly source?: 'wire' | 'messages';
}

export interface EventPrinter {
  readonly style: Style;
  print(event: InspectEvent): void;
  /** An event a display filter hides: not printed, but what later lines need of it is kept. */
  skip(event: InspectEvent): void;
  raw(text: string): void;
  /** Relative times count from here (a capture's first packet) instead of the first event shown. */
  setTimeOrigin(time: number): void;
  /** Resolves when stdout has room again: sources wait for it between input chunks. */
  ready(): Promise<void>;
  /** Writes what is gathered; resolves when the stream has taken it. Printing may go on. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Bytes printed so far, including what is still gathered (see Output.position). */
  readonly position: number;
}

/**
 * Live sources (the proxy) never wait for stdout: a reader that stops (a paused pager) must
 * not slow the traffic, and stdout's queue must not grow without bound either. So while more
 * than maxQueuedBytes wait for the reader, events are skipped, counted, and reported as
 * output.skipped once the reader catches up.
 */
export interface LiveOutput {
  readonly stream: NodeJS.WritableStream & { write(s: string | Uint8Array): boolean };
  readonly maxQueuedBytes: number;
}

export function createEventPrinter(flags: PrinterOptions, ctx: PrinterContext, live?: LiveOutput): EventPrinter {
  const maxPayload = flags.maxPayload;
  const level = ctx.colorLevel;
  const style = createStyle({ color: level > 0, level: level === 0 ? undefined : level });
  const out = new Output(live?.stream ?? ctx.stream ?? process.stdout, undefined, ctx.onOutputFailure);
  let skipped = 0;
  const json = flags.json === true;
  const stream = ctx.mode === 'stream';
  const frames: FrameDisplay = flags.messages
    ? 'none'
    : flags.summary
      ? 'line'
      : stream && !flags.verbose
        ? 'line'
        : 'full';
  const time: TimeFormat = stream ? (flags.time ?? 'relative') : 'none';
  const text = new EventTextRenderer(style, {
    frames,
    handshakes: flags.summary ? 'line' : 'full',
    messages: flags.messages || ctx.source === 'messages' ? 'all' : 'fragmented',
    time,
    connections: stream,
    explain: flags.explain === true,
    maxPayload,
    detailPayload: flags.detailPayload ?? maxPayload,
    details: flags.errors === true,
    assumptions: ctx.hexAssumptions,
    showHeartbeats: flags.showHeartbeats === true,
    tlsDetail: flags.tlsDetail === true,
  });
  const jsonOptions = { maxPayload };
  const printer: EventPrinter = {
    style,
    print(event) {
      if (live !== undefined) {
        if (out.pendingBytes > live.maxQueuedBytes) {
          skipped++;
          return;
        }
        if (skipped > 0) {
          const note = `${skipped} event(s) not shown: the output fell behind the live traffic (traffic is never slowed for the display)`;
          skipped = 0;
          printer.print({
            type: 'diagnostic',
            conn: null,
            time: event.time,
            diagnostic: diagnostic('output.skipped', note),
          });
        }
      }
      if (json) {
        writeEventJson(event, jsonOptions, out);
        out.endLine();
      } else if (
        out.isClosed ||
        (event.type === 'frame'
          ? !text.writeFrameLine(event, out)
          : event.type !== 'message' || !text.writeMessageLines(event, out))
      ) {
        for (const block of text.render(event)) out.line(block);
      }
    },
    raw(s) {
      out.line(s);
    },
    setTimeOrigin: (t) => text.setTimeOrigin(t),
    skip: (event) => text.observe(event),
    ready: () => out.ready(),
    flush: () => out.flush(),
    close: () => {
      if (!json && !out.isClosed) for (const block of text.finish()) out.line(block);
      return out.flush();
    },
    get position() {
      return out.position;
    },
  };
  return printer;
}
