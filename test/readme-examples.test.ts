// The README's command examples are run as a user would run them, and what they print must be
// what the README shows: an example goes stale the day its output changes. A line that is only
// "…" stands for any number of lines. Examples that need a live peer (proxy, demo, tcpdump) are
// covered by their own tests and listed here as such.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli-run.js';
import { toolMissing, IN_CI } from './helpers/tools.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Example {
  readonly line: number;
  readonly commands: string[];
  readonly output: string[];
}

/** Runs of `$ command` lines in fenced blocks, each with the lines it printed. */
function examples(text: string): Example[] {
  const out: Example[] = [];
  const lines = text.split('\n');
  let inBlock = false;
  let current: Example | null = null;
  lines.forEach((line, i) => {
    if (line.startsWith('```')) {
      if (current !== null) out.push(current);
      current = null;
      inBlock = !inBlock;
      return;
    }
    if (!inBlock) return;
    if (line.startsWith('$ ')) {
      if (current !== null && current.output.length > 0) {
        out.push(current);
        current = null;
      }
      if (current === null) current = { line: i + 1, commands: [], output: [] };
      current.commands.push(line.slice(2).replace(/\s+#\s.*$/, ''));
    } else if (current !== null) {
      current.output.push(line);
    }
  });
  return out;
}

/** Needs a peer that a README example cannot bring: tested elsewhere. */
const LIVE = /\b(proxy|demo|tcpdump|sudo)\b/;
/** Needs a 128 MiB capture the repository does not ship: --frame's saved index, tested in test/cli/frame-index-cli.test.ts. */
const BIG = /\bcapture-128m\.pcap\b/;

/** `expected` with "…" lines as wildcards, against `actual`, line by line (trailing spaces ignored). */
function matches(expected: string[], actual: string[]): boolean {
  const e = expected.map((l) => l.trimEnd());
  const a = actual.map((l) => l.trimEnd());
  const go = (i: number, j: number): boolean => {
    if (i === e.length) return j === a.length;
    if (e[i] === '…') {
      for (let k = j; k <= a.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    return j < a.length && e[i] === a[j] && go(i + 1, j + 1);
  };
  return go(0, 0);
}

const work = mkdtempSync(join(tmpdir(), 'wsinspect-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bin = join(work, 'bin');
mkdirSync(bin);
writeFileSync(
  join(bin, 'wsinspect'),
  `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'wsinspect.js')}" "$@"\n`,
);
chmodSync(join(bin, 'wsinspect'), 0o755);
symlinkSync(join(ROOT, 'fixtures'), join(work, 'fixtures'));

const all = examples(README);

describe('README examples print what the README shows', () => {
  it('finds the examples', () => {
    expect(all.filter((x) => !LIVE.test(x.commands.join('\n'))).length).toBeGreaterThan(8);
  });

  for (const example of all) {
    const script = example.commands.join('\n');
    const title = `line ${example.line}: ${example.commands.at(-1)}`;
    if (LIVE.test(script) || BIG.test(script)) continue;
    it(title, (ctx) => {
      if (/\btshark\b/.test(script) && toolMissing('tshark') !== null) {
        if (IN_CI) throw new Error(toolMissing('tshark')!);
        ctx.skip();
      }
      let printed: string;
      try {
        printed = execFileSync('bash', ['-c', script + ' 2>&1'], {
          cwd: work,
          encoding: 'utf8',
          env: {
            ...process.env,
            PATH: `${bin}:${process.env.PATH}`,
            NO_COLOR: '1',
            FORCE_COLOR: undefined,
            COLUMNS: '100',
          },
          maxBuffer: 64 << 20,
        });
      } catch (e) {
        printed = String((e as { stdout?: string }).stdout ?? '');
      }
      const actual = printed.split('\n');
      while (actual.length > 0 && actual.at(-1)!.trim() === '') actual.pop();
      const expected = [...example.output];
      while (expected.length > 0 && expected.at(-1)!.trim() === '') expected.pop();
      if (!matches(expected, actual)) expect(actual.join('\n')).toBe(expected.join('\n'));
    });
  }
});
