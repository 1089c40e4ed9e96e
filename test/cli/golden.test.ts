// Golden outputs: the real CLI on each foundation case, colour off, text and JSON, compared
// with checked-in files. A missing file fails. UPDATE_GOLDEN=1 rewrites them (review the diff
// before committing), except under CI=true, where it fails every case.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli-run.js';
import { IN_CI } from '../helpers/tools.js';

const DIR = join(ROOT, 'test', 'golden');
const bin256 =
  '82 7e 01 00 ' + Array.from({ length: 256 }, (_, i) => (i & 0xff).toString(16).padStart(2, '0')).join(' ');
const bin65536 = '827f0000000000010000' + Buffer.alloc(65536, 0xab).toString('hex');

/** Arguments, and stdin where an argument would exceed the kernel's 128 KiB limit per argument. */
export const GOLDEN_CASES: Record<string, string[] | { args: string[]; input: string }> = {
  'compressed-masked-text': ['hex', 'c1 85 43 02 0a cf 71 36 3e cb 43'],
  'truncated-compressed-server': ['hex', 'c1 18 7a 36 a7 f7 69 d7 c2 a7 33 57 3c 9d 3d e9 ae 29 56 0a 86 86 86 00 00'],
  'rfc6455-unmasked-hello': ['hex', '81 05 48 65 6c 6c 6f'],
  'rfc6455-masked-hello': ['hex', '--explain', '81 85 37 fa 21 3d 7f 9f 4d 51 58'],
  'rfc6455-fragmented': ['hex', '01 03 48 65 6c 80 02 6c 6f'],
  'rfc6455-ping-pong': ['hex', '89 05 48 65 6c 6c 6f 8a 85 37 fa 21 3d 7f 9f 4d 51 58'],
  'rfc6455-binary-256': ['hex', '--max-payload', '64', bin256],
  'rfc6455-binary-65536': { args: ['hex', '--max-payload', '64', '-'], input: bin65536 },
  'rfc7692-hello-twice': ['hex', 'c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00'],
  'rfc7692-no-context-takeover': ['hex', '--no-context-takeover', 'c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00'],
  'close-bad-code': ['hex', '--from', 'server', '88 03 03 ed 41'],
  'accept-rfc-sample': ['accept', 'dGhlIHNhbXBsZSBub25jZQ=='],
};

const UPDATE = process.env.UPDATE_GOLDEN === '1';

function compare(name: string, actual: string): void {
  const path = join(DIR, name);
  if (UPDATE) {
    if (IN_CI) throw new Error('UPDATE_GOLDEN=1 under CI=true: CI compares golden files, it never rewrites them');
    mkdirSync(DIR, { recursive: true });
    if (!existsSync(path) || readFileSync(path, 'utf8') !== actual)
      console.warn(`UPDATE_GOLDEN=1: wrote test/golden/${name}`);
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path))
    throw new Error(
      `golden file test/golden/${name} is missing: write it with UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts, review it and commit it`,
    );
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden outputs (colour off)', () => {
  for (const [name, spec] of Object.entries(GOLDEN_CASES)) {
    const { args, input } = Array.isArray(spec) ? { args: spec, input: '' } : spec;
    it(`${name}: text`, () => {
      const r = runCli(['--no-color', ...args], { input });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      compare(`${name}.txt`, r.stdout);
    });
    it(`${name}: json`, () => {
      // --json prints every field already: --explain (text only) is refused with it
      const r = runCli([...args.filter((a) => a !== '--explain'), '--json'], { input });
      expect(r.status).toBe(0);
      for (const line of r.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      compare(`${name}.ndjson`, r.stdout);
    });
  }
});
