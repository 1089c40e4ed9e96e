// --threads on generated captures big enough for the parallel reader's flow control to act
// (~20 MiB: thousands of output pieces, workers waiting for the main thread), on captures that
// end mid-stream or are damaged (connections still open at the end, capture-level
// diagnostics), through a slow reader and an early-closed pipe.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnInThread } from '../../dist/pipeline/parallel/read-worker.js';
import { ROOT } from '../helpers/cli-run.js';
import { OPTION_SETS, readInProcess, threadRuns } from './read-in-process.js';

const BIN = join(ROOT, 'bin', 'wsinspect.js');
/** Preload that writes the process's bytes read at exit (see the file). */
const RCHAR_AT_EXIT = join(ROOT, 'test', 'helpers', 'rchar-at-exit.mjs');
const MIB = 1 << 20;

type Generate = (o: {
  path: string;
  targetBytes: number;
  seed: number;
  compressed?: boolean;
  connections?: number;
}) => unknown;

let dir = '';
const capture = (name: string) => join(dir, name);

/** `bytes` with `count` bytes replaced by seeded random ones (never the file header). */
function mutated(bytes: Buffer, count: number, seed: number): Buffer {
  const out = Buffer.from(bytes);
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < count; i++) out[24 + Math.floor(next() * (out.length - 24))] = Math.floor(next() * 256);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsinspect-threads-'));
  const { generateCapture } = (await import(pathToFileURL(join(ROOT, 'bench', 'lib', 'pcap-gen.js')).href)) as {
    generateCapture: Generate;
  };
  generateCapture({ path: capture('plain.pcap'), targetBytes: 20 * MIB, seed: 11 });
  generateCapture({ path: capture('deflate.pcap'), targetBytes: 20 * MIB, seed: 12, compressed: true });
  generateCapture({ path: capture('many.pcap'), targetBytes: MIB, seed: 9, connections: 40 });
  const many = readFileSync(capture('many.pcap'));
  // cut mid-record: every connection is still open when the input ends
  writeFileSync(capture('cut.pcap'), many.subarray(0, Math.floor(many.length * 0.45) + 13));
  // damaged: gaps, resyncs, connections without their FIN, capture-level diagnostics
  writeFileSync(capture('damaged2.pcap'), mutated(many, 80, 2));
  writeFileSync(capture('damaged10.pcap'), mutated(many, 80, 10));
}, 60_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Streamed {
  status: number | null;
  stderr: string;
  bytes: number;
  sha256: string;
  /** Bytes the process had read (its input and its modules) while the reader paused, if it paused. */
  readWhilePaused: number | null;
}

/**
 * Runs the CLI with stdout hashed as it arrives. `pauseUntil`: after the first piece of output,
 * stop reading until it settles (the pipe fills and the writer must wait).
 */
function streamCli(args: readonly string[], pauseUntil?: Promise<unknown>): Promise<Streamed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    });
    const hash = createHash('sha256');
    let bytes = 0;
    let stderr = '';
    let readWhilePaused: number | null = null;
    let paused = false;
    child.stdout.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (pauseUntil !== undefined && !paused) {
        paused = true;
        child.stdout.pause();
        void pauseUntil.finally(() => {
          readWhilePaused = Number(/rchar: (\d+)/.exec(readFileSync(`/proc/${child.pid}/io`, 'utf8'))?.[1]);
          child.stdout.resume();
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, bytes, sha256: hash.digest('hex'), readWhilePaused }));
  });
}

describe('wsinspect FILE --threads N on generated captures', () => {
  for (const name of ['plain.pcap', 'deflate.pcap']) {
    for (const opts of [[], ['--json']]) {
      it(`${name} ${opts.join(' ')}: --threads 2 prints what --threads 1 prints (SHA-256)`, async () => {
        const [one, two] = await Promise.all(
          ['1', '2'].map((n) => streamCli([capture(name), ...opts, '--threads', n])),
        );
        expect(one.status).toBe(0);
        expect(one.bytes).toBeGreaterThan(MIB);
        expect(two).toEqual(one);
      }, 60_000);
    }
  }

  for (const name of ['cut.pcap', 'damaged2.pcap', 'damaged10.pcap', 'many.pcap']) {
    it(`${name}: every option set, --threads 2 and 3 (shards on this thread)`, async () => {
      for (const [one, ...others] of await threadRuns(capture(name), OPTION_SETS, ['2', '3'], spawnInThread)) {
        expect(one.error).toBeNull();
        for (const r of others) expect(r).toEqual(one);
      }
    }, 60_000);
  }

  it('cut.pcap and damaged2.pcap: connections end with the input, capture-level diagnostics (what the runs above cover)', async () => {
    for (const r of await Promise.all(
      ['cut.pcap', 'damaged2.pcap'].map((n) => readInProcess([capture(n), '--json', '--threads', '1'])),
    )) {
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; conn: number | null; reason?: string });
      expect(events.some((e) => e.type === 'end' && e.reason === 'input-ended')).toBe(true);
      expect(events.some((e) => e.type === 'diagnostic' && e.conn === null)).toBe(true);
    }
  });

  it('cut.pcap and damaged2.pcap with worker threads: --threads 2 and 3 (default, --json, --stats)', async () => {
    for (const name of ['cut.pcap', 'damaged2.pcap']) {
      for (const [one, ...others] of await threadRuns(capture(name), [[], ['--json'], ['--stats']], ['2', '3'])) {
        expect(one.error).toBeNull();
        for (const r of others) expect(r).toEqual(one);
      }
    }
  }, 60_000);

  it('a reader that stops: the workers wait (they stop reading the input), then the output is complete', async () => {
    const args = [capture('plain.pcap'), '--json'];
    // the pause lasts until one thread has read, decoded and printed the whole capture: no
    // fixed time, and long enough for unbounded workers to read all of it
    const wholeRun = streamCli([...args, '--threads', '1']);
    const [whole, slow] = await Promise.all([wholeRun, streamCli([...args, '--threads', '2'], wholeRun)]);
    expect(slow).toMatchObject({ status: 0, stderr: '', bytes: whole.bytes, sha256: whole.sha256 });
    // unbounded, both workers would have read the whole file (2 × 20 MiB) during the pause
    expect(slow.readWhilePaused).toBeGreaterThan(0);
    expect(slow.readWhilePaused).toBeLessThan(20 * MIB);
  }, 60_000);

  it('| head -1: ends at once, quietly, with status 0, having read a small part of the capture', async () => {
    // work bounded by bytes read, not timed (bench/bounds-bench.js times it): the whole -V
    // listing reads the capture once per worker (2 × 20 MiB); stopping when head goes, a few MiB
    const rcharFile = capture('head.rchar');
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const shell = spawn(
        'bash',
        [
          '-c',
          `"${process.execPath}" --import "${RCHAR_AT_EXIT}" "${BIN}" "${capture('plain.pcap')}" -V --threads 2 | head -1; exit \${PIPESTATUS[0]}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RCHAR_AT_EXIT_FILE: rcharFile } },
      );
      let stdout = '';
      let stderr = '';
      shell.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      shell.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      shell.on('error', reject);
      shell.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(Number(readFileSync(rcharFile, 'utf8'))).toBeLessThan(statSync(capture('plain.pcap')).size);
  }, 30_000);
});
