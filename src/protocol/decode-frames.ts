// The simplest use of the decoder: every frame in a buffer, at once. A header cut off at the
// end is returned as `partial`. Layer rule: protocol/ — pure.
import { FrameDecoder, type PartialHeader } from './frame-decoder.js';
import type { Frame } from './frame.js';
import type { Limits } from './limits.js';

export function decodeFrames(
  bytes: Uint8Array,
  limits?: Partial<Limits>,
): { frames: Frame[]; partial: PartialHeader | null } {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder({ limits, onFrame: (f) => frames.push(f) });
  decoder.push(bytes);
  const partial = decoder.finish();
  return { frames, partial };
}
