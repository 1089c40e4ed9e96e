// Loaded into a child node with `--import` by tests that bound the work a run did without
// timing it: when the process exits, its count of bytes read (rchar in /proc/self/io: files,
// pipes and modules, every thread) is written to the file named by RCHAR_AT_EXIT_FILE.
import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const out = process.env.RCHAR_AT_EXIT_FILE;
if (isMainThread && out)
  process.on('exit', () => {
    writeFileSync(out, /rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 'none');
  });
