// Holds the layer table of ../shared/DESIGN.md: which src/ folder may import which, and that
// pure layers touch no I/O, clocks or chalk.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: ['protocol'],
  session: ['session', 'protocol'],
  capture: ['capture', 'protocol', 'session', 'errors.ts'],
  sources: ['sources', 'capture', 'session', 'protocol', 'errors.ts'],
  render: ['render', 'protocol', 'session'],
  cli: ['cli', 'sources', 'capture', 'session', 'protocol', 'render', 'errors.ts', 'index.ts'],
};

const PURE = ['protocol', 'session', 'capture', 'render'];
const NODE_ALLOWED_IN_PURE = new Set(['node:buffer', 'node:zlib', 'node:crypto']);
const FORBIDDEN_IN_PURE = [
  /\bDate\.now\(/,
  /\bnew Date\(\)/,
  /\bsetTimeout\(/,
  /\bsetInterval\(/,
  /\bprocess\./,
  /\bEventEmitter\b/,
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  return [
    ...source.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
  ].map((m) => m[1]);
}

const files = walk(SRC).map((path) => ({ path, rel: relative(SRC, path), source: readFileSync(path, 'utf8') }));

describe('architecture (DESIGN.md layer table)', () => {
  it('finds the source files, and their imports (so the checks below are not vacuous)', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files.flatMap((f) => importsOf(f.source)).filter((s) => s.startsWith('.')).length).toBeGreaterThan(200);
    expect(files.flatMap((f) => importsOf(f.source)).filter((s) => s.startsWith('node:')).length).toBeGreaterThan(10);
  });

  for (const file of files) {
    const layer = file.rel.includes('/') ? file.rel.split('/')[0] : null;
    if (layer === null) continue;
    it(`${file.rel} imports only what its layer may`, () => {
      for (const spec of importsOf(file.source)) {
        if (spec.startsWith('.')) {
          const target = relative(SRC, join(file.path, '..', spec)).replace(/\.js$/, '.ts');
          const targetLayer = target.includes('/') ? target.split('/')[0] : target;
          expect(MAY_IMPORT[layer], `${file.rel} → ${target}`).toContain(targetLayer);
        } else if (PURE.includes(layer)) {
          if (spec.startsWith('node:'))
            expect(NODE_ALLOWED_IN_PURE.has(spec), `${file.rel} imports ${spec}`).toBe(true);
          else if (spec === 'chalk') expect(layer, `${file.rel} imports chalk`).toBe('render');
          else expect.fail(`${file.rel} imports package ${spec} in a pure layer`);
        }
      }
    });
    if (PURE.includes(layer)) {
      it(`${file.rel} does no I/O, timers or clock reads`, () => {
        const code = file.source.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
        for (const pattern of FORBIDDEN_IN_PURE)
          expect(pattern.test(code), `${file.rel} matches ${pattern}`).toBe(false);
      });
    }
  }
});

/** Type, interface, class and enum declarations of a file (exported or not), by name. */
function declaredTypes(source: string): string[] {
  return [
    ...source.matchAll(
      /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+|const\s+)?(?:interface|type|class|enum)\s+([A-Za-z_$][\w$]*)/gm,
    ),
  ].map((m) => m[1]);
}

describe('names', () => {
  it('each type name in src/ names one type', () => {
    const where = new Map<string, string[]>();
    for (const file of files)
      for (const name of declaredTypes(file.source)) where.set(name, [...(where.get(name) ?? []), file.rel]);
    const twice = [...where].filter(([, rels]) => rels.length > 1).map(([name, rels]) => `${name}: ${rels.join(', ')}`);
    expect(twice).toEqual([]);
  });
});
