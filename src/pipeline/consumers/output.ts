// Buffered line output for stdout: lines are encoded straight into a byte block (one write
// per ~64 KB instead of one per frame, and no joined string to build and re-encode), a slow
// reader is respected (ready() resolves once the stream has drained, and sources wait for it
// between input chunks, so memory stays bounded), and a closed pipe (`wsinspect … | head`)
// ends output quietly; another failed write goes to the owner's onFailure.
import type { LineBlockSink } from '../../render/frame-line.js';
import { encodeHex, encodeJsonText, JSON_TEXT_ROOM_PER_BYTE } from '../../render/json-encoder.js';

const SpanKind = { hex: 0, text: 1 } as const;
type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

interface EncodedSpan {
  bytes: Uint8Array | null;
  n: number;
  kind: SpanKind;
  block: Buffer | null;
  start: number;
  end: number;
}

/** Characters of lines gathered before they are encoded (see line()). */
const LINE_BATCH = 8192;

/** Worst case of UTF-8 bytes per UTF-16 unit. */
const UTF8_PER_UNIT = 3;

export class Output implements LineBlockSink {
  private block!: Buffer;
  /** A DataView over block (hex digits are stored two at a time). */
  private view!: DataView;
  private at = 0;
  /** Lines not yet encoded into the block. */
  private lines = '';
  /** The last span encoded by hex() or jsonText(), while it is still in the block. */
  private readonly memo: EncodedSpan = { bytes: null, n: 0, kind: SpanKind.hex, block: null, start: 0, end: 0 };
  private closed = false;
  private draining: Promise<void> | null = null;
  /** Bytes handed to the stream so far. */
  private sent = 0;

