// A failed write to stdout (a full disk, /dev/full, EIO) as one line and exit status 1, never
// a stack trace. A reader that went away (EPIPE) is not a failure: output just stops quietly.
// Layer rule: cli/ — process I/O.
import { WsinspectError } from '../errors.js';

/** The one-line error for a failed write, or null when `err` is not one. */
export function outputFailure(err: unknown): WsinspectError | null {
  const e = err as NodeJS.ErrnoException | null;
  if (e === null || typeof e !== 'object' || typeof e.code !== 'string' || e.syscall !== 'write') return null;
  return new WsinspectError('output.failed', `cannot write the output: ${e.message}`, 1);
}

let reported = false;

/**
 * For a stream's 'error' event, which arrives outside any caller that could catch a throw:
 * says it once on stderr and sets the exit status. Errors that are not failed writes are
 * bugs and are thrown.
 */
export function reportOutputFailure(err: Error): void {
  const failure = outputFailure(err);
  if (failure === null) throw err;
  if (reported) return;
  reported = true;
  process.stderr.write(`wsinspect: ${failure.message}\n`);
  process.exitCode = failure.exitCode;
}
