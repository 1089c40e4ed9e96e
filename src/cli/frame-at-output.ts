// `wsinspect FILE --frame CONN:INDEX`: prints one frame (with -V its full annotated view),
// found by sources/frame-at.ts, which stops reading once the frame is decoded. The connection's
// earlier events are shown to the printer without being printed, for times and addresses.
// Layer rule: cli/ — composes sources/ and the listing's printer and options.
import { createEventPrinter } from '../pipeline/consumers/event-printer.js';
import type { OutputStream } from '../pipeline/parallel/block-writer.js';
import { assumedDeflate } from '../protocol/deflate-params.js';
import { frameAt, parseFrameTarget } from '../sources/frame-at.js';
import { reportOutputFailure } from './output-failure.js';
import { outputColorLevel } from './output-options.js';
import { listingSpec, type ReadFlags } from './read-spec.js';

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
  // the options are checked as a listing checks them; the printer is the listing's
  const spec = listingSpec(flags, io.colorLevel ?? outputColorLevel(flags));
  const printer = createEventPrinter(spec.printer, {
    mode: 'stream',
    hexAssumptions: [],
    stream: io.stdout,
    colorLevel: spec.colorLevel,
    onOutputFailure: reportOutputFailure,
  });
  const found = await frameAt(file, target, {
    // the printer's keep limit, as the listing's pipeline would set it
    session: { assumeDeflate: assumedDeflate(), limits: { keepBinaryPayload: spec.printer.maxPayload + 1 } },
    capture: {
      decodeAs: spec.decodeAs,
      keyLog: spec.keyLog,
      tlsDetail: spec.printer.tlsDetail,
      onFirstPacketTime: (t) => printer.setTimeOrigin(t),
      backpressure: () => printer.ready(),
    },
  });
  for (const ev of found.before) printer.skip(ev);
  printer.print(found.frame);
  await printer.close();
}
