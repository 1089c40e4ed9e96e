// The messages between the parallel reader's main thread and its worker threads, and what a
// worker is started with. Output is tagged so the main thread can put the workers' pieces back
// into the order one thread would have printed them (see output-merge.ts).
// Layer rule: pipeline/ — plain data types.
import type { Timestamp } from '../../session/events.js';
import type { CaptureSummary } from '../../capture/capture-tally.js';
import type { ListingSpec } from '../listing.js';
import type { ListingCounts } from '../listing-notes.js';

/** Marks the workerData of a read worker, so its script starts only in a thread made for it. */
export const READ_SHARD_ROLE = 'wsinspect-read-shard';

export interface ReadWorkerData {
  readonly role: typeof READ_SHARD_ROLE;
  readonly file: string;
  /** The listing pipeline every worker builds (plain data: options checked by the main thread). */
  readonly spec: ListingSpec;
  /** This worker's number, 0…workers-1: it owns connection c when c % workers === index. */
  readonly index: number;
  readonly workers: number;
  /** Send progress messages (worker 0, when stderr is a terminal). */
  readonly progress: boolean;
}

/**
 * Output bytes and where each piece ends. Piece i is the bytes from the end of piece i-1 up to
 * ends[i] (positions in this worker's whole output), printed for the events tagged up to
 * tags[i]. `through`: every tag up to it that this worker owns has all its output in this or
 * an earlier message.
 */
export interface OutputMessage {
  readonly kind: 'output';
  readonly chunks: Uint8Array[];
  readonly tags: Float64Array;
  readonly ends: Float64Array;
  readonly through: number;
}

export type WorkerMessage =
  | OutputMessage
  | { readonly kind: 'progress'; readonly read: number; readonly total: number | null }
  /** The input ended: everything up to lastSeq is posted; the last timed event this worker saw. */
  | { readonly kind: 'ended'; readonly lastSeq: number; readonly lastTime: Timestamp; readonly lastTimeTag: number }
  /** Everything posted; what this worker's listing saw (and, worker 0, the capture's tally) for the hints of an empty result. */
  | { readonly kind: 'done'; readonly counts: ListingCounts; readonly capture: CaptureSummary | null }
  /** A WsinspectError: the main thread prints it as one thread would. */
  | { readonly kind: 'error'; readonly code: string; readonly message: string; readonly exitCode: number }
  /** Anything else is a bug: rethrown in the main thread with the worker's stack. */
  | { readonly kind: 'bug'; readonly message: string; readonly stack: string | undefined };

export type MainMessage =
  /** The main thread took this many more bytes of the worker's output; buffers it may fill again. */
  | { readonly kind: 'ack'; readonly bytes: number; readonly buffers: ArrayBuffer[] }
  /** Every worker's input ended: open connections end at this time (the last event's of all). */
  | { readonly kind: 'finish'; readonly lastTime: Timestamp };

/** One shard as the main thread sees it: a worker thread, or a port to a shard on this thread. */
export interface ShardHandle {
  postMessage(message: MainMessage, transfer?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: WorkerMessage) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<unknown>;
}

/** Starts a shard. */
export type ShardSpawner = (data: ReadWorkerData) => ShardHandle;
