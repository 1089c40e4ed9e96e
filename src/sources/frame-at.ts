// `wsinspect FILE --frame CONN:INDEX`: one frame of a capture, read only as far as needed. The
// capture layer runs over every packet (connections are numbered in order of appearance), but
// only the wanted connection is decoded, and reading stops at the chunk where its frame ends.
import type { Readable } from 'node:stream';
import { WsinspectError } from '../errors.js';
import { FrameFinder, type FrameFinderOptions, type FrameTarget } from '../session/frame-finder.js';
import type { FrameEvent, InspectEvent } from '../session/events.js';
import { readCapture, type CaptureSourceOptions } from './capture-source.js';

export interface FoundFrame {
  readonly frame: FrameEvent;
  /** The connection's events before the frame (connection, handshake, earlier frames…). */
  readonly before: readonly InspectEvent[];
}

export interface FrameAtOptions {
  /** How the wanted connection is decoded (session limits, deflate assumed without a handshake). */
  readonly session?: FrameFinderOptions;
  /** How the capture is read (--decode-as, time origin, progress…). */
  readonly capture?: Omit<CaptureSourceOptions, 'stop'>;
}

/** Rejects with WsinspectError('input.no-such-frame') when the capture has no such frame. */
export async function frameAt(
  input: string | Readable,
  target: FrameTarget,
  options: FrameAtOptions = {},
): Promise<FoundFrame> {
  const finder = new FrameFinder(target, options.session);
  await readCapture(input, (ev) => finder.handle(ev), { ...options.capture, stop: () => finder.done });
  const frame = finder.finish();
  if (frame === null)
    throw new WsinspectError('input.no-such-frame', `no frame ${target.conn}:${target.index}: ${finder.missing}`);
  return { frame, before: finder.before };
}

/** CONN:INDEX, both whole numbers from 1 (WsinspectError 'input.bad-option' otherwise). */
export function parseFrameTarget(text: string): FrameTarget {
  const m = /^\s*(\d{1,9})\s*:\s*(\d{1,15})\s*$/.exec(text);
  const conn = m === null ? 0 : Number(m[1]);
  const index = m === null ? 0 : Number(m[2]);
  if (conn < 1 || index < 1)
    throw new WsinspectError(
      'input.bad-option',
      `--frame takes CONN:INDEX (connection and frame number, both from 1, e.g. 2:17), not ${JSON.stringify(text)}`,
    );
  return { conn, index };
}
