// The proxy's and the demo's flags → the live pipeline (pipeline/live.ts): the checked printer
// options, the colour of this stdout, --write's recorder, and problems as lines on stderr.
// Layer rule: cli/ — flags and process I/O.
import { createLivePipeline, type LiveIo, type LivePipeline } from '../pipeline/live.js';
import type { InspectEvent } from '../session/events.js';
import type { FilterSpec } from '../session/event-filter.js';
import { PcapngRecorder } from '../sources/proxy/pcapng-recorder.js';
import { sniffRecording } from '../sources/recording-sniff.js';
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
 * (the proxy has -V; the demo, replay and serve draw one line per frame and say where the
 * rules can be seen), and the display filter is the one captures use.
 */
export function checkLiveFlags(flags: LiveFlags): FilterSpec {
  checkExplain(
    flags,
    flags.explainInstead !== undefined ? `, which the live view does not draw: ${flags.explainInstead}` : ': add -V',
  );
  return streamFilterSpec(flags);
}

/**
 * replay's and serve's explainInstead: a capture's own frames, drawn in full with their rules;
 * a HAR or NDJSON recording has no frames to draw.
 */
export function explainRecording(source: string): string {
  if (sniffRecording(source) !== null)
    return 'the recording holds messages, not frames, so there are no frame rules to add';
  const arg = /^[\w./+:@%-]+$/.test(source) ? source : `'${source.replace(/'/g, `'\\''`)}'`;
  return `for the recording's frames with their rules, run wsinspect ${arg} -V --explain`;
}

export interface LiveFlags extends StreamFlags {
  write?: string;
  /** --har FILE (the proxy). */
  har?: string;
  /** The command has no -V (the demo, replay, serve): where to see the rules instead, said when --explain is refused. */
  explainInstead?: string;
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
