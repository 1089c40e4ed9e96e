// The compact frame index of a capture file: one typed array per field, in blocks of 64 Ki rows
// so that growing never copies what is there (and never holds two copies at once). A frame
// costs 34 bytes (38 with files of 4 GiB or more, whose offsets need 64 bits), a message 14;
// the few things that do not fit a column (diagnostic codes, lengths from 4 GiB up, a message
// whose time is not its last frame's) are kept aside in maps, by row.
// Layer rule: index/ — plain data, no I/O.
import type { Direction, Timestamp } from '../session/events.js';

/** The columns of a batch of frames, as the index worker posts them (buffers transferred). */
export interface FrameBatch {
  readonly count: number;
  readonly conn: Uint32Array;
  readonly index: Uint32Array;
  /** Seconds since the epoch; NaN: no time. */
  readonly time: Float64Array;
  /** Declared payload length (LONG: see `longLength`). */
  readonly len: Uint32Array;
  /** File offset of the record holding the frame's first byte. */
  readonly record: Uint32Array | Float64Array;
  /** Packet number of that record. */
  readonly packet: Uint32Array;
  /** Stream offset (in its direction) of the frame's first byte. */
  readonly stream: Uint32Array | Float64Array;
  readonly flags: Uint16Array;
}

export interface MessageBatch {
  readonly count: number;
  /** Rows (over the whole index) of its first and last frame. */
  readonly first: Uint32Array;
  readonly last: Uint32Array;
  /** Length of the application data (LONG: see `longLength`). */
  readonly len: Uint32Array;
  readonly flags: Uint16Array;
}

/** A length that does not fit 32 bits: kept in a map by row. */
export const LONG = 0xffffffff;

/** Frame flags: opcode in the low 4 bits. */
export const F = {
  FIN: 1 << 4,
  RSV1: 1 << 5,
  RSV2: 1 << 6,
  RSV3: 1 << 7,
  MASKED: 1 << 8,
  S2C: 1 << 9,
  DIAG: 1 << 10,
  COMPRESSED: 1 << 11,
  TRUNCATED: 1 << 12,
  /** No capture origin: the frame cannot be read again by offset. */
  NO_ORIGIN: 1 << 13,
} as const;

/** Message flags: opcode in the low 4 bits. */
export const M = {
  COMPLETE: 1 << 4,
  COMPRESSED: 1 << 5,
  S2C: 1 << 6,
  DIAG: 1 << 7,
  /** No row found for its first frame (first = last). */
  FIRST_UNKNOWN: 1 << 8,
} as const;

export const dirOf = (flags: number, s2c: number): Direction => ((flags & s2c) !== 0 ? 's2c' : 'c2s');

type Numeric = Uint32Array | Float64Array | Uint16Array;
type NumericCtor = Uint32ArrayConstructor | Float64ArrayConstructor | Uint16ArrayConstructor;

const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;

/** One column in blocks of 64 Ki values. */
export class BlockColumn {
  private readonly blocks: Numeric[] = [];

  constructor(private readonly Ctor: NumericCtor) {}

  get(row: number): number {
    return this.blocks[row >>> BLOCK_BITS][row & MASK];
  }

  set(row: number, value: number): void {
    const b = row >>> BLOCK_BITS;
    while (this.blocks.length <= b) this.blocks.push(new this.Ctor(BLOCK));
    this.blocks[b][row & MASK] = value;
  }

  /** Copies `count` values of `src` to rows from `at`. */
  append(at: number, src: Numeric, count: number): void {
    let done = 0;
    while (done < count) {
      const row = at + done;
      const b = row >>> BLOCK_BITS;
      while (this.blocks.length <= b) this.blocks.push(new this.Ctor(BLOCK));
      const off = row & MASK;
      const n = Math.min(count - done, BLOCK - off);
      this.blocks[b].set(src.subarray(done, done + n), off);
      done += n;
    }
  }

  get bytes(): number {
    return this.blocks.reduce((sum, b) => sum + b.byteLength, 0);
  }

