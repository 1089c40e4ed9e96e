// A node:zlib stream's handle driven synchronously, call by call, the way node's own *Sync
// functions drive theirs (but without closing it): the one loop behind LiveInflate (the
// receiver's stream kept across messages) and the deflater's live stream.
// Layer rule: protocol/ — node:zlib only, synchronous, no I/O.

/** The parts of node's zlib handle this uses (stable since node 10, but not public API). */
export interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  onerror: (message: string, errno: number) => void;
}

/** More output than allowed: `head` holds its first maxOutput bytes. */
export class Overflow {
  constructor(readonly head: Uint8Array) {}
}

/**
 * The size of the next output buffer once `size` bytes are full (`filled` of them, with
 * `inputLeft` input bytes not yet taken) and at most `maxOutput` are wanted.
 */
export type GrowOutput = (size: number, filled: number, inputLeft: number, maxOutput: number) => number;

/** A zlib stream's handle and write state, with its last error and a scratch output buffer. */
export class ZlibDrive {
  /** zlib's message for the first error; the stream is spent from then on. */
  failure: string | null = null;
  /** After run: the input bytes zlib left when it stopped (not 0 when a final block ended the stream). */
  inputLeft = 0;
  /** Where zlib writes first; one per stream, so an output buffer is never allocated larger than its data. */
  private scratch: Buffer | null = null;

  private constructor(
    readonly handle: ZlibHandle,
    /** zlib's [outLeft, inLeft] after each write. */
    readonly state: Uint32Array,
    private readonly scratchBytes: number,
    private readonly grow: GrowOutput,
  ) {
    handle.onerror = (message) => {
      this.failure ??= message;
    };
  }

  /** null when this node's zlib does not expose a usable handle for `stream`. */
  static of(stream: object, scratchBytes: number, grow: GrowOutput): ZlibDrive | null {
    const inner = stream as { _handle?: ZlibHandle; _writeState?: Uint32Array };
    if (typeof inner._handle?.writeSync !== 'function' || !(inner._writeState instanceof Uint32Array)) return null;
    return new ZlibDrive(inner._handle, inner._writeState, scratchBytes, grow);
  }

  /**
   * `input` written with `flush` until zlib stops with room to spare: the output, an Overflow
   * holding the first maxOutput bytes once there is more, or null on a zlib error. zlib writes
   * into the scratch buffer, then, when the output outgrows it, into one buffer of the size
   * `grow` says, so a large output is not copied piece by piece.
   */
  run(input: Uint8Array, flush: number, maxOutput: number): Uint8Array | Overflow | null {
    const scratch = (this.scratch ??= Buffer.allocUnsafe(this.scratchBytes));
    let out = scratch;
    let filled = 0;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      const room = out.length - filled;
      this.handle.writeSync(flush, input, inOff, inLen, out, filled, room);
      if (this.failure !== null) return null;
      const [outLeft, inLeft] = this.state;
      filled += room - outLeft;
      if (filled > maxOutput)
        return new Overflow(out === scratch ? Buffer.from(out.subarray(0, maxOutput)) : out.subarray(0, maxOutput));
      inOff += inLen - inLeft;
      inLen = inLeft;
      // zlib stopped with room to spare: all input taken, unless a final block ended the stream
      if (outLeft !== 0) break;
      const bigger = Buffer.allocUnsafe(this.grow(out.length, filled, inLen, maxOutput));
      bigger.set(out.subarray(0, filled));
      out = bigger;
    }
    this.inputLeft = inLen;
    if (filled === 0) return EMPTY;
    // from the scratch, a copy at the exact size: small outputs come from Buffer's pool
    return out === scratch ? Buffer.from(out.subarray(0, filled)) : out.subarray(0, filled);
  }
}

const EMPTY = Buffer.alloc(0);
