// --threads as a user meets it: errors reported exactly as one thread reports them (one line,
// the same exit status), the cases that always use one thread, colour, and the option itself.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTO_MIN_CORES, parseThreads, readThreads } from '../../src/cli/read-threads.js';
import { ROOT, runCli } from '../helpers/cli-run.js';

const fixture = (name: string) => join(ROOT, 'fixtures', name);
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsinspect-threads-cli-'));
  const plain = readFileSync(fixture('interleaved.pcap'));
  writeFileSync(join(dir, 'truncated.pcap'), plain.subarray(0, plain.length - 7));
  writeFileSync(join(dir, 'header-only.pcap'), plain.subarray(0, 24));
  writeFileSync(join(dir, 'empty.pcap'), '');
  writeFileSync(join(dir, 'big.pcap'), '');
  truncateSync(join(dir, 'big.pcap'), 64 * 1024 * 1024); // sparse: a size, no disk
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** The same command with --threads 1 and --threads 2: stdout, stderr and status must agree. */
function expectSameRun(args: string[], opts: { input?: Uint8Array; env?: NodeJS.ProcessEnv } = {}) {
  const one = runCli([...args, '--threads', '1'], opts);
  const two = runCli([...args, '--threads', '2'], opts);
  expect(two).toEqual(one);
  return one;
}

describe('wsinspect FILE --threads 2: failures as one thread reports them', () => {
  it('a file that is not a capture: one line, exit status 2', () => {
    const r = expectSameRun([fixture('README.md')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a capture cut off mid-record: decoded up to the cut, which is reported', () => {
    const r = expectSameRun([join(dir, 'truncated.pcap')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/truncated|cut/);
  });

  for (const [what, name] of [
    ['an empty file', 'empty.pcap'],
    ['a header without packets', 'header-only.pcap'],
    ['a missing file', 'missing.pcap'],
    ['a directory', '.'],
  ] as const) {
    it(`${what}`, () => {
      expectSameRun([join(dir, name)]);
    });
  }

  it('bad options are reported before any input is read, as one thread reports them', () => {
    for (const bad of [
      ['--max-payload', '-1'],
      ['--opcode', 'nope'],
      ['--grep', '('],
      ['--decode-as', '70000'],
    ]) {
      const r = expectSameRun([fixture('plain.pcap'), ...bad]);
      expect(r.status).toBe(2);
    }
  });

  it('--threads takes auto or a number of threads from 1 to 64 (0 is out of range, as its error says)', () => {
    for (const bad of ['many', '-1', '1.5', '65', '0', '00']) {
      const r = runCli([fixture('plain.pcap'), '--threads', bad]);
      expect([r.status, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toBe(`wsinspect: --threads: "${bad}" is not auto or a number of threads from 1 to 64\n`);
    }
    const one = runCli([fixture('plain.pcap'), '--threads', '1']);
    for (const ok of ['auto', '4', '64']) expect(runCli([fixture('plain.pcap'), '--threads', ok])).toEqual(one);
  });
});

describe('wsinspect FILE --threads 2: what one thread does instead', () => {
  it('stdin (-) is read by one thread', () => {
    expectSameRun(['-'], { input: readFileSync(fixture('interleaved.pcap')) });
  });

  it('--time delta is rendered by one thread (its time is since the previous line)', () => {
    const r = expectSameRun([fixture('interleaved.pcap'), '--time', 'delta']);
    expect(r.stdout.length).toBeGreaterThan(0);
  });

  it('FORCE_COLOR=1 --color: the same escapes as one thread', () => {
    const r = expectSameRun([fixture('interleaved.pcap'), '--color'], { env: { FORCE_COLOR: '1' } });
    expect(r.stdout).toContain('\x1b[');
  });

  it('--help names the option', () => {
    expect(runCli(['read', '--help']).stdout).toContain('--threads');
  });
});

describe('readThreads (how many threads read a capture)', () => {
  const flags = (threads: string, more: object = {}) => ({ threads, ...more });

  it('auto: several only for a regular file of 64 MiB or more on a machine with 4 cores or more', () => {
    const cores = availableParallelism();
    expect(readThreads(flags('auto'), fixture('plain.pcap'))).toBe(1);
    expect(readThreads(flags('auto'), join(dir, 'big.pcap'))).toBe(cores >= AUTO_MIN_CORES ? Math.min(cores, 4) : 1);
    expect(readThreads(flags('auto'), dir)).toBe(1);
    expect(readThreads(flags('auto'), join(dir, 'missing.pcap'))).toBe(1);
  });

  it('an explicit number is used for any file; stdin and --time delta always get one', () => {
    expect(readThreads(flags('3'), fixture('plain.pcap'))).toBe(3);
    expect(readThreads(flags('1'), join(dir, 'big.pcap'))).toBe(1);
    expect(readThreads(flags('3'), '-')).toBe(1);
    expect(readThreads(flags('3', { time: 'delta' }), fixture('plain.pcap'))).toBe(1);
    expect(readThreads(flags('3', { time: 'absolute' }), fixture('plain.pcap'))).toBe(3);
  });

  it('parseThreads', () => {
    expect([parseThreads(undefined), parseThreads('auto'), parseThreads('2'), parseThreads(3)]).toEqual([
      'auto',
      'auto',
      2,
      3,
    ]);
    for (const bad of ['x', '-2', '2.5', '', '100', '0', 0]) expect(() => parseThreads(bad)).toThrow(/--threads/);
  });
});
