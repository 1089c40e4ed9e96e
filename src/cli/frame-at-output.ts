// `wsinspect FILE --frame CONN:INDEX`: prints one frame (with -V its full annotated view).
// A big capture (from INDEX_FROM, or --index) goes through its saved index: built and saved on
// the first run (src/index/, faster than decoding the file), then each later run finds the
// frame's row and decodes it again from the file by offset, reading only around it. Otherwise
// (a small file, --no-index, stdin, a TLS connection, whose bytes must be decrypted from its
// start) sources/frame-at.ts reads up to the frame and stops there. Either way the printer is
// shown the connection's events before the frame without printing them, for times and addresses,
// and in text output the frame is followed by the message it ends (through the application view,
// as the listing shows it) and, with -V, by a request's answers, read on for.
// Layer rule: cli/ — composes sources/, index/ and the listing's printer and options.
import { stat } from 'node:fs/promises';
import { WsinspectError } from '../errors.js';
import type { IndexOptions } from '../index/index-builder.js';
import { identify, loadIndex, saveIndex } from '../index/index-file.js';
import { runIndex, WIDE_FROM } from '../index/index-run.js';
import { IndexState } from '../index/index-state.js';
import { earlierMessageRows, messagesBefore, ViewReplay, watchLater } from '../index/app-replay.js';
import { createEventPrinter, viewStages, type PrinterOptions } from '../pipeline/consumers/event-printer.js';
import type { OutputStream } from '../pipeline/parallel/block-writer.js';
import { assumedDeflate } from '../protocol/deflate-params.js';
import type { FrameEvent, InspectEvent, MessageEvent } from '../session/events.js';
import { AnswerWatch, withAnswers } from '../views/answer-watch.js';
import type { FrameTarget } from '../session/frame-finder.js';
import { frameAt, parseFrameTarget } from '../sources/frame-at.js';
import { indexCacheDir, INDEX_FROM } from './index-cache.js';
import { reportOutputFailure } from './output-failure.js';
import { outputColorLevel } from './output-options.js';
import { createProgress } from './progress.js';
import { listingSpec, type ReadFlags } from './read-spec.js';
import { frameFiltersGiven } from './stream-options.js';

export interface FrameAtFlags extends ReadFlags {
  /** CONN:INDEX as typed. */
  frame: string;
  /** --index / --no-index: use (and save) the capture's index whatever its size / never. */
  index?: boolean;
}

/**
 * Options a listing takes that mean nothing for one named frame: refused in one line, as
 * --stats refuses frame filters, rather than ignored (the frame printed all the same, or no
 * HAR written, with nothing said).
 */
function refuseWithFrame(flags: FrameAtFlags & { har?: string }): void {
  const refuse = (reason: string): never => {
    throw new WsinspectError('input.bad-option', reason);
  };
  if (flags.stats === true)
    refuse('--stats summarises whole connections, but --frame shows one frame: give one or the other');
  if (flags.conn !== undefined)
    refuse('--conn picks connections, but --frame CONN:INDEX names its connection itself: give one or the other');
  const [filter] = frameFiltersGiven(flags);
  if (filter !== undefined)
    refuse(`${filter} selects frames, but --frame CONN:INDEX names its frame itself: give one or the other`);
  if (flags.har !== undefined)
    refuse('--har writes every connection, but --frame reads only as far as its frame: give one or the other');
}

