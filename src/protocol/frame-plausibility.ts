// Finding frame boundaries in bytes of unknown alignment: after lost TCP data, or in a
// capture that starts mid-stream. A position is plausible when its header obeys the rules
// of RFC 6455 §5.2/§5.5 that a real peer never breaks (valid opcode, RSV bits only where an
// extension allows, control frames short and unfragmented, the direction's mask bit), and
// confident when the next header right after it is plausible too.
// Layer rule: protocol/ — pure.
import { headerLength } from './frame-decoder.js';

export interface PlausibilityOptions {
  /** true: frames must be masked (client); false: unmasked (server); null: either. */
  readonly masked: boolean | null;
  /** RSV1 allowed on data frames (permessage-deflate may be in use). */
  readonly allowRsv1: boolean;
  /** Largest payload length believed without a following header to confirm it. */
  readonly maxUnconfirmedLength?: number;
}

export interface FrameStart {
  readonly offset: number;
  /** How many consecutive plausible frames were found from there (≥ 1). */
  readonly chain: number;
}

/** Checks one header at `at`; returns the frame's total length, or -1 (also when incomplete). */
export function plausibleFrameLength(bytes: Uint8Array, at: number, opts: PlausibilityOptions): number {
  if (at + 2 > bytes.length) return -1;
  const b0 = bytes[at];
  const b1 = bytes[at + 1];
  const opcode = b0 & 0x0f;
  const control = (opcode & 0x8) !== 0;
  if (!(opcode <= 2 || (opcode >= 8 && opcode <= 10))) return -1;
  if ((b0 & 0x30) !== 0) return -1;
  if ((b0 & 0x40) !== 0 && (!opts.allowRsv1 || control || opcode === 0)) return -1;
  const masked = (b1 & 0x80) !== 0;
  if (opts.masked !== null && masked !== opts.masked) return -1;
  const len7 = b1 & 0x7f;
  if (control && ((b0 & 0x80) === 0 || len7 > 125)) return -1;
  const hl = headerLength(b1);
  if (at + hl > bytes.length) return -1;
  let length = len7;
  if (len7 === 126) {
    length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 126) return -1;
  } else if (len7 === 127) {
    // bytes 2–9, big-endian (RFC 6455 §5.2); past 2^53 no length is plausible (nor representable)
    const high = ((bytes[at + 2] << 24) >>> 0) + ((bytes[at + 3] << 16) | (bytes[at + 4] << 8) | bytes[at + 5]);
    if (high > 0x1fffff) return -1;
    const low = ((bytes[at + 6] << 24) >>> 0) + ((bytes[at + 7] << 16) | (bytes[at + 8] << 8) | bytes[at + 9]);
    length = high * 2 ** 32 + low;
    if (length < 65536) return -1;
  }
  return hl + length;
}

/**
 * Scans from `from` for the first position where `minChain` consecutive plausible frames
 * start (a frame running exactly to the end of the bytes counts as confirmed), or null.
 */
export function findFrameStart(
  bytes: Uint8Array,
  from: number,
  opts: PlausibilityOptions,
  minChain = 2,
): FrameStart | null {
  const maxUnconfirmed = opts.maxUnconfirmedLength ?? 1 << 20;
  for (let at = from; at + 2 <= bytes.length; at++) {
    let chain = 0;
    let cursor = at;
    while (chain < minChain) {
      const length = plausibleFrameLength(bytes, cursor, opts);
      if (length < 0) break;
      chain++;
      cursor += length;
      if (cursor >= bytes.length) {
        // ran off the end: accept when it ends exactly there or is not implausibly long
        if (cursor === bytes.length || length <= maxUnconfirmed) chain = Math.max(chain, minChain);
        break;
      }
    }
    if (chain >= minChain) return { offset: at, chain };
  }
  return null;
}
