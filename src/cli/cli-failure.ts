// The one place where errors become exit codes, for the yargs path (main.ts) and the start-up
// fast path (entry.ts) alike. A WsinspectError (bad input, unreadable file) prints one line and
// exits with its code; anything else is a bug and is rethrown to show its stack.
// Layer rule: cli/ — exit codes.
import { WsinspectError } from '../errors.js';
import { outputFailure } from './output-failure.js';

export function reportCliFailure(caught: unknown): void {
  // yargs rethrows an error of an option's coerce (number-option.ts) as a YError with its message
  const err =
    outputFailure(caught) ??
    (caught instanceof Error && caught.name === 'YError' ? new WsinspectError('usage', caught.message) : caught);
  if (err instanceof WsinspectError) {
    process.stderr.write(`wsinspect: ${err.message}\n`);
    if (err.code === 'usage') process.stderr.write('Run "wsinspect --help" for the commands and options.\n');
    process.exitCode = err.exitCode;
    return;
  }
  throw err;
}
