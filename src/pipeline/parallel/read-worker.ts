// A worker thread of the parallel capture reader. It reads the whole file and runs the whole
// capture layer (so every worker numbers the same StreamEvents 1, 2, 3… and the same
// connections), but decodes and prints only the connections it owns (c % workers), tagging
// its output with event numbers so the main thread can merge it: a stream stage that keeps
// the owned connections' events, and an observer consumer. Layer rule: pipeline/.
import { isMainThread, MessageChannel, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { WsinspectError } from '../../errors.js';
import type { InspectEvent, StreamEvent, Timestamp } from '../../session/events.js';
import { runCapture } from '../capture-run.js';
import { createListing, type Listing } from '../listing.js';
import {
  READ_SHARD_ROLE,
  type MainMessage,
  type ReadWorkerData,
  type ShardHandle,
  type WorkerMessage,
} from './read-worker-messages.js';
import { WorkerOutput } from './worker-output.js';

/** Output gathered while decoding one input chunk before it is posted anyway. */
const POST_BYTES = 512 * 1024;

/**
 * Tags: input event n is tag n (n ≤ L, the number of input events). After the input, a
 * connection still open ends at tag L + (its number): demux.finish ends them by number. Then
 * --stats prints the connections never ended at tag 2L + (their number): StatsCollector.remaining()
 * lists them by number. (A connection's number is at most L: each has its open event.)
 */
class ShardReader {
  private readonly out: WorkerOutput;
  private readonly listing: Listing;
  private seq = 0;
  private tag = 0;
  /** Owned events handled since the last mark (printed output of theirs is not marked yet). */
  private runOpen = false;
  private phase: 'input' | 'finish' = 'input';
  private lastTime: Timestamp = null;
  private lastTimeTag = 0;

  constructor(
    private readonly data: ReadWorkerData,
    private readonly port: MessagePort,
    private readonly finishTime: Promise<Timestamp>,
  ) {
    this.out = new WorkerOutput(port, () => this.listing.printer.position);
    // the printer needs only write, on/once ('drain', 'error') of a stream
    const stream = this.out as unknown as NodeJS.WritableStream & { write(s: string | Uint8Array): boolean };
    this.listing = createListing(data.spec, {
      stream,
      observer: { keepPayload: 0, event: (ev) => this.observe(ev) },
      streamStages: [{ connect: (next) => (ev) => this.onStreamEvent(ev, next) }],
    });
  }

  get output(): WorkerOutput {
    return this.out;
  }

  async run(): Promise<void> {
    const { data, port } = this;
    const { pipeline, stats } = this.listing;
    await runCapture(pipeline, data.file, {
      onProgress: data.progress
        ? (read, total) => port.postMessage({ kind: 'progress', read, total } satisfies WorkerMessage)
        : undefined,
      backpressure: () => this.betweenChunks(),
    });
    const lastSeq = this.seq;
    this.postAll(lastSeq);
    port.postMessage({
      kind: 'ended',
      lastSeq,
      lastTime: this.lastTime,
      lastTimeTag: this.lastTimeTag,
    } satisfies WorkerMessage);
    const time = await this.finishTime;
    this.phase = 'finish';
    pipeline.finishConnections(time);
    this.out.mark(this.tag);
    for (const s of stats?.remaining() ?? []) {
      this.tag = 2 * lastSeq + s.conn;
      stats!.print(s);
      this.out.mark(this.tag);
    }
    // posted before waiting: the main thread takes none of it before it knows this is all
    await this.postAll(Infinity);
    port.postMessage({
      kind: 'done',
      counts: this.listing.counts(),
      capture: data.index === 0 ? pipeline.captureSummary() : null,
    } satisfies WorkerMessage);
  }

  /** The stage in front of the session decoder: numbers every event, passes on the owned ones. */
  private onStreamEvent(ev: StreamEvent, next: (ev: StreamEvent) => void): void {
    const seq = ++this.seq;
    const owner = ev.conn === null ? 0 : ev.conn % this.data.workers;
    if (owner !== this.data.index) {
      // another worker's event may print between ours: what ours printed ends here
      if (this.runOpen) this.closeRun();
      return;
    }
    this.tag = seq;
    next(ev);
    this.runOpen = true;
    if (this.out.queuedBytes >= POST_BYTES) this.postAll(seq);
  }

  private closeRun(): void {
    this.out.mark(this.tag);
    this.runOpen = false;
  }

  /** Hands over the printer's partly filled block, marks it, and posts it all. */
  private postAll(through: number): Promise<void> {
    const flushed = this.listing.printer.flush();
    if (this.runOpen) this.closeRun();
    this.out.post(through);
    return flushed;
  }

  /**
   * After each input chunk: post everything up to here, so the merge never waits for output
   * this worker still holds, then wait while too much of it is unacknowledged.
   */
  private betweenChunks(): Promise<void> {
    return this.postAll(this.seq);
  }

  private observe(ev: InspectEvent): void {
    if (this.phase === 'finish' && ev.conn !== null) {
      const tag = this.seq + ev.conn;
      if (tag !== this.tag) {
        this.out.mark(this.tag);
        this.tag = tag;
      }
    }
    if (ev.time !== null && this.phase === 'input') {
      this.lastTime = ev.time;
      this.lastTimeTag = this.tag;
    }
  }
}

/**
 * Runs one shard on `port` (a worker's parentPort, or one end of a MessageChannel for a shard
 * on the main thread): output, progress and the end of input go out, acknowledgements and the
 * finish time come in; failures are posted, never thrown.
 */
export function runShard(data: ReadWorkerData, port: MessagePort): void {
  let resolveFinish!: (time: Timestamp) => void;
  const finishTime = new Promise<Timestamp>((resolve) => {
    resolveFinish = resolve;
  });
  let reader: ShardReader | null = null;
  port.on('message', (m: MainMessage) => {
    if (m.kind === 'ack') reader?.output.acknowledge(m.bytes, m.buffers);
    else resolveFinish(m.lastTime);
  });
  const fail = (error: unknown): void => {
    const message: WorkerMessage =
      error instanceof WsinspectError
        ? { kind: 'error', code: error.code, message: error.message, exitCode: error.exitCode }
        : {
            kind: 'bug',
            message: error instanceof Error ? error.message : String(error),
            stack: error instanceof Error ? error.stack : undefined,
          };
    port.postMessage(message);
  };
  try {
    reader = new ShardReader(data, port, finishTime);
    reader.run().catch(fail);
  } catch (error) {
    fail(error);
  }
}

/**
 * A shard on this thread, over a MessageChannel: the same code and messages as a worker thread
 * without a thread's start-up (the tests run every fixture this way; shards interleave at
 * their awaits).
 */
export function spawnInThread(data: ReadWorkerData): ShardHandle {
  const { port1, port2 } = new MessageChannel();
  runShard(data, port2);
  const handle = {
    postMessage: (message: MainMessage, transfer?: ArrayBuffer[]) => port1.postMessage(message, transfer),
    // a shard on this thread neither crashes apart nor exits: only its messages are heard
    on: (event: string, listener: (message: WorkerMessage) => void) =>
      event === 'message' ? port1.on('message', listener) : handle,
    terminate: async () => {
      port1.close();
      port2.close();
    },
  };
  return handle as ShardHandle;
}

// only in a thread started for it (importing this file elsewhere, even in a worker, does nothing)
if (!isMainThread && parentPort !== null && (workerData as Partial<ReadWorkerData> | null)?.role === READ_SHARD_ROLE) {
  runShard(workerData as ReadWorkerData, parentPort);
}
