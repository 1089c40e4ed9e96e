// A length-prefixed record (a pcap packet record, a pcapng block) that straddles input
// chunks: its bytes are gathered here until it is whole. Its size may only be known once its
// header is in, so the header is gathered first and the record then grows to full size.
// Layer rule: capture/ — pure.

export class PartialRecord {
  private buffer: Uint8Array;
  private filled: number;
  private sized: boolean;

  /**
   * `first` holds the record's first bytes; `size` is its full size, or null while only
   * `head` bytes are needed to learn it.
   */
  constructor(
    first: Uint8Array,
    size: number | null,
    private readonly head: number,
  ) {
    this.sized = size !== null;
    this.buffer = new Uint8Array(size ?? head);
    this.buffer.set(first);
    this.filled = first.length;
  }

  /** Bytes gathered so far. */
  get have(): number {
    return this.filled;
  }

  /** Full size, once known (else the header size). */
  get size(): number {
    return this.buffer.length;
  }

  get headerComplete(): boolean {
    return this.sized || this.filled >= this.head;
  }

  /**
   * Takes what it needs from the chunk; `sizeOf` reads the full size from a complete header
   * (negative: the record is invalid). Returns the bytes taken and the whole record when it
   * completed, or null as record when it is still partial; `invalid` when sizeOf refused.
   */
  fill(
    chunk: Uint8Array,
    sizeOf: (header: Uint8Array) => number,
  ): { taken: number; record: Uint8Array | null; invalid: boolean } {
    let taken = 0;
    if (!this.sized) {
      taken = this.copy(chunk, 0, this.head - this.filled);
      if (this.filled < this.head) return { taken, record: null, invalid: false };
      const size = sizeOf(this.buffer);
      if (size < 0) return { taken, record: null, invalid: true };
      const grown = new Uint8Array(size);
      grown.set(this.buffer);
      this.buffer = grown;
      this.sized = true;
    }
    taken += this.copy(chunk, taken, this.buffer.length - this.filled);
    return { taken, record: this.filled === this.buffer.length ? this.buffer : null, invalid: false };
  }

  private copy(chunk: Uint8Array, from: number, want: number): number {
    const n = Math.min(want, chunk.length - from);
    this.buffer.set(chunk.subarray(from, from + n), this.filled);
    this.filled += n;
    return n;
  }
}
