// Test helper: drives one direction's MessageAssembler directly with wire frames (decoded by
// the FrameDecoder), without the session around it, and collects its records.
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Frame } from '../../src/protocol/frame.js';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.js';
import { MessageInflater } from '../../src/protocol/message-inflater.js';
import { MessageAssembler } from '../../src/session/message-assembler.js';
import { FrameRecord, MessageRecord } from '../../src/session/records.js';

export interface Assembled {
  readonly frames: FrameRecord[];
  readonly messages: MessageRecord[];
}

/** Feeds the frames (wire bytes, one frame each) in order; `finish` ends the input (an open message is incomplete). */
export function assemble(wire: Uint8Array[], opts: { deflate?: boolean; finish?: boolean } = {}): Assembled {
  const frames: FrameRecord[] = [];
  const messages: MessageRecord[] = [];
  const assembler = new MessageAssembler(1, 's2c', DEFAULT_LIMITS, (m) => messages.push(m));
  if (opts.deflate === true)
    assembler.setInflater(new MessageInflater({ windowBits: 15, noContextTakeover: false }, 1 << 20));
  const decoded: Frame[] = [];
  const decoder = new FrameDecoder({ onFrame: (f) => decoded.push(f) });
  const feed = (f: Frame): void => {
    const rec = new FrameRecord(1, 's2c', frames.length + 1, null, f, [...f.diagnostics]);
    frames.push(rec);
    assembler.accept(rec);
  };
  for (const bytes of wire) {
    decoder.push(bytes);
    for (const f of decoded.splice(0)) feed(f);
  }
  decoder.finish();
  for (const f of decoded.splice(0)) feed(f);
  if (opts.finish !== false) assembler.finish(null, frames.length);
  return { frames, messages };
}