  /** Rows 0…count-1 as one array (a copy): to save the column. */
  copy(count: number): Numeric {
    const out = new this.Ctor(count);
    for (let b = 0, at = 0; at < count; b++, at += BLOCK)
      out.set(this.blocks[b].subarray(0, Math.min(BLOCK, count - at)), at);
    return out;
  }
}

/** Every frame of the capture, in the order the pipeline emitted them. */
export class FrameColumns {
  length = 0;
  readonly conn = new BlockColumn(Uint32Array);
  readonly index = new BlockColumn(Uint32Array);
  readonly time = new BlockColumn(Float64Array);
  readonly len = new BlockColumn(Uint32Array);
  readonly record: BlockColumn;
  readonly packet = new BlockColumn(Uint32Array);
  readonly stream: BlockColumn;
  readonly flags = new BlockColumn(Uint16Array);
  /** Lengths ≥ LONG, by row. */
  readonly longLength = new Map<number, number>();
  /** Diagnostic codes, by row (rows with F.DIAG). */
  readonly diagnostics = new Map<number, readonly string[]>();

  constructor(readonly wide: boolean) {
    this.record = new BlockColumn(wide ? Float64Array : Uint32Array);
    this.stream = new BlockColumn(wide ? Float64Array : Uint32Array);
  }

  append(batch: FrameBatch): void {
    const at = this.length;
    const n = batch.count;
    this.conn.append(at, batch.conn, n);
    this.index.append(at, batch.index, n);
    this.time.append(at, batch.time, n);
    this.len.append(at, batch.len, n);
    this.record.append(at, batch.record, n);
    this.packet.append(at, batch.packet, n);
    this.stream.append(at, batch.stream, n);
    this.flags.append(at, batch.flags, n);
    this.length += n;
  }

  /** Every row as one batch (copies): to save the index. */
  batch(): FrameBatch {
    const n = this.length;
    return {
      count: n,
      conn: this.conn.copy(n) as Uint32Array,
      index: this.index.copy(n) as Uint32Array,
      time: this.time.copy(n) as Float64Array,
      len: this.len.copy(n) as Uint32Array,
      record: this.record.copy(n) as Uint32Array | Float64Array,
      packet: this.packet.copy(n) as Uint32Array,
      stream: this.stream.copy(n) as Uint32Array | Float64Array,
      flags: this.flags.copy(n) as Uint16Array,
    };
  }

  timeOf(row: number): Timestamp {
    const t = this.time.get(row);
    return Number.isNaN(t) ? null : t;
  }

  lengthOf(row: number): number {
    const l = this.len.get(row);
    return l === LONG ? (this.longLength.get(row) ?? l) : l;
  }

  /** Bytes held by the columns (allocated blocks), without the side maps. */
  get bytes(): number {
    return [this.conn, this.index, this.time, this.len, this.record, this.packet, this.stream, this.flags].reduce(
      (sum, c) => sum + c.bytes,
      0,
    );
  }
}

/** Every message, in the order the pipeline emitted them. */
export class MessageColumns {
  length = 0;
  readonly first = new BlockColumn(Uint32Array);
  readonly last = new BlockColumn(Uint32Array);
  readonly len = new BlockColumn(Uint32Array);
  readonly flags = new BlockColumn(Uint16Array);
  readonly longLength = new Map<number, number>();
  readonly diagnostics = new Map<number, readonly string[]>();
  /** A message whose time is not its last frame's (cut off by the end of the input…). */
  readonly times = new Map<number, Timestamp>();

  append(batch: MessageBatch): void {
    const at = this.length;
    const n = batch.count;
    this.first.append(at, batch.first, n);
    this.last.append(at, batch.last, n);
    this.len.append(at, batch.len, n);
    this.flags.append(at, batch.flags, n);
    this.length += n;
  }

  lengthOf(row: number): number {
    const l = this.len.get(row);
    return l === LONG ? (this.longLength.get(row) ?? l) : l;
  }

  /** Every row as one batch (copies): to save the index. */
  batch(): MessageBatch {
    const n = this.length;
    return {
      count: n,
      first: this.first.copy(n) as Uint32Array,
      last: this.last.copy(n) as Uint32Array,
      len: this.len.copy(n) as Uint32Array,
      flags: this.flags.copy(n) as Uint16Array,
    };
  }

