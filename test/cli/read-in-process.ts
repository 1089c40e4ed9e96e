// Runs `wsinspect FILE …` in this process as the CLI parses it, with stdout collected: the
// parallel reader's tests compare many runs, and a process (or worker threads) per run would
// be slow. Uses the compiled reader (dist/), whose workers load dist/pipeline/parallel/read-worker.js.
import { Writable } from 'node:stream';
import yargs from 'yargs';
import { readCaptureFile, readCommand } from '../../dist/cli/read-command.js';
import type { ShardSpawner } from '../../dist/pipeline/parallel/read-worker-messages.js';

/** The option sets the parallel reader must print exactly as one thread does. */
export const OPTION_SETS: readonly (readonly string[])[] = [
  [],
  ['--json'],
  ['-V'],
  ['--messages'],
  ['--stats'],
  ['--stats', '--json'],
  ['--conn', '2'],
  ['--errors'],
  ['--opcode', 'close'],
  ['--grep', 'a'],
  ['--time', 'absolute'],
  ['--color'],
];

export interface ReadResult {
  stdout: string;
  /** The error the command ended with (name, code, exit status, message), or null. */
  error: string | null;
}

/** A stdout that keeps a copy of everything (the printer fills its block again after a write). */
function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** `wsinspect ARGS`; `spawn`: how shards start (default: worker threads). */
export async function readInProcess(args: readonly string[], spawn?: ShardSpawner): Promise<ReadResult> {
  const out = collector();
  let error: string | null = null;
  try {
    const cli = yargs([...args])
      .exitProcess(false)
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      });
    await readCommand(cli, (flags) => readCaptureFile(flags, { stdout: out.stream as never, spawn })).parseAsync();
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    error = `${e.name} ${e.code ?? ''} ${e.exitCode ?? ''}: ${e.message}`;
  }
  return { stdout: out.text(), error };
}

/** Runs the tasks, `width` at a time, and returns their results in order. */
export async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

/**
 * Every option set of `file` with --threads 1, then with each of `threads`: the results
 * (output and error), in that order per option set.
 */
export async function threadRuns(
  file: string,
  optionSets: readonly (readonly string[])[],
  threads: readonly string[],
  spawn?: ShardSpawner,
): Promise<ReadResult[][]> {
  const runs = ['1', ...threads];
  const tasks = optionSets.flatMap((opts) =>
    runs.map((n) => () => readInProcess([file, ...opts, '--threads', n], spawn)),
  );
  const results = await pool(tasks, 4);
  return optionSets.map((_, i) => results.slice(runs.length * i, runs.length * (i + 1)));
}
