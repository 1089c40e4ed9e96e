// The README is the user's manual: its quick start must be what the issue says, and its
// table of diagnostic codes must list exactly the catalogue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CATALOGUE } from '../src/protocol/diagnostic-catalogue.js';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('quick start is npm install, npx wsinspect …, npm test', () => {
    const quick = README.slice(README.indexOf('## Quick start'));
    const block = quick
      .slice(quick.indexOf('```sh') + 5, quick.indexOf('```', quick.indexOf('```sh') + 5))
      .trim()
      .split('\n');
    expect(block[0]).toBe('npm install');
    expect(block.at(-1)).toBe('npm test');
    expect(block.some((l) => l.startsWith('npx wsinspect '))).toBe(true);
  });

  it('lists every diagnostic code with its severity, and no code that does not exist', () => {
    const rows = [...README.matchAll(/^\| `([a-z0-9.-]+)` \| (error|warning|note) \|/gm)].map((m) => [m[1], m[2]]);
    const catalogue = Object.entries(DIAGNOSTIC_CATALOGUE).map(([code, e]) => [code, e.severity]);
    expect(rows).toEqual(catalogue);
  });
});
