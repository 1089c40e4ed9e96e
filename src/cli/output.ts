// Buffered line output for stdout: lines are gathered into blocks (one write per ~64 KB
// instead of one per frame), a slow reader is respected (ready() resolves once the stream
// has drained, and sources wait for it between input chunks, so memory stays bounded), and
// a closed pipe (`wsinspect … | head`) ends output quietly.

export class Output {
  private parts: string[] = [];
  private size = 0;
  private closed = false;
  private draining: Promise<void> | null = null;

  constructor(private readonly stream: NodeJS.WritableStream & { write(s: string): boolean }, private readonly blockSize = 64 * 1024) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  line(text: string): void {
    if (this.closed) return;
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= this.blockSize) this.writeBlock();
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
    if (this.closed || this.parts.length === 0) return;
    const block = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(block) && this.draining === null) {
      this.draining = new Promise((resolve) => this.stream.once('drain', () => {
        this.draining = null;
        resolve();
      }));
    }
  }
}