export async function showFrameAt(
  flags: FrameAtFlags,
  file: string,
  io: { readonly stdout?: OutputStream; readonly colorLevel?: 0 | 1 | 2 | 3 },
): Promise<void> {
  refuseWithFrame(flags);
  const target = parseFrameTarget(flags.frame);
  // the options are checked as a listing checks them; the printer is the listing's
  const spec = listingSpec(flags, io.colorLevel ?? outputColorLevel(flags));
  const printer = createEventPrinter(spec.printer, {
    mode: 'stream',
    hexAssumptions: [],
    stream: io.stdout,
    colorLevel: spec.colorLevel,
    onOutputFailure: reportOutputFailure,
  });
  const indexed = await frameByIndex(
    file,
    target,
    flags.index,
    { decodeAs: spec.decodeAs, keyLog: spec.keyLog },
    spec.printer,
  );
  if (indexed !== null) {
    if (indexed.timeOrigin !== null) printer.setTimeOrigin(indexed.timeOrigin);
    for (const ev of indexed.before) printer.skip(ev);
    printer.print(indexed.frame);
    for (const ev of indexed.after) printer.print(ev);
    await printer.close();
    return;
  }
  const after = new AfterFrame(target, spec.printer);
  const found = await frameAt(file, target, {
    // the printer's keep limit, as the listing's pipeline would set it
    session: {
      assumeDeflate: assumedDeflate(),
      limits: { keepBinaryPayload: spec.printer.maxPayload + 1 },
      stage: after.stage,
      follow: (ev) => after.follow(ev),
      // told to the printer as they come: nothing of the connection's past is kept
      before: (ev) => printer.skip(ev),
    },
    capture: {
      decodeAs: spec.decodeAs,
      keyLog: spec.keyLog,
      tlsDetail: spec.printer.tlsDetail,
      onFirstPacketTime: (t) => printer.setTimeOrigin(t),
      backpressure: () => printer.ready(),
    },
  });
  printer.print(found.frame);
  for (const ev of after.events()) printer.print(ev);
  await printer.close();
}

/**
 * What follows the frame in its connection, as the listing shows it (text output only; --json
 * prints the one frame): the message the frame ends, through the application view (its notes,
 * its `↳` lines or, with -V, its Application block), and with -V a request's answers, read on
 * for (AnswerWatch). The view sees every event of the connection before the frame, so it is
 * chosen as in the listing and a response finds its request.
 */
class AfterFrame {
  readonly stage: ((next: (ev: InspectEvent) => void) => (ev: InspectEvent) => void) | undefined;
  private readonly text: boolean;
  private readonly detail: boolean;
  private readonly notes: InspectEvent[] = [];
  private message: MessageEvent | null = null;
  private watch: AnswerWatch | null = null;

  constructor(
    private readonly target: FrameTarget,
    options: PrinterOptions,
  ) {
    const [view] = viewStages(options);
    this.stage = view === undefined ? undefined : (next) => view.connect(next);
    this.text = showsAfter(options);
    this.detail = showsAnswers(options);
  }

  /** A later event of the frame's connection; false once nothing more is needed. */
  follow(ev: InspectEvent): boolean {
    if (!this.text) return false;
    if (this.message !== null) return this.watch?.see(ev) ?? false;
    // the view's note on a message comes just before it
    if (ev.type === 'diagnostic') {
      this.notes.push(ev);
      return true;
    }
    if (ev.type !== 'message' || ev.lastFrame !== this.target.index) {
      this.notes.length = 0; // the frame ends no message: those notes belong to later traffic
      return false;
    }
    this.message = ev;
    this.watch = this.detail ? AnswerWatch.of(ev) : null;
    return this.watch !== null;
  }

  /** The events to print after the frame. */
  events(): InspectEvent[] {
    return this.message === null ? [] : [...this.notes, withAnswers(this.message, this.watch)];
  }
}

/** Text output shows the message a frame ends after it (--json prints the one frame). */
const showsAfter = (options: PrinterOptions): boolean => options.json !== true;
/** -V (not -s) shows a request's answers. */
const showsAnswers = (options: PrinterOptions): boolean =>
  showsAfter(options) && options.verbose === true && options.summary !== true;

interface IndexedFrame {
  readonly frame: FrameEvent;
  readonly before: readonly InspectEvent[];
  /** What follows the frame, as AfterFrame finds it without the index. */
  readonly after: readonly InspectEvent[];
  readonly timeOrigin: number | null;
}

/**
 * The frame through the capture's saved index (building and saving it when there is none), or
 * null where the index does not serve: --no-index, not a regular file, small without --index,
 * a TLS connection. A frame that does not exist is the same one-line error as without the index.
 */
