// `wsinspect ui FILE`: a capture (pcap, pcapng), HAR or wsinspect --json recording in the
// interactive terminal UI (ui/). The UI, ink and React load only when this command runs, so
// the other commands start as before. A stdout that is no terminal: one line, exit 2.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { KEYLOG_HELP } from './key-log-option.js';
import { OUTPUT_OPTIONS } from './output-options.js';
import { FILTER_OPTION } from './filter-option.js';
import { listOption } from './stream-options.js';
import type { ViewChoice } from '../views/names.js';

export interface UiFlags {
  file?: string;
  filter?: string;
  keylog?: string;
  decodeAs?: string[];
  view?: ViewChoice;
  color?: boolean;
}

export function uiCommand(yargs: Argv): Argv {
  return yargs.command<UiFlags>(
    'ui <file>',
    'browse a capture (pcap, pcapng), HAR or wsinspect --json recording in an interactive terminal UI',
    (y) =>
      y
        .positional('file', {
          type: 'string',
          describe: 'capture file (pcap, pcapng), HAR, or wsinspect --json output',
        })
        .option('filter', FILTER_OPTION)
        .option('keylog', { type: 'string', describe: KEYLOG_HELP, requiresArg: true })
        .option(
          'decode-as',
          listOption(
            'treat TCP traffic on these ports as WebSocket even without a handshake (comma-separated or repeated)',
          ),
        )
        .option('view', OUTPUT_OPTIONS.view as never)
        .option('color', OUTPUT_OPTIONS.color as never)
        .example('$0 ui capture.pcapng', 'browse every frame; ? lists the keys')
        .example('$0 ui devtools.har -Y \'text contains "error"\'', 'start with a display filter'),
    async (flags) => runUiCommand(flags),
  );
}

export async function runUiCommand(flags: UiFlags): Promise<void> {
  const [{ checkedExpression, wholeNumbers }, { loadKeyLog }, { colorLevel }] = await Promise.all([
    import('./stream-options.js'),
    import('./key-log-option.js'),
    import('./color.js'),
  ]);
  const filter = checkedExpression(flags.filter) ?? null;
  const decodeAs = wholeNumbers('--decode-as', flags.decodeAs ?? [], 1, 65535, 'a TCP port (1-65535)');
  if (process.stdout.isTTY !== true || process.stdin.isTTY !== true)
    throw new WsinspectError(
      'ui.no-terminal',
      `ui needs a terminal (its ${process.stdout.isTTY !== true ? 'stdout' : 'stdin'} is not one); for a listing use: wsinspect ${flags.file ?? 'FILE'}`,
    );
  const file = flags.file ?? '';
  if (file === '' || file === '-')
    throw new WsinspectError('input.bad-option', 'ui reads a file, not stdin (the keys come from there)');
  const keyLog = loadKeyLog(flags.keylog);
  const [{ loadFile }, { runUi }] = await Promise.all([import('../ui/file-load.js'), import('../ui/run.js')]);
  const load = loadFile(file, { decodeAs, keyLog: keyLog?.secrets, view: flags.view });
  await load.firstScreen;
  if (keyLog !== null) load.store.setNote(keyLog.note);
  const level = colorLevel({ flag: flags.color, env: process.env, isTTY: true });
  await runUi({ store: load.store, title: file, filter, colorLevel: level });
}
