// stdout of the parallel reader: merged pieces are copied into ~64 KB blocks, one write each
// (never one per piece), a slow reader is waited for ('drain'), and a closed pipe
// (`wsinspect … | head`) is reported once, quietly, as Output does for one thread.
// Layer rule: pipeline/ — process I/O.
import type { ByteSink } from './output-merge.js';

export type OutputStream = NodeJS.WritableStream & { write(s: string | Uint8Array): boolean };

export class BlockWriter implements ByteSink {
  private block: Buffer;
  private at = 0;
  private waiting = false;
  private closed = false;

  /**
   * `onDrain`: the stream can take more after it asked to wait. `onClosed`: the reader went
   * away (EPIPE). `onError`: any other error of the stream.
   */
  constructor(
    private readonly stream: OutputStream,
    private readonly events: { onDrain: () => void; onClosed: () => void; onError: (error: Error) => void },
    private readonly blockSize = 64 * 1024,
  ) {
    this.block = Buffer.allocUnsafe(blockSize);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') {
        events.onError(err);
      } else if (!this.closed) {
        this.closed = true;
        events.onClosed();
      }
    });
  }

  /** False while the stream asked us to wait, or after it closed. */
  get canWrite(): boolean {
    return !this.waiting && !this.closed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  copy(source: Buffer, from: number, to: number): void {
    while (from < to && !this.closed) {
      const n = Math.min(to - from, this.block.length - this.at);
      source.copy(this.block, this.at, from, from + n);
      this.at += n;
      from += n;
      if (this.at === this.block.length) this.flush();
    }
  }

  /** Writes the block being filled. */
  flush(): void {
    if (this.at === 0 || this.closed) return;
    const bytes = this.block.subarray(0, this.at);
    this.at = 0;
    const ok = this.stream.write(bytes);
    // a stream still holding the bytes (a pipe that is full) keeps the block: take a new one
    if (((this.stream as { writableLength?: number }).writableLength ?? 1) !== 0)
      this.block = Buffer.allocUnsafe(this.blockSize);
    if (!ok && !this.waiting) {
      this.waiting = true;
      this.stream.once('drain', () => {
        this.waiting = false;
        this.events.onDrain();
      });
    }
  }
}
