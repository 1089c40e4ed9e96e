// What bin/wsinspect.js runs. `hex` and `accept` are the commands people type by hand, many
// times, so they start without yargs (~45% of their start-up): their options are a table
// (option-table.ts) that node:util's parseArgs reads as yargs would. Anything the fast parser
// declines — help, version, typos, bad values, every other command — goes to yargs (main.ts),
// loaded only then. Layer rule: cli/ — flags → command → exit code.
import { reportCliFailure } from './cli-failure.js';
import { fastParse } from './option-table.js';

async function fastCommand(argv: readonly string[]): Promise<(() => Promise<void>) | null> {
  const [command, ...args] = argv;
  if (command === 'hex') {
    const m = await import('./hex-command.js');
    const flags = fastParse(args, m.HEX_OPTIONS, m.HEX_POSITIONALS);
    return flags === null ? null : () => m.runHex(flags as import('./hex-command.js').HexFlags);
  }
  if (command === 'accept') {
    const m = await import('./accept-command.js');
    const flags = fastParse(args, m.ACCEPT_OPTIONS, m.ACCEPT_POSITIONALS);
    return flags === null ? null : () => m.runAccept(flags as import('./accept-command.js').AcceptFlags);
  }
  return null;
}

export async function main(argv: string[]): Promise<void> {
  const run = await fastCommand(argv);
  if (run === null) {
    const full = await import('./main.js');
    return full.main(argv);
  }
  try {
    await run();
  } catch (caught) {
    reportCliFailure(caught);
  }
}