  get bytes(): number {
    return [this.first, this.last, this.len, this.flags].reduce((sum, c) => sum + c.bytes, 0);
  }
}

/** A growable batch on the worker's side; `take()` hands its buffers over and starts a new one. */
export class FrameBatchBuilder {
  count = 0;
  private cap = 0;
  private a!: {
    conn: Uint32Array;
    index: Uint32Array;
    time: Float64Array;
    len: Uint32Array;
    record: Uint32Array | Float64Array;
    packet: Uint32Array;
    stream: Uint32Array | Float64Array;
    flags: Uint16Array;
  };

  constructor(private readonly wide: boolean) {
    this.reset(1024);
  }

  push(
    conn: number,
    index: number,
    time: number,
    len: number,
    record: number,
    packet: number,
    stream: number,
    flags: number,
  ): void {
    if (this.count === this.cap) this.grow();
    const i = this.count++;
    const a = this.a;
    a.conn[i] = conn;
    a.index[i] = index;
    a.time[i] = time;
    a.len[i] = len;
    a.record[i] = record;
    a.packet[i] = packet;
    a.stream[i] = stream;
    a.flags[i] = flags;
  }

  /** Time of row i of this batch. */
  timeAt(i: number): number {
    return this.a.time[i];
  }

  take(): FrameBatch {
    const out = { count: this.count, ...this.a };
    this.reset(Math.max(1024, this.cap));
    return out;
  }

  private reset(cap: number): void {
    this.cap = cap;
    this.count = 0;
    const W = this.wide ? Float64Array : Uint32Array;
    this.a = {
      conn: new Uint32Array(cap),
      index: new Uint32Array(cap),
      time: new Float64Array(cap),
      len: new Uint32Array(cap),
      record: new W(cap),
      packet: new Uint32Array(cap),
      stream: new W(cap),
      flags: new Uint16Array(cap),
    };
  }

  private grow(): void {
    const old = this.a;
    const n = this.count;
    this.reset(this.cap * 2);
    this.count = n;
    for (const k of Object.keys(old) as (keyof typeof old)[]) this.a[k].set(old[k].subarray(0, n) as never);
  }
}

export class MessageBatchBuilder {
  count = 0;
  private cap = 0;
  private a!: { first: Uint32Array; last: Uint32Array; len: Uint32Array; flags: Uint16Array };

  constructor() {
    this.reset(1024);
  }

  push(first: number, last: number, len: number, flags: number): void {
    if (this.count === this.cap) this.grow();
    const i = this.count++;
    this.a.first[i] = first;
    this.a.last[i] = last;
    this.a.len[i] = len;
    this.a.flags[i] = flags;
  }

  take(): MessageBatch {
    const out = { count: this.count, ...this.a };
    this.reset(Math.max(1024, this.cap));
    return out;
  }

  private reset(cap: number): void {
    this.cap = cap;
    this.count = 0;
    this.a = {
      first: new Uint32Array(cap),
      last: new Uint32Array(cap),
      len: new Uint32Array(cap),
      flags: new Uint16Array(cap),
    };
  }

  private grow(): void {
    const old = this.a;
    const n = this.count;
    this.reset(this.cap * 2);
    this.count = n;
    for (const k of Object.keys(old) as (keyof typeof old)[]) this.a[k].set(old[k].subarray(0, n));
  }
}

/** The buffers of a batch, for postMessage's transfer list. */
export function buffersOf(batch: FrameBatch | MessageBatch): ArrayBuffer[] {
  return Object.values(batch)
    .filter((v): v is Uint32Array => ArrayBuffer.isView(v))
    .map((v) => v.buffer as ArrayBuffer);
}

/** The batch without its first `skip` rows (views, no copy). */
export function skipRows<T extends FrameBatch | MessageBatch>(batch: T, skip: number): T {
  if (skip <= 0) return batch;
  const out: Record<string, unknown> = { count: Math.max(0, batch.count - skip) };
  for (const [k, v] of Object.entries(batch)) if (ArrayBuffer.isView(v)) out[k] = (v as Uint32Array).subarray(skip);
  return out as unknown as T;
}
