// `wsinspect ui FILE`: a capture (pcap, pcapng), HAR or wsinspect --json recording in the
// interactive terminal UI (ui/). The UI, ink and React load only when this command runs, so
// the other commands start as before. A stdout that is no terminal: one line, exit 2.
import { statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { sniffRecording } from '../sources/recording-sniff.js';
import { WsinspectError } from '../errors.js';
import { KEYLOG_HELP } from './key-log-option.js';
import { OUTPUT_OPTIONS } from './output-options.js';
import { FILTER_OPTION } from './filter-option.js';
import { listOption } from './stream-options.js';
import { indexCacheDir, INDEX_FROM } from './index-cache.js';
import type { ViewChoice } from '../views/names.js';

export interface UiFlags {
  file?: string;
  filter?: string;
  keylog?: string;
  decodeAs?: string[];
  view?: ViewChoice;
  color?: boolean;
  /** --index: read a capture through the compact index (default: from INDEX_FROM bytes on). */
  index?: boolean;
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
        .option('index', {
          type: 'boolean',
          describe:
            'read the capture through a compact index (the default from 64 MiB on; --no-index: in memory): the first screen at once, bounded memory, rows decoded again from the file when shown',
        })
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
  const level = colorLevel({ flag: flags.color, env: process.env, isTTY: true });
  if (useIndex(file, flags.index)) {
    const [{ IndexedStore }, { runUi }] = await Promise.all([
      import('../index/indexed-store.js'),
      import('../ui/run.js'),
    ]);
    const store = await IndexedStore.open(file, {
      decodeAs,
      keyLog: keyLog?.secrets,
      view: flags.view,
      cacheDir: indexCacheDir(),
    });
    try {
      await runUi({ store, title: file, filter, colorLevel: level });
    } finally {
      store.dispose();
    }
    return;
  }
  const [{ loadFile }, { runUi }] = await Promise.all([import('../ui/file-load.js'), import('../ui/run.js')]);
  const load = loadFile(file, { decodeAs, keyLog: keyLog?.secrets, view: flags.view });
  await load.firstScreen;
  if (keyLog !== null) load.store.setNote(keyLog.note);
  await runUi({ store: load.store, title: file, filter, colorLevel: level });
}

/** A capture (not a recording) read through the index: --index, --no-index, else by its size. */
function useIndex(file: string, flag: boolean | undefined): boolean {
  if (flag === false || sniffRecording(file) !== null) return false;
  if (flag === true) return true;
  try {
    return statSync(file).size >= INDEX_FROM;
  } catch {
    return false; // the memory path says what is wrong with the file
  }
}
