// The command line: yargs commands (entry.ts runs hex and accept without yargs when it can).
// Errors become exit codes in cli-failure.ts.
import { existsSync, readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { acceptCommand } from './accept-command.js';
import { hexCommand } from './hex-command.js';
import { proxyCommand } from './proxy-command.js';
import { demoCommand } from './demo-command.js';
import { caCommand } from './ca-command.js';
import { readCommand } from './read-command.js';
import { replayCommand } from './replay-command.js';
import { serveCommand } from './serve-command.js';
import { uiCommand } from './ui-command.js';
import { reportCliFailure } from './cli-failure.js';
import { closest } from '../filter/filter-error.js';

// each line within 80 columns: yargs wraps the epilogue at the terminal's width (100 off a
// terminal), which would break a line that is longer in the middle of its description
const EPILOGUE = `Examples of real use:
  wsinspect hex "c1 85 43 02 0a cf 71 36 3e cb 43"
      a compressed, masked text frame, drawn and inflated
  wsinspect hex --explain 81 85 37 fa 21 3d 7f 9f 4d 51 58
      every field with the rule it must satisfy
  wsinspect hex --json 01 03 48 65 6c 80 02 6c 6f
      NDJSON for other tools: a two-frame message
  wsinspect accept dGhlIHNhbXBsZSBub25jZQ==
      Sec-WebSocket-Accept, step by step

Docs: README.md (diagnostic codes, JSON format).`;

/**
 * wsinspect's own version, from the package.json beside dist/ (or src/): yargs' .version()
 * without an argument reads the package.json nearest to the working directory, so inside any
 * other npm project it printed that project's version.
 */
export function ownVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function buildCli(argv: string[]): Argv {
  let cli = yargs(argv)
    // every other line wsinspect prints is English: yargs' own messages (a missing argument, an
    // unknown option) too, whatever the locale (bundled, yargs has no locale files to read anyway)
    .locale('en')
    .scriptName('wsinspect')
    .usage('wsinspect — inspect and debug WebSocket traffic (RFC 6455, RFC 7692)\n\nUsage: $0 <command> [options]')
    .strict()
    .demandCommand(1, 'name a command (see the list above)')
    .recommendCommands()
    .epilogue(EPILOGUE)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .help()
    .alias('h', 'help')
    .version(ownVersion())
    .fail((msg, err) => {
      if (err) throw err;
      throw new WsinspectError('usage', usageMessage(msg ?? 'bad arguments', argv));
    });
  skipHelpCache(cli);
  cli = readCommand(cli);
  cli = hexCommand(cli);
  cli = acceptCommand(cli);
  cli = proxyCommand(cli);
  cli = replayCommand(cli);
  cli = serveCommand(cli);
  cli = uiCommand(cli);
  cli = demoCommand(cli);
  cli = caCommand(cli);
  return cli;
}

/** The commands buildCli registers (a test holds the two lists together). */
export const COMMANDS = ['read', 'hex', 'accept', 'proxy', 'replay', 'serve', 'ui', 'demo', 'ca'];

/** What a command needs, said in place of yargs' "Not enough non-option arguments: got 0, need at least 1". */
const NEEDS: Readonly<Record<string, string>> = {
  read: 'read needs a FILE: a capture (pcap, pcapng; - for stdin), a HAR or a wsinspect --json recording',
  ui: 'ui needs a FILE: a capture (pcap, pcapng), a HAR or a wsinspect --json recording',
  replay:
    'replay needs a SOURCE, the recording to play (a capture, a HAR or wsinspect --json output), and --target URL',
  serve: 'serve needs a SOURCE, the recording to play (a capture, a HAR or wsinspect --json output)',
};

/** yargs' message for a usage error, in wsinspect's words where it names no argument a user would recognise. */
function usageMessage(msg: string, argv: readonly string[]): string {
  const command = argv.find((a) => !a.startsWith('-'));
  if (command !== undefined && /^Not enough non-option arguments/.test(msg) && NEEDS[command] !== undefined)
    return NEEDS[command];
  if (command === 'replay' && /^Missing required argument: target\b/.test(msg))
    return 'replay needs --target ws://HOST:PORT[/PATH] (or wss://…): the server to play the recording against';
  return msg;
}

/**
 * A first word that is no command and no file, but one letter or so from a command
 * (`wsinspect prxy`): said as such, instead of "cannot read prxy: ENOENT" from the default
 * command (read), which takes any other word for a file name.
 */
export function commandTypo(argv: readonly string[]): string | null {
  const word = argv[0];
  if (word === undefined || word.startsWith('-') || COMMANDS.includes(word) || /[./\\]/.test(word)) return null;
  const command = closest(word, COMMANDS);
  if (command === undefined || existsSync(word)) return null;
  return `no command or file ${JSON.stringify(word)}: did you mean wsinspect ${command}?`;
}

/**
 * yargs renders a command's whole help text on every run of a non-default command, to keep it
 * for a failure after an async handler (usage.cacheHelpMessage): ~35 ms of string-width and
 * wrap-ansi on each `wsinspect hex …`, a third of the start-up. wsinspect never prints help on
 * a failure (the one-line error names --help instead), so the cache is never read: skip it.
 * yargs is pinned (package.json), so the internal it patches does not move under us.
 */
function skipHelpCache(cli: Argv): void {
  const internal = (cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => unknown } })
    .getInternalMethods?.()
    .getUsageInstance?.() as { cacheHelpMessage?: () => void } | undefined;
  if (internal !== undefined && typeof internal.cacheHelpMessage === 'function') internal.cacheHelpMessage = () => {};
}

export async function main(argv: string[]): Promise<void> {
  if (argv.length === 0) {
    buildCli(['--help']).showHelp((s) => process.stdout.write(s + '\n'));
    return;
  }
  try {
    const typo = commandTypo(argv);
    if (typo !== null) throw new WsinspectError('usage', typo);
    await buildCli(argv).parseAsync();
  } catch (caught) {
    reportCliFailure(caught);
  }
}
