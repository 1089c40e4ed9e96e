// Buffered line output for stdout: lines are encoded straight into a byte block (one write
// per ~64 KB instead of one per frame, and no joined string to build and re-encode), a slow
// reader is respected (ready() resolves once the stream has drained, and sources wait for it
// between input chunks, so memory stays bounded), and a closed pipe (`wsinspect … | head`)
// ends output quietly.

/** Characters of lines gathered before they are encoded (see line()). */
const LINE_BATCH = 8192;

/** Worst case of UTF-8 bytes per UTF-16 unit. */
const UTF8_PER_UNIT = 3;

/** JSON's one-letter escapes: \b \t \n \f \r \" \\ (0: none, write \u00XX). */
const SHORT_ESCAPE = new Uint8Array(128);
SHORT_ESCAPE[0x08] = 0x62;
SHORT_ESCAPE[0x09] = 0x74;
SHORT_ESCAPE[0x0a] = 0x6e;
SHORT_ESCAPE[0x0c] = 0x66;
SHORT_ESCAPE[0x0d] = 0x72;
SHORT_ESCAPE[0x22] = 0x22;
SHORT_ESCAPE[0x5c] = 0x5c;

/** Two ASCII hex digits per byte value, for writing hex straight into the block. */
const HEX_DIGITS = new Uint8Array(512);
for (let v = 0; v < 256; v++) {
  HEX_DIGITS[2 * v] = '0123456789abcdef'.charCodeAt(v >> 4);
  HEX_DIGITS[2 * v + 1] = '0123456789abcdef'.charCodeAt(v & 15);
}

export class Output {
  private block: Buffer;
  private at = 0;
  /** Lines not yet encoded into the block. */
  private lines = '';
  private closed = false;
  private draining: Promise<void> | null = null;

  constructor(private readonly stream: NodeJS.WritableStream & { write(s: string | Uint8Array): boolean }, private readonly blockSize = 64 * 1024) {
    this.block = Buffer.allocUnsafe(blockSize * 4);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  get isClosed(): boolean {
    return this.closed;
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
    if (n > this.block.length) this.block = Buffer.allocUnsafe(n);
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
    const b = this.block;
    let o = this.at;
    for (let i = 0; i < n; i++) {
      const v = bytes[i] << 1;
      b[o] = HEX_DIGITS[v];
      b[o + 1] = HEX_DIGITS[v + 1];
      o += 2;
    }
    this.at = o;
  }

  /** Part of a line: UTF-8 text as JSON string content, escaped as JSON.stringify escapes (JsonSink). */
  jsonText(bytes: Uint8Array): void {
    if (this.closed) return;
    this.room(bytes.length * 6);
    const b = this.block;
    let o = this.at;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
        b[o++] = c;
        continue;
      }
      b[o++] = 0x5c;
      const short = SHORT_ESCAPE[c];
      if (short !== 0) {
        b[o++] = short;
      } else {
        b[o] = 0x75; // u00XX, lower-case hex like JSON.stringify
        b[o + 1] = 0x30;
        b[o + 2] = 0x30;
        b[o + 3] = HEX_DIGITS[2 * c];
        b[o + 4] = HEX_DIGITS[2 * c + 1];
        o += 5;
      }
    }
    this.at = o;
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
    const block = this.block.subarray(0, this.at);
    // the stream may hold on to the bytes until they are written: the next block is new memory
    // (of the usual size again, after a block grown for one long line)
    this.block = Buffer.allocUnsafe(this.blockSize * 4);
    this.at = 0;
    this.send(block);
  }

  private send(bytes: Uint8Array): void {
    if (!this.stream.write(bytes) && this.draining === null) {
      this.draining = new Promise((resolve) => this.stream.once('drain', () => {
        this.draining = null;
        resolve();
      }));
    }
  }
}
