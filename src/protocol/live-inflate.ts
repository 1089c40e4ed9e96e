// A raw DEFLATE stream kept open across messages (permessage-deflate context takeover) and
// driven synchronously, message by message, through the zlib handle of a node:zlib
// InflateRaw, the way node's own *Sync functions drive theirs (but without closing it).
// Layer rule: protocol/ — node:zlib only, synchronous, no I/O.
import { constants, createInflateRaw } from 'node:zlib';
import { Overflow, ZlibDrive } from './zlib-drive.js';

export { Overflow } from './zlib-drive.js';

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
  private readonly probeOut = Buffer.allocUnsafe(64);

  private constructor(private readonly zlib: ZlibDrive) {}

  /** null when this node's zlib does not expose a usable handle (then the caller inflates per message). */
  static create(windowBits: number, dictionary: Uint8Array | undefined): LiveInflate | null {
    const stream = createInflateRaw({
      windowBits,
      dictionary: dictionary !== undefined && dictionary.length > 0 ? dictionary : undefined,
    });
    const zlib = ZlibDrive.of(stream, SCRATCH_BYTES, growFourfold);
    return zlib === null ? null : new LiveInflate(zlib);
  }

  reset(): void {
    this.zlib.handle.reset();
  }

  /**
   * The message's output; an Overflow (and this stream is spent) past maxOutput bytes; null
   * (spent too) on an error or unconsumed input (a final block).
   */
  inflate(compressed: Uint8Array, maxOutput: number): Uint8Array | Overflow | null {
    const data = this.run(compressed, maxOutput);
    if (data === null || data instanceof Overflow) return data;
    return this.atBoundaryAfterTrailer() ? data : null;
  }

  /**
   * What `input` inflates to with a sync flush and no check of how it ends: the output, an
   * Overflow holding the first maxOutput bytes (memory bounded by about that), or null on a
   * zlib error. For a message cut off before its end, and for a bomb's head.
   */
  prefix(input: Uint8Array, maxOutput: number): Uint8Array | Overflow | null {
    return this.run(input, maxOutput);
  }

  private atBoundaryAfterTrailer(): boolean {
    const probe = TRAILER_AND_PROBE;
    const { handle, state } = this.zlib;
    const out = this.probeOut;
    let inOff = 0;
    let inLen = probe.length;
    while (inLen > 1) {
      handle.writeSync(constants.Z_BLOCK, probe, inOff, inLen, out, 0, out.length);
      const [outLeft, inLeft] = state;
      if (this.zlib.failure !== null || outLeft !== out.length) return false;
      if (inLeft === inLen) return false; // no progress: the stream has ended (a final block)
      inOff += inLen - inLeft;
      inLen = inLeft;
    }
    return inLen === 1;
  }

  /** The output, an Overflow past maxOutput bytes, or null on an error or unconsumed input (a final block). */
  private run(input: Uint8Array, maxOutput: number): Uint8Array | Overflow | null {
    const data = this.zlib.run(input, constants.Z_SYNC_FLUSH, maxOutput);
    return data !== null && !(data instanceof Overflow) && this.zlib.inputLeft !== 0 ? null : data;
  }
}

/**
 * When a message outgrows the scratch, one buffer that grows fourfold up to maxOutput + 1
 * bytes (where more is a bomb): a bomb never holds more than about 1.33 × maxOutput.
 */
function growFourfold(size: number, _filled: number, _inputLeft: number, maxOutput: number): number {
  return size * 4 >= maxOutput ? maxOutput + 1 : size * 4;
}
