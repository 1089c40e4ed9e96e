// --keylog FILE, or the file SSLKEYLOGFILE names when --keylog is not given: the TLS secrets
// (NSS key log format) that decrypt wss in a capture. The file is read once here; what it
// held (and where it came from) is said on stderr, so stdout stays clean for pipes.
// Layer rule: cli/ — files and the environment.
import { existsSync, readFileSync } from 'node:fs';
import { WsinspectError } from '../errors.js';
import { parseKeyLog, type KeyLogSecrets } from '../capture/tls/key-log.js';

export interface KeyLogChoice {
  readonly secrets: KeyLogSecrets;
  /** One line for stderr: which file, how many secrets, what was skipped. */
  readonly note: string;
}

export const KEYLOG_HELP =
  'decrypt TLS (wss) with the secrets in FILE (NSS key log: SSLKEYLOGFILE, --ssl-key-log-file, Node keylog events); default: $SSLKEYLOGFILE if that file exists';

/** null: no key log (no --keylog, and SSLKEYLOGFILE unset or naming no file). */
export function loadKeyLog(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): KeyLogChoice | null {
  let file = flag;
  let from = '--keylog';
  if (file === undefined || file === '') {
    const envFile = env.SSLKEYLOGFILE;
    if (envFile === undefined || envFile === '' || !existsSync(envFile)) return null;
    file = envFile;
    from = 'SSLKEYLOGFILE';
  }
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new WsinspectError('input.unreadable', `${from} ${file}: ${reason}`);
  }
  const parsed = parseKeyLog(text);
  const skipped = [
    parsed.duplicates > 0 ? `${parsed.duplicates} duplicate line(s)` : '',
    parsed.junk > 0 ? `${parsed.junk} line(s) that are not key log lines` : '',
  ].filter((x) => x !== '');
  const note =
    `key log ${file} (${from}): ${parsed.used} secret(s)` +
    (skipped.length > 0 ? `; skipped ${skipped.join(' and ')}` : '');
  return { secrets: parsed.secrets, note };
}
