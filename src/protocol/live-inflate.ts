// A raw DEFLATE stream kept open across messages (permessage-deflate context takeover) and
// driven synchronously, message by message, through the zlib handle of a node:zlib
// InflateRaw, the way node's own *Sync functions drive theirs (but without closing it).
// Layer rule: protocol/ — node:zlib only, synchronous, no I/O.
import { constants, createInflateRaw } from 'node:zlib';

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

/**
 * RFC 7692 §7.2.2's 00 00 ff ff (the LEN and NLEN of the empty stored block whose header
 * ends the message) and one probe byte. Fed with Z_BLOCK, zlib stops at the block boundary
 * after that empty block without touching the probe, so "exactly one byte left and no
 * output" proves the message ended at a block boundary, as the per-message path proves with
 * its final block; a message cut inside a block eats the probe or yields output.
 */
const TRAILER_AND_PROBE = Uint8Array.of(0x00, 0x00, 0xff, 0xff, 0x00);

/** zlib writes into this much scratch first; an output that fits is then copied out at its exact size. */
const SCRATCH_BYTES = 256 * 1024;

export class LiveInflate {
  private failed = false;
  /** Where zlib writes; one per stream, so an output buffer is never allocated larger than its data. */
  private scratch: Buffer | null = null;
  private readonly probeOut = Buffer.allocUnsafe(64);

  private constructor(
    private readonly handle: ZlibHandle,
    private readonly state: Uint32Array,
  ) {
    handle.onerror = () => {
      this.failed = true;
    };
  }

  /** null when this node's zlib does not expose a usable handle (then the caller inflates per message). */
  static create(windowBits: number, dictionary: Uint8Array | undefined): LiveInflate | null {
    const stream = createInflateRaw({
      windowBits,
      dictionary: dictionary !== undefined && dictionary.length > 0 ? dictionary : undefined,
    });
    const inner = stream as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
    if (typeof inner._handle?.writeSync !== 'function' || !(inner._writeState instanceof Uint32Array)) return null;
    return new LiveInflate(inner._handle, inner._writeState);
  }

  reset(): void {
    this.handle.reset();
  }

  /**
   * The message's output; an Overflow (and this stream is spent) past maxOutput bytes; null
   * (spent too) on an error or unconsumed input (a final block).
   */
  inflate(compressed: Uint8Array, maxOutput: number): Uint8Array | Overflow | null {
    const data = this.run(compressed, maxOutput, constants.Z_SYNC_FLUSH);
    if (data === null || data instanceof Overflow) return data;
    return this.atBoundaryAfterTrailer() ? data : null;
  }

  /**
   * What `input` inflates to with a sync flush and no check of how it ends: the output, an
   * Overflow holding the first maxOutput bytes (memory bounded by about that), or null on a
   * zlib error. For a message cut off before its end, and for a bomb's head.
   */
  prefix(input: Uint8Array, maxOutput: number): Uint8Array | Overflow | null {
    return this.run(input, maxOutput, constants.Z_SYNC_FLUSH);
  }

  private atBoundaryAfterTrailer(): boolean {
    const probe = TRAILER_AND_PROBE;
    const out = this.probeOut;
    let inOff = 0;
    let inLen = probe.length;
    while (inLen > 1) {
      this.handle.writeSync(constants.Z_BLOCK, probe, inOff, inLen, out, 0, out.length);
      const [outLeft, inLeft] = this.state;
      if (this.failed || outLeft !== out.length) return false;
      if (inLeft === inLen) return false; // no progress: the stream has ended (a final block)
      inOff += inLen - inLeft;
      inLen = inLeft;
    }
    return inLen === 1;
  }

  /**
   * zlib writes into the scratch buffer, then, when a message outgrows it, into one buffer
   * that grows fourfold up to maxOutput + 1 bytes (where more is a bomb): a bomb never
   * holds more than about 1.33 × maxOutput, and a large message is not copied piece by piece.
   */
  private run(input: Uint8Array, maxOutput: number, flush: number): Uint8Array | Overflow | null {
    const scratch = (this.scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES));
    let out = scratch;
    let filled = 0;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      const room = out.length - filled;
      this.handle.writeSync(flush, input, inOff, inLen, out, filled, room);
      if (this.failed) return null;
      const [outLeft, inLeft] = this.state;
      filled += room - outLeft;
      if (filled > maxOutput)
        return new Overflow(out === scratch ? Buffer.from(out.subarray(0, maxOutput)) : out.subarray(0, maxOutput));
      if (outLeft !== 0) {
        // zlib stopped with room to spare: all input taken, unless a final block ended the stream
        if (inLeft !== 0) return null;
        break;
      }
      inOff += inLen - inLeft;
      inLen = inLeft;
      const bigger = Buffer.allocUnsafe(out.length * 4 >= maxOutput ? maxOutput + 1 : out.length * 4);
      bigger.set(out.subarray(0, filled));
      out = bigger;
    }
    if (filled === 0) return EMPTY;
    // from the scratch, a copy at the exact size: small outputs come from Buffer's pool
    return out === scratch ? Buffer.from(out.subarray(0, filled)) : out.subarray(0, filled);
  }
}

/** More output than allowed: `head` holds its first maxOutput bytes. */
export class Overflow {
  constructor(readonly head: Uint8Array) {}
}

const EMPTY = Buffer.alloc(0);
