// Buffered line output for stdout: lines are gathered into blocks (one write per ~64 KB
// instead of one per frame) and a closed pipe (`wsinspect … | head`) ends quietly.

export class Output {
  private parts: string[] = [];
  private size = 0;
  private closed = false;

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
    if (this.size >= this.blockSize) this.flush();
  }

  /** Writes what is gathered; resolves when the stream can take more (backpressure). */
  flush(): Promise<void> {
    if (this.closed || this.parts.length === 0) return Promise.resolve();
    const block = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (this.stream.write(block)) return Promise.resolve();
    return new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }
}
