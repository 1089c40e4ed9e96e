// `wsinspect FILE` on several cores: N worker threads each read the whole capture and decode
// the connections they own (read-worker.ts); this thread merges their output back into the
// order one thread prints it (output-merge.ts), byte for byte. Errors reach the user as one
// thread reports them. Layer rule: pipeline/ — owns the workers and the merged stdout.
import { Worker } from 'node:worker_threads';
import { WsinspectError } from '../../errors.js';
import type { Timestamp } from '../../session/events.js';
import { BlockWriter, type OutputStream } from './block-writer.js';
import { OutputMerge } from './output-merge.js';
import type { CaptureSummary } from '../../capture/capture-tally.js';
import type { ListingSpec } from '../listing.js';
import { listingNotes, sumCounts, type ListingCounts } from '../listing-notes.js';
import {
  READ_SHARD_ROLE,
  type MainMessage,
  type ReadWorkerData,
  type ShardHandle,
  type ShardSpawner,
  type WorkerMessage,
} from './read-worker-messages.js';

/** A progress bar (cli/progress.ts). */
export interface ProgressSink {
  update(bytesRead: number, totalBytes: number | null): void;
  done(): void;
}

export interface ParallelReadOptions {
  readonly file: string;
  /** What every worker's listing pipeline is built from (checked options). */
  readonly spec: ListingSpec;
  readonly workers: number;
  readonly stdout: OutputStream;
  /** A progress bar fed by worker 0, or null. */
  readonly progress: ProgressSink | null;
  /** How shards start: worker threads (default), or spawnInThread (tests). */
  readonly spawn?: ShardSpawner;
}

type Ended = Extract<WorkerMessage, { kind: 'ended' }>;

/**
 * A worker's young generation, in MB: V8's default (32 MB of semi-spaces) held by each of
 * several threads would cost more memory than it saves time.
 */
const WORKER_YOUNG_GENERATION_MB = 12;

/** A shard in a worker thread running read-worker.js. */
export const spawnWorker: ShardSpawner = (workerData) =>
  new Worker(new URL('./read-worker.js', import.meta.url), {
    workerData,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  }) as ShardHandle;

/**
 * Starts the workers, merges their output into `stdout`, and resolves when all of it is
 * written, with the hints of an empty result (listing-notes.ts) as one thread has them.
 */
export async function readInParallel(options: ParallelReadOptions): Promise<string[]> {
  const run = new ParallelRead(options);
  try {
    await run.done;
  } finally {
    await run.stop();
  }
  return listingNotes(options.spec, run.capture, sumCounts(run.counts));
}

class ParallelRead {
  readonly done: Promise<void>;
  private readonly workers: ShardHandle[];
  private readonly merge: OutputMerge;
  private readonly writer: BlockWriter;
  private readonly ended: (Ended | null)[];
  private finished = 0;
  /** What each worker's listing saw, and worker 0's capture tally (from their 'done'). */
  readonly counts: ListingCounts[] = [];
  capture: CaptureSummary | null = null;
  private settled = false;
  private progressOpen = true;
  private resolve!: () => void;
  private reject!: (error: unknown) => void;

  constructor(private readonly options: ParallelReadOptions) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // a caller that gives up early must not leave a rejection unhandled
    this.done.catch(() => {});
    const n = options.workers;
    this.ended = new Array<Ended | null>(n).fill(null);
    this.writer = new BlockWriter(options.stdout, {
      onDrain: () => this.pump(),
      onClosed: () => this.succeed(),
      onError: (error) => this.fail(error),
    });
    this.merge = new OutputMerge(n, this.writer, (w, bytes, buffers) =>
      this.workers[w].postMessage({ kind: 'ack', bytes, buffers } satisfies MainMessage, buffers),
    );
    this.workers = Array.from({ length: n }, (_, index) => this.startWorker(index));
  }

  private startWorker(index: number): ShardHandle {
    const { file, spec, workers, progress, spawn = spawnWorker } = this.options;
    const data: ReadWorkerData = {
      role: READ_SHARD_ROLE,
      file,
      spec,
      index,
      workers,
      progress: progress !== null && index === 0,
    };
    const worker = spawn(data);
    worker.on('message', (m: WorkerMessage) => this.onMessage(index, m));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.settled) this.fail(new Error(`read worker ${index} exited (code ${code}) before it finished`));
    });
    return worker;
  }

  private onMessage(w: number, m: WorkerMessage): void {
    if (this.settled) return;
    switch (m.kind) {
      case 'output':
        this.merge.add(w, m);
        this.pump();
        break;
      case 'progress':
        this.options.progress?.update(m.read, m.total);
        break;
      case 'ended':
        this.ended[w] = m;
        if (this.ended.every((e) => e !== null)) this.finishInput();
        break;
      case 'done':
        this.finished++;
        this.counts.push(m.counts);
        if (m.capture !== null) this.capture = m.capture;
        this.pump();
        break;
      case 'error':
        this.fail(new WsinspectError(m.code, m.message, m.exitCode));
        break;
      case 'bug': {
        const error = new Error(m.message);
        if (m.stack !== undefined) error.stack = m.stack;
        this.fail(error);
        break;
      }
    }
  }

  /** Every worker read all input: connections still open end at the last event's time of all. */
  private finishInput(): void {
    this.progressDone();
    let lastTime: Timestamp = null;
    let lastTag = -1;
    for (const e of this.ended) {
      if (e !== null && e.lastTime !== null && e.lastTimeTag > lastTag) {
        lastTime = e.lastTime;
        lastTag = e.lastTimeTag;
      }
    }
    for (let w = 0; w < this.workers.length; w++) this.send(w, { kind: 'finish', lastTime });
  }

  private pump(): void {
    if (this.settled) return;
    try {
      this.merge.merge(() => this.writer.canWrite);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.finished === this.workers.length && this.merge.complete) {
      this.writer.flush();
      if (this.writer.canWrite || this.writer.isClosed) this.succeed();
      // else: onDrain pumps again, and this finds the stream drained
    }
  }

  private send(w: number, m: MainMessage): void {
    this.workers[w].postMessage(m);
  }

  private succeed(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve();
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.progressDone();
    this.reject(error);
  }

  private progressDone(): void {
    if (this.progressOpen) this.options.progress?.done();
    this.progressOpen = false;
  }

  /** Ends the workers (done, failed, or the reader went away). */
  async stop(): Promise<void> {
    this.settled = true;
    this.progressDone();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
