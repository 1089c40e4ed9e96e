// The main thread's half of the parallel reader: puts the workers' tagged output pieces back
// into the order one thread prints them, and writes them to stdout in ~64 KB blocks. Each tag
// belongs to one worker only, so a piece tagged t can be written once every worker has said
// it posted all its output up to t. Layer rule: pipeline/ — owns stdout in the parallel reader.
import type { OutputMessage } from './read-worker-messages.js';

/** Where merged bytes go (BlockWriter, or a test's recorder). */
export interface ByteSink {
  /** Copies bytes [from, to) of `source`. */
  copy(source: Buffer, from: number, to: number): void;
}

/** Queue indexes beyond this are compacted away. */
const COMPACT_AT = 4096;

/** One worker's output not yet merged. */
class Shard {
  readonly chunks: Buffer[] = [];
  chunkHead = 0;
  chunkOffset = 0;
  readonly tags: number[] = [];
  readonly ends: number[] = [];
  markHead = 0;
  /** Bytes of this worker's output received, and taken into the sink. */
  received = 0;
  taken = 0;
  acked = 0;
  /** Buffers taken completely, to give back to the worker. */
  returned: ArrayBuffer[] = [];
  /** Every tag up to this one has all its output of this worker received. */
  through = 0;

  add(m: OutputMessage): void {
    for (const c of m.chunks) {
      this.chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
      this.received += c.byteLength;
    }
    for (let i = 0; i < m.tags.length; i++) {
      this.tags.push(m.tags[i]);
      this.ends.push(m.ends[i]);
    }
    if (m.through < this.through) throw new Error(`a worker's output went back from ${this.through} to ${m.through}`);
    this.through = m.through;
  }

  /** Tag of the first piece not yet merged, or Infinity. */
  headTag(): number {
    return this.markHead < this.tags.length ? this.tags[this.markHead] : Infinity;
  }

  /** Takes the bytes up to position `end` of this worker's output into the sink. */
  take(end: number, sink: ByteSink): void {
    if (end > this.received)
      throw new Error(`output piece up to ${end} of a worker that posted only ${this.received} bytes`);
    while (this.taken < end) {
      const chunk = this.chunks[this.chunkHead];
      const n = Math.min(chunk.length - this.chunkOffset, end - this.taken);
      sink.copy(chunk, this.chunkOffset, this.chunkOffset + n);
      this.chunkOffset += n;
      this.taken += n;
      if (this.chunkOffset === chunk.length) {
        this.chunkOffset = 0;
        this.chunkHead++;
        this.returned.push(chunk.buffer as ArrayBuffer);
      }
    }
    this.compact();
  }

  private compact(): void {
    if (this.chunkHead >= COMPACT_AT) {
      this.chunks.splice(0, this.chunkHead);
      this.chunkHead = 0;
    } else if (this.chunkHead > 0 && this.chunkHead === this.chunks.length) {
      this.chunks.length = 0;
      this.chunkHead = 0;
    }
    if (this.markHead >= COMPACT_AT || (this.markHead > 0 && this.markHead === this.tags.length)) {
      this.tags.splice(0, this.markHead);
      this.ends.splice(0, this.markHead);
      this.markHead = 0;
    }
  }
}

export class OutputMerge {
  private readonly shards: Shard[];

  /** `ack(worker, bytes, buffers)`: tells a worker how much more of its output was taken, and gives back the buffers it came in. */
  constructor(
    workers: number,
    private readonly sink: ByteSink,
    private readonly ack: (worker: number, bytes: number, buffers: ArrayBuffer[]) => void,
  ) {
    this.shards = Array.from({ length: workers }, () => new Shard());
  }

  add(worker: number, m: OutputMessage): void {
    this.shards[worker].add(m);
  }

  /** True when every worker posted all its output and all of it was merged. */
  get complete(): boolean {
    return this.shards.every((s) => s.through === Infinity && s.headTag() === Infinity && s.taken === s.received);
  }

  /**
   * Takes every piece whose turn has come, in tag order, while `go()` says the sink can take
   * more; then acknowledges what was taken.
   */
  merge(go: () => boolean): void {
    const shards = this.shards;
    while (go()) {
      let through = Infinity;
      for (const s of shards) if (s.through < through) through = s.through;
      let best: Shard | null = null;
      let bestTag = Infinity;
      let next = Infinity;
      for (const s of shards) {
        const t = s.headTag();
        if (t < bestTag) {
          next = bestTag;
          bestTag = t;
          best = s;
        } else if (t < next) {
          next = t;
        }
      }
      if (best === null || bestTag > through) break;
      // the run of this worker's pieces before any other worker's next piece
      let end = 0;
      while (
        best.markHead < best.tags.length &&
        best.tags[best.markHead] <= through &&
        best.tags[best.markHead] < next
      ) {
        end = best.ends[best.markHead++];
      }
      best.take(end, this.sink);
    }
    for (let w = 0; w < shards.length; w++) {
      const s = shards[w];
      if (s.taken > s.acked) {
        this.ack(w, s.taken - s.acked, s.returned);
        s.acked = s.taken;
        s.returned = [];
      }
    }
  }
}
