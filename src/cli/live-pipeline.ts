// The proxy's and the demo's flags → the live pipeline (pipeline/live.ts): the checked printer
// options, the colour of this stdout, --write's recorder, and problems as lines on stderr.
// Layer rule: cli/ — flags and process I/O.
import { createLivePipeline, type LivePipeline } from '../pipeline/live.js';
import type { InspectEvent } from '../session/events.js';
import { PcapngRecorder } from '../sources/proxy/pcapng-recorder.js';
import { reportOutputFailure } from './output-failure.js';
import { outputColorLevel, printerOptions, type OutputFlags } from './output-options.js';

export interface LiveRun extends LivePipeline {
  /** One line on stderr about a connection (or the proxy) that had a problem. */
  problem(conn: number | null, message: string): void;
}

export async function openLivePipeline(
  flags: OutputFlags & { write?: string },
  observe?: (event: InspectEvent) => void,
): Promise<LiveRun> {
  const problem = (conn: number | null, message: string): void => {
    process.stderr.write(`wsinspect: ${conn === null ? '' : `connection ${conn}: `}${message}\n`);
  };
  const options = printerOptions(flags);
  const recorder = flags.write === undefined ? null : await PcapngRecorder.create(flags.write, (m) => problem(null, m));
  const live = createLivePipeline(options, {
    stdout: process.stdout,
    colorLevel: outputColorLevel(flags),
    onOutputFailure: reportOutputFailure,
    recorder: recorder === null ? null : { stream: (ev) => recorder.handle(ev), close: () => recorder.close() },
    observe,
  });
  return { ...live, problem };
}
