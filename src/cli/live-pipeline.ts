// The proxy's and the demo's flags → the live pipeline (pipeline/live.ts): the checked printer
// options, the colour of this stdout, --write's recorder, and problems as lines on stderr.
// Layer rule: cli/ — flags and process I/O.
import { createLivePipeline, type LivePipeline } from '../pipeline/live.js';
import type { InspectEvent } from '../session/events.js';
import { WsinspectError } from '../errors.js';
import { PcapngRecorder } from '../sources/proxy/pcapng-recorder.js';
import { reportOutputFailure } from './output-failure.js';
import { outputColorLevel, printerOptions, type OutputFlags } from './output-options.js';
import { createDisplayFilter } from '../filter/display-filter.js';
import { checkedExpression } from './stream-options.js';

export interface LiveRun extends LivePipeline {
  /** One line on stderr about a connection (or the proxy) that had a problem. */
  problem(conn: number | null, message: string): void;
}

/**
 * The live view (proxy, demo) draws one line per frame, never the full view --explain adds
 * its rules to: refused with the way to get them, rather than accepted and ignored.
 */
export function checkLiveFlags(flags: OutputFlags & { filter?: string }): void {
  checkedExpression(flags.filter);
  if (flags.explain === true)
    throw new WsinspectError(
      'input.bad-option',
      '--explain adds the rules to the full view, which the live view does not draw: record with -w FILE, then run wsinspect FILE -V --explain',
    );
}

export async function openLivePipeline(
  flags: OutputFlags & { write?: string; filter?: string },
  observe?: (event: InspectEvent) => void,
): Promise<LiveRun> {
  const problem = (conn: number | null, message: string): void => {
    process.stderr.write(`wsinspect: ${conn === null ? '' : `connection ${conn}: `}${message}\n`);
  };
  checkLiveFlags(flags);
  const options = printerOptions(flags);
  const recorder = flags.write === undefined ? null : await PcapngRecorder.create(flags.write, (m) => problem(null, m));
  const live = createLivePipeline(options, {
    stdout: process.stdout,
    colorLevel: outputColorLevel(flags),
    onOutputFailure: reportOutputFailure,
    recorder: recorder === null ? null : { stream: (ev) => recorder.handle(ev), close: () => recorder.close() },
    observe,
    // -Y: what is shown; the traffic itself is never filtered
    filter: flags.filter === undefined ? null : createDisplayFilter({ expression: checkedExpression(flags.filter) }),
  });
  return { ...live, problem };
}
