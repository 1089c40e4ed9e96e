// Errors of the user's input or environment (bad hex, unreadable file, port in use): a
// typed error with a stable code, thrown by sources/cli and caught once in cli/ where it
// becomes one line on stderr and a non-zero exit. Traffic problems are never errors (they
// are Diagnostics); bugs are plain exceptions and are never swallowed.

export class WsinspectError extends Error {
  readonly code: string;
  /** Process exit status the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'WsinspectError';
    this.code = code;
    this.exitCode = exitCode;
  }
}
