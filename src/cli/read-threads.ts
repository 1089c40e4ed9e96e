// --threads: how many worker threads decode a capture. By default (auto) several only when it
// pays — a regular file of 64 MiB or more on a machine with four cores or more — and never when
// the output could differ from one thread's. Layer rule: cli/ — option parsing.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { WsinspectError } from '../errors.js';
import type { ReadFlags } from './read-spec.js';

/** auto: files smaller than this are read faster by one thread than workers can start. */
export const AUTO_MIN_BYTES = 64 * 1024 * 1024;
/** auto: more workers than this each repeat the capture layer for too little gain. */
export const AUTO_MAX_THREADS = 4;
/**
 * auto: every worker repeats the file reading and the capture layer and the main thread
 * merges: measured on 2 cores, two workers made the listing of a plain capture hardly faster
 * and a compressed one faster at more memory, so two cores stay with one thread unless
 * --threads asks (figures: bench/README.md).
 */
export const AUTO_MIN_CORES = 4;
const MAX_THREADS = 64;

export const THREADS_HELP =
  'worker threads decoding a capture file: auto (up to 4 for a file of 64 MiB or more on a machine with 4 cores or more), ' +
  '1, or N; stdin and --time delta always use one';

export function parseThreads(value: string | number | undefined): number | 'auto' {
  const text = String(value ?? 'auto')
    .trim()
    .toLowerCase();
  if (text === 'auto') return 'auto';
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_THREADS)
    throw new WsinspectError(
      'input.bad-option',
      `--threads: ${JSON.stringify(String(value))} is not auto or a number of threads from 1 to ${MAX_THREADS}`,
    );
  return n;
}

/** The number of threads to read `file` with (1: the single-thread reader). */
export function readThreads(flags: ReadFlags, file: string): number {
  const wanted = parseThreads(flags.threads);
  // stdin can be read only once; --time delta's "since the previous line" needs the order of
  // every line while it renders them
  if (wanted === 1 || file === '-' || flags.time === 'delta') return 1;
  if (wanted !== 'auto') return wanted;
  const cores = availableParallelism();
  if (cores < AUTO_MIN_CORES) return 1;
  try {
    const info = statSync(file);
    if (!info.isFile() || info.size < AUTO_MIN_BYTES) return 1;
  } catch {
    return 1; // one thread reports the error as it always has
  }
  return Math.min(cores, AUTO_MAX_THREADS);
}
