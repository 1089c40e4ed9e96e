// Child-process entry: runs one benchmark file in a fresh node (own heap, own JIT state), so
// one benchmark's garbage and optimisations never colour another's figures.
// Usage: node [flags] bench/lib/run-one.js <bench file>. Layer rule: bench/ — tooling.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { contextFromEnv } from './context.js';

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node bench/lib/run-one.js <bench/xxx-bench.js>');
  process.exit(2);
}
const { benchmark } = await import(pathToFileURL(resolve(file)).href);
const ctx = contextFromEnv(benchmark);
ctx.log(
  `\n== ${benchmark.name}: ${benchmark.title}${typeof globalThis.gc === 'function' ? '' : ' (no --expose-gc: GC not settled between runs)'}`,
);
await benchmark.run(ctx);
