// Output options shared by every command that prints events (--json, --no-color,
// --explain, --max-payload, …) and the printer that sends each InspectEvent to stdout as
// NDJSON or text. Rendering itself is pure (render/); this file owns the stream.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { numberOption } from './number-option.js';
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { Limits } from '../protocol/limits.js';
import { writeEventJson } from '../render/json-lines.js';
import { EventTextRenderer, type FrameDisplay, type TimeFormat } from '../render/event-text.js';
import { createStyle, type Style } from '../render/style.js';
import type { InspectEvent } from '../session/events.js';
import { colorLevel } from './color.js';
import { Output } from './output.js';

const DEFAULT_MAX_PAYLOAD = 65536;

export interface OutputFlags {
  json?: boolean;
  color?: boolean;
  explain?: boolean;
  summary?: boolean;
  maxPayload?: number;
  verbose?: boolean;
  messages?: boolean;
  time?: TimeFormat;
}

export function outputOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('json', { type: 'boolean', describe: 'print NDJSON events (one object per line) instead of text' })
    .option('color', {
      type: 'boolean',
      describe: 'force colour on (--no-color: off; default: on for a terminal, NO_COLOR/FORCE_COLOR respected)',
    })
    .option('explain', {
      type: 'boolean',
      describe: 'add, for each header field, the rule it must satisfy and its RFC section',
    })
    .option('summary', {
      alias: 's',
      type: 'boolean',
      describe: 'one line per frame instead of the full annotated view',
    })
    .option(
      'max-payload',
      numberOption(
        { flag: '--max-payload', min: 0, integer: true, what: 'a whole number of bytes' },
        'show at most this many payload bytes per frame/message (decoding always sees every byte)',
        DEFAULT_MAX_PAYLOAD,
      ),
    );
}

/**
 * Limits for decoders whose events only this printer shows: a binary frame is kept up to one
 * byte more than --max-payload (so "truncated" is still known), the rest only counted.
 */
export function shownPayloadLimits(flags: OutputFlags): Partial<Limits> {
  return { keepBinaryPayload: (flags.maxPayload ?? DEFAULT_MAX_PAYLOAD) + 1 };
}

export interface PrinterContext {
  /** teaching: every frame drawn in full (hex); stream: one line per frame with time and addresses (captures, proxy). */
  readonly mode: 'teaching' | 'stream';
  /** Assumptions stated once at the top of text output (hex: direction by mask bit, RSV1 as deflate). */
  readonly hexAssumptions: readonly string[];
  /** Where the output goes instead of stdout (a worker thread's channel to the main thread). */
  readonly stream?: NodeJS.WritableStream & { write(s: string | Uint8Array): boolean };
  /** Colour level decided elsewhere (0 = none, 1–3 as chalk's), instead of from this process's stdout. */
  readonly colorLevel?: 0 | 1 | 2 | 3;
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

export function createEventPrinter(flags: OutputFlags, ctx: PrinterContext, live?: LiveOutput): EventPrinter {
  const maxPayload = flags.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (!Number.isInteger(maxPayload) || maxPayload < 0)
    throw new WsinspectError(
      'input.bad-option',
      `--max-payload must be a whole number of bytes, not ${flags.maxPayload}`,
    );
  const level =
    ctx.colorLevel ?? colorLevel({ flag: flags.color, env: process.env, isTTY: process.stdout.isTTY === true });
  const style = createStyle({ color: level > 0, level: level === 0 ? undefined : level });
  const out = new Output(live?.stream ?? ctx.stream ?? process.stdout);
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
    messages: flags.messages ? 'all' : 'fragmented',
    time,
    connections: stream,
    explain: flags.explain === true,
    maxPayload,
    assumptions: ctx.hexAssumptions,
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
      } else if (event.type !== 'frame' || out.isClosed || !text.writeFrameLine(event, out)) {
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
    close: () => out.flush(),
    get position() {
      return out.position;
    },
  };
  return printer;
}
