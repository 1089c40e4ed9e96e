// What the process does at its edges: its own version wherever it runs, and a full disk.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-run.js';

const BIN = join(ROOT, 'bin', 'wsinspect.js');
const OWN_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the process', () => {
  it("--version prints wsinspect's version, also inside another npm project", () => {
    const other = mkdtempSync(join(tmpdir(), 'wsinspect-other-'));
    try {
      writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'someone-else', version: '9.9.9' }));
      const r = spawnSync(process.execPath, [BIN, '--version'], { cwd: other, encoding: 'utf8' });
      expect(r.stdout.trim()).toBe(OWN_VERSION);
      expect(r.status).toBe(0);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it.each([
    [['hex', '--max-payload', 'abc', '81 00'], '--max-payload: "abc" is not a whole number of bytes'],
    [['hex', '--max-payload', '1.5', '81 00'], '--max-payload: "1.5" is not a whole number of bytes'],
    [['hex', '--window-bits', '16', '81 00'], '--window-bits: "16" is not a whole number from 8 to 15'],
    [
      [join(ROOT, 'fixtures', 'plain.pcap'), '--max-payload', '-1'],
      '--max-payload: "-1" is not a whole number of bytes',
    ],
    [['demo', '--pace', 'soon'], '--pace: "soon" is not a number of milliseconds ≥ 0'],
  ])('a bad number names what was typed: %j', (args, message) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    expect(r.stderr.split('\n')[0]).toBe(`wsinspect: ${message}`);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  it.runIf(process.platform === 'linux')(
    'a full disk (/dev/full) is one line on stderr and exit status 1',
    () => {
      for (const args of [
        [join(ROOT, 'fixtures', 'plain.pcap')],
        [join(ROOT, 'fixtures', 'interleaved.pcap'), '--threads', '2'],
        ['hex', '81 05 48 65 6c 6c 6f'],
      ]) {
        const full = openSync('/dev/full', 'w');
        try {
          const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
          expect(r.stderr).toBe('wsinspect: cannot write the output: ENOSPC: no space left on device, write\n');
          expect(r.status).toBe(1);
        } finally {
          closeSync(full);
        }
      }
    },
    60_000,
  );
});
