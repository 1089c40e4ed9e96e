// A worker thread's stdout: the stream its printer writes to. Bytes are copied into a few
// recycled buffers that are transferred (not copied) to the main thread and come back with
// its acknowledgements, with marks saying which events printed them; the worker is held back
// while too much of its output waits there, so memory stays bounded however slowly stdout is
// read. Layer rule: pipeline/ — worker-thread I/O.
import { EventEmitter } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import type { OutputMessage } from './read-worker-messages.js';

/** Output the main thread may hold for one worker before the worker waits for it. */
export const MAX_UNACKED_BYTES = 2 * 1024 * 1024;
/** The worker goes on once the main thread has taken this much of it back. */
const RESUME_BYTES = MAX_UNACKED_BYTES / 2;
/** Size of the buffers that travel between the threads. */
const BUFFER_BYTES = 256 * 1024;

export class WorkerOutput extends EventEmitter {
  /** Buffers back from the main thread, ready to be filled again. */
  private readonly free: ArrayBuffer[] = [];
  private buffer: Uint8Array | null = null;
  private at = 0;
  private chunks: Uint8Array[] = [];
  private tags: number[] = [];
  private ends: number[] = [];
  /** Bytes written here so far (posted or not): positions in this worker's whole output. */
  private written = 0;
  private queued = 0;
  private unacked = 0;
  private waiting = false;
  private lastEnd = 0;
  private lastTag = -Infinity;
  private through = 0;

  /** `position`: the printer's position, bytes printed so far including what it still gathers. */
  constructor(
    private readonly port: MessagePort,
    private readonly position: () => number,
  ) {
    super();
  }

  /** Bytes written and not yet posted. */
  get queuedBytes(): number {
    return this.queued;
  }

  /**
   * Nothing is held: write() copies the bytes at once, so the printer fills the same block
   * again (memory it has touched already, unlike a new block per write).
   */
  get writableLength(): number {
    return 0;
  }

  write(data: string | Uint8Array): boolean {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let from = 0;
    while (from < bytes.length) {
      if (this.buffer === null || this.at === this.buffer.length) this.nextBuffer();
      const buffer = this.buffer!;
      const n = Math.min(bytes.length - from, buffer.length - this.at);
      buffer.set(from === 0 && n === bytes.length ? bytes : bytes.subarray(from, from + n), this.at);
      this.at += n;
      from += n;
    }
    this.written += bytes.length;
    this.queued += bytes.length;
    this.unacked += bytes.length;
    if (this.unacked <= MAX_UNACKED_BYTES) return true;
    this.waiting = true;
    return false;
  }

  /** Nothing to end: the worker posts its last message itself. */
  end(): this {
    return this;
  }

  /**
   * Everything printed since the previous mark was printed for events tagged up to `tag`.
   * Tags only grow.
   */
  mark(tag: number): void {
    const end = this.position();
    if (end === this.lastEnd) return;
    if (tag < this.lastTag) throw new Error(`output mark ${tag} after ${this.lastTag}`);
    this.tags.push(tag);
    this.ends.push(end);
    this.lastEnd = end;
    this.lastTag = tag;
  }

  /**
   * Posts what was written and marked. `through`: every tag up to it has all its output
   * written here (the caller flushed the printer and marked first).
   */
  post(through: number): void {
    this.seal();
    if (this.chunks.length === 0 && this.tags.length === 0 && through === this.through) return;
    if (this.lastEnd > this.written)
      throw new Error(`output marked up to ${this.lastEnd} but only ${this.written} bytes written`);
    const tags = new Float64Array(this.tags);
    const ends = new Float64Array(this.ends);
    const message: OutputMessage = { kind: 'output', chunks: this.chunks, tags, ends, through };
    const transfer = this.chunks.map((c) => c.buffer as ArrayBuffer);
    this.port.postMessage(message, [...transfer, tags.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
    this.chunks = [];
    this.tags.length = 0;
    this.ends.length = 0;
    this.queued = 0;
    this.through = through;
  }

  /** The main thread took `bytes` more of this output and gives these buffers back. */
  acknowledge(bytes: number, buffers: readonly ArrayBuffer[]): void {
    for (const b of buffers) this.free.push(b);
    this.unacked -= bytes;
    if (this.waiting && this.unacked <= RESUME_BYTES) {
      this.waiting = false;
      this.emit('drain');
    }
  }

  /** The buffer being filled joins the chunks to post. */
  private seal(): void {
    if (this.buffer !== null && this.at > 0) this.chunks.push(this.buffer.subarray(0, this.at));
    this.buffer = null;
    this.at = 0;
  }

  private nextBuffer(): void {
    this.seal();
    const b = this.free.pop();
    this.buffer = new Uint8Array(b ?? new ArrayBuffer(BUFFER_BYTES));
  }
}