async function frameByIndex(
  file: string,
  target: FrameTarget,
  use: boolean | undefined,
  options: IndexOptions,
  printer: PrinterOptions,
): Promise<IndexedFrame | null> {
  if (use === false || file === '-') return null;
  const st = await stat(file).catch(() => null);
  if (st === null || !st.isFile()) return null;
  if (use !== true && st.size < INDEX_FROM) return null;
  const id = await identify(file, options);
  const dir = indexCacheDir();
  const loaded = await loadIndex(dir, id);
  let state: IndexState;
  if ('state' in loaded) state = loaded.state;
  else {
    if (loaded.why !== 'none saved') note(`${loaded.why}: indexing the capture again`);
    state = await buildIndex(file, id.size, options);
    try {
      const saved = await saveIndex(dir, id, state);
      note(
        `indexed ${file} (${state.frames.length.toLocaleString('en-US')} frames), saved to ${saved}: ` +
          'the next --frame on it reads only around the frame (--no-index: never use an index)',
      );
    } catch (error) {
      note(
        `the index could not be saved (${(error as NodeJS.ErrnoException).code ?? String(error)}): the next run indexes again`,
      );
    }
  }
  const c = state.connection(target.conn);
  if (c === undefined) {
    const n = state.conns.size;
    throw new WsinspectError(
      'input.no-such-frame',
      `no frame ${target.conn}:${target.index}: the capture has ${n === 0 ? 'no' : n} WebSocket connection${n === 1 ? '' : 's'}`,
    );
  }
  if (target.index > c.frames)
    throw new WsinspectError(
      'input.no-such-frame',
      `no frame ${target.conn}:${target.index}: connection ${target.conn} has ${c.frames} frame${c.frames === 1 ? '' : 's'}`,
    );
  // TLS is decrypted from the connection's start: the reading stops at the frame as without an index
  if (c.tls) return null;
  const row = rowOf(state, target, c.firstRow);
  if (row < 0) return null;
  const { FrameReader } = await import('../index/frame-reader.js');
  const reader = new FrameReader(file, state, { ...options, keepBinaryPayload: printer.maxPayload + 1 });
  try {
    const { event } = await reader.frame(row);
    const before = [c.connection, ...c.handshake];
    const view = printer.view ?? 'raw';
    const ends = messagesBefore(state, row);
    const message =
      showsAfter(printer) && ends < state.messages.length && state.messages.last.get(ends) === row
        ? (await reader.message(ends)).event
        : null;
    if (view === 'raw')
      return { frame: event, before, after: message === null ? [] : [message], timeOrigin: state.timeOrigin };
    // the view as the listing has it at this frame: the connection's earlier messages replayed
    const earlier = earlierMessageRows(state, ends, target.conn);
    const replay = new ViewReplay(c, view, earlier.whole);
    for (const r of earlier.rows) replay.feed((await reader.message(r)).event);
    const frame = replay.feed(event).find((e): e is FrameEvent => e.type === 'frame') ?? event;
    if (message === null) return { frame, before, after: [], timeOrigin: state.timeOrigin };
    const seen = replay.message(message);
    const watch = showsAnswers(printer) ? AnswerWatch.of(seen.message) : null;
    if (watch !== null) await watchLater(watch, replay, state, ends, c, async (r) => (await reader.message(r)).event);
    // the view's notes on this message are the listing's only when the replay began where the listing did
    const notes = earlier.whole ? seen.notes : [];
    return { frame, before, after: [...notes, withAnswers(seen.message, watch)], timeOrigin: state.timeOrigin };
  } finally {
    await reader.close();
  }
}

/** The row of the frame, searched from the connection's first row (-1: not in the columns). */
function rowOf(state: IndexState, target: FrameTarget, first: { c2s: number; s2c: number }): number {
  const { frames } = state;
  const starts = [first.c2s, first.s2c].filter((r) => r >= 0);
  const from = starts.length === 0 ? 0 : Math.min(...starts);
  for (let row = from; row < frames.length; row++)
    if (frames.conn.get(row) === target.conn && frames.index.get(row) === target.index) return row;
  return -1;
}

async function buildIndex(file: string, size: number, options: IndexOptions): Promise<IndexState> {
  const state = new IndexState(size >= WIDE_FROM);
  const progress = createProgress(process.stderr);
  try {
    await runIndex(file, options, {
      postMs: 250,
      chunk: (chunk, p, last) => {
        state.apply(chunk, p, last);
        progress.update(p.done, p.total);
      },
    });
  } finally {
    progress.done();
  }
  return state;
}

function note(text: string): void {
  process.stderr.write(`wsinspect: ${text}\n`);
}
