// Holds the layer table of the design (which src/ folder may import which, and that pure
// layers touch no I/O, clocks or chalk), that src/ has no import cycle, and that each type
// name in src/ names one type.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: ['protocol'],
  session: ['session', 'protocol'],
  capture: ['capture', 'protocol', 'session', 'errors.ts'],
  sources: ['sources', 'capture', 'session', 'protocol', 'filter', 'errors.ts'],
  render: ['render', 'protocol', 'session'],
  // the display-filter language: over session records; every consumer of events may compile one
  filter: ['filter', 'protocol', 'session'],
  // the debugger's engine: terminates WebSocket in the proxy's relay and changes traffic
  engine: ['engine', 'filter', 'sources', 'session', 'protocol', 'errors.ts'],
  // application views: decoders of the protocol inside messages; pure like session/, but they
  // may use a well-kept parser package (lossless-json, mqtt-packet…)
  views: ['views', 'protocol', 'session'],
  // the wiring: it opens sources (a parallel worker opens the file in its thread) and renders
  // through consumers; sources never import it back
  pipeline: [
    'pipeline',
    'engine',
    'sources',
    'capture',
    'session',
    'protocol',
    'render',
    'filter',
    'views',
    'errors.ts',
  ],
  // a capture file's compact index of frames (built by a worker) and decoding one row again by offset
  index: ['index', 'pipeline', 'sources', 'capture', 'session', 'protocol', 'filter', 'views', 'errors.ts'],
  // the interactive UI: screens over a store of rows (memory or a file's index) and a proxy's debugger
  ui: [
    'ui',
    'index',
    'pipeline',
    'engine',
    'sources',
    'capture',
    'session',
    'protocol',
    'render',
    'filter',
    'views',
    'errors.ts',
  ],
  cli: [
    'cli',
    'ui',
    'index',
    'pipeline',
    'engine',
    'sources',
    'capture',
    'session',
    'protocol',
    'render',
    'filter',
    'views',
    'errors.ts',
    'index.ts',
  ],
};

/**
 * Layers that may import another only for its types (`import type`, erased at run time): the
 * index's store implements the UI's contract (ui/model.ts), yet the UI is what runs the index.
 */
const TYPE_ONLY: Record<string, readonly string[]> = { index: ['ui'] };

const PURE = ['protocol', 'session', 'capture', 'render', 'filter'];
/** Pure too (no I/O, timers, clocks, chalk), but packages are allowed: parsers of application protocols. */
const PURE_WITH_PACKAGES = ['views'];
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

describe('architecture (layer table)', () => {
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
          if (TYPE_ONLY[layer]?.includes(targetLayer)) {
            const escaped = spec.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            const typeOnly = new RegExp(`^\\s*(?:import|export)\\s+type\\b[^'"]*?from\\s+['"]${escaped}['"]`, 'm');
            expect(typeOnly.test(file.source), `${file.rel} → ${target} (types only)`).toBe(true);
            continue;
          }
          expect(MAY_IMPORT[layer], `${file.rel} → ${target}`).toContain(targetLayer);
        } else if (PURE.includes(layer)) {
          if (spec.startsWith('node:'))
            expect(NODE_ALLOWED_IN_PURE.has(spec), `${file.rel} imports ${spec}`).toBe(true);
          else if (spec === 'chalk') expect(layer, `${file.rel} imports chalk`).toBe('render');
          else expect.fail(`${file.rel} imports package ${spec} in a pure layer`);
        } else if (PURE_WITH_PACKAGES.includes(layer)) {
          // node:module: createRequire, to load a parser package on first use (views/lazy-package.ts)
          if (spec.startsWith('node:'))
            expect(NODE_ALLOWED_IN_PURE.has(spec) || spec === 'node:module', `${file.rel} imports ${spec}`).toBe(true);
          else expect(spec, `${file.rel} imports chalk`).not.toBe('chalk');
        }
      }
    });
    if (PURE.includes(layer) || PURE_WITH_PACKAGES.includes(layer)) {
      it(`${file.rel} does no I/O, timers or clock reads`, () => {
        const code = file.source.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
        for (const pattern of FORBIDDEN_IN_PURE)
          expect(pattern.test(code), `${file.rel} matches ${pattern}`).toBe(false);
      });
    }
  }
});

/** Every module a file loads, type-only and dynamic `import()` included, as src/-relative paths. */
function dependenciesOf(file: { path: string; source: string }): string[] {
  const specs = [
    ...importsOf(file.source),
    ...[...file.source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]),
  ];
  return specs
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(SRC, join(file.path, '..', spec)).replace(/\.js$/, '.ts'));
}

/** The import cycles of a graph, one per strongly connected component (Tarjan), each as a path. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v))
      cycles.push(cycleThrough(graph, new Set(component), v));
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One closed path from start back to itself inside a component (breadth-first, so shortest). */
function cycleThrough(
  graph: ReadonlyMap<string, readonly string[]>,
  component: ReadonlySet<string>,
  start: string,
): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const w of graph.get(queue[i]) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = queue[i]; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, queue[i]);
        queue.push(w);
      }
    }
  }
  return [...component];
}

describe('import graph', () => {
  const graph = new Map(files.map((file) => [file.rel, dependenciesOf(file)]));

  it('resolves every relative import to a file in src/', () => {
    const missing = [...graph].flatMap(([rel, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${rel} → ${d}`));
    expect(missing).toEqual([]);
  });

  it('has no cycle in src/, not even through type-only or dynamic imports', () => {
    expect(importCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('the cycle check finds a cycle when there is one', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(importCycles(cyclic)).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['e.ts', 'e.ts'],
    ]);
  });
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
