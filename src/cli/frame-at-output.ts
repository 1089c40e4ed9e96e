// `wsinspect FILE --frame CONN:INDEX`: prints one frame (with -V its full annotated view),
// found by sources/frame-at.ts, which stops reading once the frame is decoded. The connection's
// earlier events are shown to the printer without being printed, for times and addresses.
// Layer rule: cli/ — composes sources/ and the read pipeline's printer and options.
import { assumedDeflate } from '../protocol/deflate-params.js';
import { frameAt, parseFrameTarget } from '../sources/frame-at.js';
import type { OutputStream } from './block-writer.js';
import { shownPayloadLimits } from './event-printer.js';
import { ReadPipeline, type ReadFlags } from './read-pipeline.js';

export interface FrameAtFlags extends ReadFlags {
  /** CONN:INDEX as typed. */
  frame: string;
}

export async function showFrameAt(
  flags: FrameAtFlags,
  file: string,
  io: { readonly stdout?: OutputStream; readonly colorLevel?: 0 | 1 | 2 | 3 },
): Promise<void> {
  const target = parseFrameTarget(flags.frame);
  // the pipeline checks the options as a listing does and owns the printer; its decoding is not used
  const pipeline = new ReadPipeline(flags, {
    mode: 'stream',
    hexAssumptions: [],
    stream: io.stdout,
    colorLevel: io.colorLevel,
  });
  const found = await frameAt(file, target, {
    session: { assumeDeflate: assumedDeflate(), limits: shownPayloadLimits(flags) },
    capture: pipeline.captureOptions(),
  });
  for (const ev of found.before) pipeline.printer.skip(ev);
  pipeline.printer.print(found.frame);
  await pipeline.printer.close();
}