  /**
   * `onFailure`: a failed write other than a reader that went away (a full disk, EIO); output
   * stops, and cli/ reports it as one line with exit status 1 (by default it is thrown).
   */
  constructor(
    private readonly stream: NodeJS.WritableStream & { write(s: string | Uint8Array): boolean },
    private readonly blockSize = 64 * 1024,
    onFailure: (err: Error) => void = (err) => {
      throw err;
    },
  ) {
    this.newBlock(blockSize * 4);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.closed = true;
      if (err.code !== 'EPIPE') onFailure(err);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Bytes produced so far: handed to the stream, in the block, and lines not yet encoded
   * (which this encodes). A reader that merges several outputs marks event boundaries with it.
   */
  get position(): number {
    if (this.lines !== '') this.encodeLines();
    return this.sent + this.at;
  }

  /** Bytes gathered here or queued in the stream and not yet taken by the reader. */
  get pendingBytes(): number {
    return this.at + this.lines.length + ((this.stream as { writableLength?: number }).writableLength ?? 0);
  }

  /**
   * One line. Lines are gathered as a string and encoded a few thousand characters at a
   * time: one encoder call per line costs more than the encoding itself.
   */
  line(text: string): void {
    if (this.closed) return;
    this.lines += text + '\n';
    if (this.lines.length >= LINE_BATCH) this.encodeLines();
  }

  private encodeLines(): void {
    const s = this.lines;
    if (s === '') return;
    this.lines = '';
    if (s.length * UTF8_PER_UNIT > this.block.length) {
      this.writeBlock();
      this.send(Buffer.from(s));
      return;
    }
    this.room(s.length * UTF8_PER_UNIT);
    this.at += this.block.write(s, this.at, 'utf8');
    if (this.at >= this.blockSize) this.writeBlock();
  }

  /** Room for n more bytes in the block (a line may span blocks: the stream is just bytes). */
  private room(n: number): void {
    if (this.lines !== '') this.encodeLines();
    if (this.at + n <= this.block.length) return;
    this.writeBlock();
    if (n > this.block.length) this.newBlock(n);
  }

  /** Part of a line, as UTF-8 (JsonSink). */
  text(s: string): void {
    if (this.closed) return;
    this.room(s.length * UTF8_PER_UNIT);
    this.at += this.block.write(s, this.at, 'utf8');
  }

  /** Part of a line: the first n bytes as hex (JsonSink). */
  hex(bytes: Uint8Array, n: number): void {
    if (this.closed) return;
    this.room(2 * n);
    if (this.repeat(bytes, n, SpanKind.hex)) return;
    const start = this.at;
    this.at = encodeHex(bytes, n, this.view, start);
    this.remember(bytes, n, SpanKind.hex, start);
  }

  /**
   * Part of a line: `before`, then UTF-8 text as JSON string content, escaped exactly as
   * JSON.stringify escapes (JsonSink). Writes nothing and returns false when the bytes are not
   * UTF-8 or hold a character jsonString escapes for the terminal (see terminalSafeUtf8).
   */
  jsonText(before: string, bytes: Uint8Array): boolean {
    if (this.closed) return true;
    this.room(before.length * UTF8_PER_UNIT + bytes.length * JSON_TEXT_ROOM_PER_BYTE);
    const rewind = this.at;
    this.at += this.block.write(before, this.at, 'utf8');
    if (this.repeat(bytes, bytes.length, SpanKind.text)) return true;
    const start = this.at;
    const end = encodeJsonText(bytes, this.block, start);
    if (end < 0) return this.undo(rewind);
    this.at = end;
    this.remember(bytes, bytes.length, SpanKind.text, start);
    return true;
  }

  private undo(at: number): false {
    this.at = at;
    return false;
  }

  /**
   * A frame and the message it forms are often the same bytes (one frame, one message): the
   * second time they are encoded the same way, the first encoding is copied from the block.
   */
  private repeat(bytes: Uint8Array, n: number, kind: SpanKind): boolean {
    const m = this.memo;
    if (m.bytes !== bytes || m.n !== n || m.kind !== kind || m.block !== this.block) return false;
    this.block.copyWithin(this.at, m.start, m.end);
    this.at += m.end - m.start;
    return true;
  }

  private remember(bytes: Uint8Array, n: number, kind: SpanKind, start: number): void {
    const m = this.memo;
    m.bytes = bytes;
    m.n = n;
    m.kind = kind;
    m.block = this.block;
    m.start = start;
    m.end = this.at;
  }

  /** LineBlockSink: room for n bytes of a line written by the caller from `cursor`. */
  reserve(n: number): Buffer {
    this.room(n);
    return this.block;
  }

  get cursor(): number {
    return this.at;
  }

  /** LineBlockSink: the caller's line (its '\n' included) ends at `end`. */
  commit(end: number): void {
    this.at = end;
    if (this.at >= this.blockSize) this.writeBlock();
  }

  /** Ends the line started with text/hex/jsonText. */
  endLine(): void {
    if (this.closed) return;
    this.room(1);
    this.block[this.at++] = 0x0a;
    if (this.at >= this.blockSize) this.writeBlock();
  }

  /** Resolves when the stream can take more (immediately unless it asked us to wait). */
  ready(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  /** Writes what is gathered and waits until the stream has taken it. */
  async flush(): Promise<void> {
    this.writeBlock();
    await this.ready();
  }

  private writeBlock(): void {
    if (this.lines !== '') this.encodeLines();
    if (this.closed || this.at === 0) return;
    const full = this.block;
    const n = this.at;
    this.at = 0;
    this.memo.block = null;
    this.send(full.subarray(0, n));
    // A stream that holds nothing has written the bytes already (a file, /dev/null, a pipe
    // with room): the block can be filled again. Otherwise the stream may still hold on to
    // them, and the next block is new memory (of the usual size again, after a grown one).
    const usual = this.blockSize * 4;
    const held = (this.stream as { writableLength?: number }).writableLength ?? 1;
    if (held !== 0 || full.length !== usual) this.newBlock(usual);
  }

  private newBlock(size: number): void {
    this.block = Buffer.allocUnsafe(size);
    this.view = new DataView(this.block.buffer, this.block.byteOffset, this.block.length);
  }

  private send(bytes: Uint8Array): void {
    this.sent += bytes.length;
    if (!this.stream.write(bytes) && this.draining === null) {
      this.draining = new Promise((resolve) =>
        this.stream.once('drain', () => {
          this.draining = null;
          resolve();
        }),
      );
    }
  }
}
