// `wsinspect proxy --ui`: the live proxy in the interactive UI. The proxy terminates
// WebSocket (the engine) so the UI's debugger can hold, edit, drop, inject and resend; the
// decoded traffic goes to the UI's memory store instead of the printer (--write and --har
// record as without --ui, changes included); notes and problems go to its status line.
// --conn/--dir/--opcode/--grep/--errors keep traffic out of the UI; -Y is the UI's display
// filter to start with (changeable with `/`). Flags that only shape the printed listing are
// refused, one line each. ink and React load only here. Layer rule: cli/ — flags and wiring.
import { WsinspectError } from '../errors.js';
import { MemoryStore } from '../ui/memory-store.js';
import type { DebugActions } from '../ui/model.js';
import { runUi } from '../ui/run.js';
import { editText } from '../ui/editor.js';
import type { LiveIo } from '../pipeline/live.js';
import type { OutputFlags } from './output-options.js';

/** Output flags of the printed listing, and what to do in the UI instead. */
const LISTING_ONLY: readonly (readonly [keyof OutputFlags, string, string])[] = [
  ['json', '--json', 'the UI draws its own screen; record with -w FILE or --har FILE for machine-readable output'],
  ['verbose', '-V', 'press Enter on a row for its full view'],
  ['summary', '-s', 'the list shows one line per frame'],
  ['explain', '--explain', 'the detail pane shows the full view'],
  ['messages', '--messages', 'press m in the UI'],
  ['maxPayload', '--max-payload', 'the UI keeps whole payloads up to 1 MiB'],
];

/** Refuses what --ui cannot honour (exit status 2, before anything listens). */
export function checkUiFlags(flags: OutputFlags): void {
  for (const [key, flag, instead] of LISTING_ONLY)
    if (flags[key] !== undefined && flags[key] !== false)
      throw new WsinspectError('usage', `--ui with ${flag}: ${flag} is for the printed listing (${instead})`);
  if (process.stdout.isTTY !== true || process.stdin.isTTY !== true)
    throw new WsinspectError('usage', '--ui needs a terminal on stdin and stdout (run it in a terminal, not a pipe)');
}

export interface ProxyUi {
  /** The pipeline's display: the store instead of the printer. */
  readonly display: NonNullable<LiveIo['display']>;
  /** Runs the UI until the user quits (q). */
  run(launch: { debug: DebugActions; title: string; filter: string | null; colorLevel: 0 | 1 | 2 | 3 }): Promise<void>;
}

export function openProxyUi(): ProxyUi {
  const store = new MemoryStore();
  return {
    display: { consumer: store, note: (text) => store.setNote(text) },
    run: ({ debug, title, filter, colorLevel }) =>
      runUi({
        store,
        debug,
        title,
        filter,
        colorLevel,
        // SIGTERM/SIGHUP end the proxy's run as `q` does: --har and --write are finished
        onSignal: 'return',
        editor: (initial, ext) => editText(initial, ext, { problem: (text) => store.setNote(`wsinspect: ${text}`) }),
      }),
  };
}
