// The proxy's and the demo's flags → the live pipeline (pipeline/live.ts): the checked printer
// options, the colour of this stdout, --write's recorder, and problems as lines on stderr.
// Layer rule: cli/ — flags and process I/O.
import { createLivePipeline, type LiveIo, type LivePipeline } from '../pipeline/live.js';
import type { InspectEvent } from '../session/events.js';
import type { FilterSpec } from '../session/event-filter.js';
import { PcapngRecorder } from '../sources/proxy/pcapng-recorder.js';
import { harWriters } from './har-option.js';
import { reportOutputFailure } from './output-failure.js';
import { checkExplain, outputColorLevel, printerOptions } from './output-options.js';
import { streamFilterSpec, type StreamFlags } from './stream-options.js';

export interface LiveRun extends LivePipeline {
  /** One line on stderr about a connection (or the proxy) that had a problem. */
  problem(conn: number | null, message: string): void;
}

/**
 * The flags of a live view checked before anything starts: --explain needs the full view
 * (the proxy has -V; the demo draws one line per frame and says how to get the rules), and
 * the display filter is the one captures use.
 */
export function checkLiveFlags(flags: LiveFlags): FilterSpec {
  checkExplain(
    flags,
    flags.fullView === false
      ? ', which the live view does not draw: record with -w FILE, then run wsinspect FILE -V --explain'
      : ': add -V',
  );
  return streamFilterSpec(flags);
}

export interface LiveFlags extends StreamFlags {
  write?: string;
  /** --har FILE (the proxy). */
  har?: string;
  /** false: the command has no -V (the demo). */
  fullView?: false;
}

/**
 * `display`: proxy --ui — the shown events go to the UI's store instead of the printer, and
 * problems and notes to its status line instead of stderr (which would draw over the screen).
 */
export async function openLivePipeline(
  flags: LiveFlags,
  observe?: (event: InspectEvent) => void,
  display?: LiveIo['display'],
): Promise<LiveRun> {
  const problem = (conn: number | null, message: string): void => {
    const line = `wsinspect: ${conn === null ? '' : `connection ${conn}: `}${message}`;
    if (display !== undefined) display.note(line);
    else process.stderr.write(`${line}\n`);
  };
  const filter = checkLiveFlags(flags);
  const options = printerOptions(flags);
  const recorder = flags.write === undefined ? null : await PcapngRecorder.create(flags.write, (m) => problem(null, m));
  const live = createLivePipeline(options, filter, {
    stdout: process.stdout,
    colorLevel: outputColorLevel(flags),
    onOutputFailure: reportOutputFailure,
    recorder: recorder === null ? null : { stream: (ev) => recorder.handle(ev), close: () => recorder.close() },
    observe,
    consumers: harWriters(flags.har),
    display,
  });
  return { ...live, problem };
}
