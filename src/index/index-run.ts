// Reads a capture file through the capture pipeline (pipeline/: the same wiring as
// `wsinspect FILE`) into an IndexBuilder, handing the rows over in chunks as reading goes on:
// the first after the first read (so a screen can show at once), then at most every
// `postMs`. Also the payload scan of a display filter that the index's columns cannot answer
// (text, json.*, data…): the same pipeline with the filter, giving the row numbers that match.
// Runs in the index worker (index-worker.ts) or in the calling thread. Layer rule: index/.
import { CapturePipeline } from '../pipeline/capture-pipeline.js';
import { runCapture } from '../pipeline/capture-run.js';
import { feedCapture } from '../sources/capture-source.js';
import { createDisplayFilter } from '../filter/display-filter.js';
import { assumedDeflate } from '../protocol/deflate-params.js';
import { ConnectionDemux } from '../session/connection-demux.js';
import type { InspectEvent } from '../session/events.js';
import {
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_CHECKPOINT_SPACING,
  IndexBuilder,
  type IndexChunk,
  type IndexOptions,
} from './index-builder.js';
import { stat } from 'node:fs/promises';

/** Offsets from 4 GiB up need 64-bit columns. */
export const WIDE_FROM = 2 ** 32;

export interface IndexProgress {
  readonly done: number;
  readonly total: number;
}

export interface IndexRunHooks {
  /** A chunk of rows; `last` on the final one (the input is over and every connection ended). */
  chunk(chunk: IndexChunk, progress: IndexProgress, last: boolean): void;
  /** Resolves when the receiver wants more (between file chunks). */
  ready?(): Promise<void>;
  /** Asked between chunks: true stops the reading. */
  stopped?(): boolean;
  /** Milliseconds between chunks after the first (default 100). */
  readonly postMs?: number;
}

export interface IndexRunResult {
  readonly checkpoints: number;
  readonly checkpointBytes: number;
  readonly frames: number;
  readonly messages: number;
}

/**
 * The rows of the file's first read chunk only (the same the index worker posts first): the
 * calling thread can show them while the worker thread is still starting.
 */
export async function indexFirstChunk(file: string, options: IndexOptions): Promise<IndexChunk> {
  const { builder, pipeline } = await indexPipeline(file, options);
  await feedCapture(file, (chunk) => pipeline.push(chunk), { stop: () => true });
  return builder.take();
}

async function indexPipeline(
  file: string,
  options: IndexOptions,
): Promise<{ builder: IndexBuilder; pipeline: CapturePipeline; total: number }> {
  const total = (await stat(file)).size;
  const assume = assumedDeflate();
  const builder = new IndexBuilder(total >= WIDE_FROM, assume, options.checkpointSpacing ?? DEFAULT_CHECKPOINT_SPACING);
  const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const pipeline = new CapturePipeline({
    consumers: [builder.consumer],
    streamStages: [builder.stage],
    assumeDeflate: assume,
    session: (onEvent, limits) =>
      new ConnectionDemux({
        assumeDeflate: assume,
        limits,
        onEvent,
        checkpoints: every >= 1 ? { every, onCheckpoint: (c) => builder.onCheckpoint(c) } : undefined,
      }),
    capture: { decodeAs: options.decodeAs ?? [], keyLog: options.keyLog },
  });
  return { builder, pipeline, total };
}

export async function runIndex(file: string, options: IndexOptions, hooks: IndexRunHooks): Promise<IndexRunResult> {
  const { builder, pipeline, total } = await indexPipeline(file, options);
  const finished = await pacedRun(pipeline, file, {
    postMs: hooks.postMs ?? 100,
    stopped: hooks.stopped,
    ready: hooks.ready,
    post: (done) => hooks.chunk(builder.take(), { done, total }, false),
  });
  const result = {
    checkpoints: builder.checkpointCount,
    checkpointBytes: builder.checkpointBytes,
    frames: builder.frameRows,
    messages: builder.messageRows,
  };
  if (!finished) return result;
  pipeline.finish();
  hooks.chunk(builder.take(), { done: total, total }, true);
  return { ...result, frames: builder.frameRows, messages: builder.messageRows };
}

export interface ScanOptions extends IndexOptions {
  /** The -Y expression (checked already). */
  readonly expression: string;
  /** Only this connection's rows. */
  readonly conn: number | null;
}

export interface ScanHooks {
  /** Rows (frame and message numbers over the whole capture) that match, found since the last call. */
  matches(frames: Uint32Array, messages: Uint32Array, progress: IndexProgress, last: boolean): void;
  stopped?(): boolean;
  readonly postMs?: number;
}

/** The display filter over every frame and message, as a listing's -Y, reporting row numbers. */
export async function runScan(file: string, options: ScanOptions, hooks: ScanHooks): Promise<void> {
  const total = (await stat(file)).size;
  const filter = createDisplayFilter({
    expression: options.expression,
    ...(options.conn === null ? {} : { conns: [options.conn] }),
  });
  const need = filter.expression?.dataBytes ?? 0;
  let frameRow = 0;
  let messageRow = 0;
  let frames: number[] = [];
  let messages: number[] = [];
  const event = (ev: InspectEvent): void => {
    const shown = filter.show(ev);
    if (ev.type === 'frame') {
      if (shown) frames.push(frameRow);
      frameRow++;
    } else if (ev.type === 'message') {
      if (shown) messages.push(messageRow);
      messageRow++;
    }
  };
  const assume = assumedDeflate();
  const pipeline = new CapturePipeline({
    consumers: [{ keepPayload: need, event, timeOrigin: (t) => filter.setTimeOrigin(t) }],
    assumeDeflate: assume,
    capture: { decodeAs: options.decodeAs ?? [], keyLog: options.keyLog },
  });
  const post = (done: number, last: boolean): void => {
    hooks.matches(Uint32Array.from(frames), Uint32Array.from(messages), { done, total }, last);
    frames = [];
    messages = [];
  };
  const finished = await pacedRun(pipeline, file, {
    postMs: hooks.postMs ?? 100,
    stopped: hooks.stopped,
    post: (done) => post(done, false),
  });
  if (!finished) return;
  pipeline.finish();
  post(total, true);
}

/**
 * runCapture with what was found so far posted at the first chance and then at most every
 * `postMs` (at the backpressure points between input chunks), stopped when `stopped()` says
 * so; true when the file was read to its end.
 */
async function pacedRun(
  pipeline: CapturePipeline,
  file: string,
  o: {
    readonly postMs: number;
    readonly stopped?: () => boolean;
    readonly ready?: () => Promise<void>;
    post(done: number): void;
  },
): Promise<boolean> {
  let lastPost = 0;
  let done = 0;
  const abort = new AbortController();
  await runCapture(pipeline, file, {
    onProgress: (read) => {
      done = read;
    },
    backpressure: async () => {
      if (o.stopped?.() === true) abort.abort();
      const now = Date.now();
      if (now - lastPost >= o.postMs) {
        lastPost = now;
        o.post(done);
      }
      await o.ready?.();
    },
    signal: abort.signal,
  });
  return !abort.signal.aborted;
}
