// Runs a command as a child process the way a user would (`cmd > /dev/null`) and measures its
// wall time and peak resident set size; or runs it with stdout streamed to a line consumer
// (for the untimed correctness passes). Layer rule: bench/ — tooling.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
const POLL_MS = 10;

/**
 * How peak RSS is measured. With GNU time: its %M is ru_maxrss from wait4() on the command,
 * the kernel's own high-water mark of the process's resident set, exact. Without it (GNU time
 * is not in a minimal Debian): /proc/PID/status VmHWM, the same high-water mark, polled every
 * 10 ms; the last reading comes at most 10 ms before the exit, so growth in that last moment
 * is missed (a lower bound, close for steady-state programs such as these).
 */
export const RSS_METHOD = existsSync(GNU_TIME)
  ? 'GNU time %M (wait4 ru_maxrss, exact)'
  : `VmHWM from /proc/PID/status polled every ${POLL_MS} ms (may miss the last ${POLL_MS} ms)`;

/** Runs `cmd args > /dev/null`; resolves { seconds, peakRss (bytes), stderr }; rejects on a non-zero exit. */
export function runToDevNull(cmd, args) {
  const devNull = openSync('/dev/null', 'w');
  const dir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  const rssFile = join(dir, 'rss');
  const viaTime = existsSync(GNU_TIME);
  const [file, argv] = viaTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { stdio: ['ignore', devNull, 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s) => {
      stderr += s;
    });
    let polled = 0;
    const poll = viaTime
      ? null
      : setInterval(() => {
          polled = Math.max(polled, vmHwm(child.pid));
        }, POLL_MS);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (poll !== null) clearInterval(poll);
      closeSync(devNull);
      const peakRss = viaTime ? readTimeRss(rssFile) : polled;
      rmSync(dir, { recursive: true, force: true });
      if (status !== 0)
        reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${status}`}): ${stderr.slice(0, 2000)}`));
      else resolve({ seconds, peakRss, stderr });
    });
  });
}

function readTimeRss(path) {
  // GNU time writes "Command exited with non-zero status N" before %M on failure: take the last line
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  return Number(lines[lines.length - 1]) * 1024;
}

function vmHwm(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0; // the process has just exited
  }
}

/** Runs `cmd args` and hands every stdout line (without '\n', as a string) to onLine; resolves when it exits 0. */
export function runLines(cmd, args, onLine) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let carry = '';
    child.stderr.setEncoding('utf8').on('data', (s) => {
      stderr += s;
    });
    child.stdout.setEncoding('utf8').on('data', (s) => {
      const lines = (carry + s).split('\n');
      carry = lines.pop();
      for (const line of lines) onLine(line);
    });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      if (carry !== '') onLine(carry);
      if (status !== 0)
        reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${status}`}): ${stderr.slice(0, 2000)}`));
      else resolve();
    });
  });
}
