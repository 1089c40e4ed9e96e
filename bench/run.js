// `npm run bench`: runs every bench/*-bench.js (each exports `benchmark` = { name, title,
// defaultMb?, nodeFlags?, run(ctx) }) in its own node process, in name order. Arguments
// filter by name: `npm run bench -- decoder`. Exit status is non-zero when any benchmark
// failed (including a decoder that decoded wrong). Layer rule: bench/ — tooling.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RUN_ONE = join(BENCH_DIR, 'lib', 'run-one.js');
// Large inputs live in Buffers (outside the JS heap) but decoders make garbage fast; a
// roomy heap keeps GC pressure from the heap limit out of the figures.
const DEFAULT_FLAGS = ['--max-old-space-size=4096', '--expose-gc'];

const filters = process.argv.slice(2);
const files = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith('-bench.js'))
  .sort();
let failed = 0;
let ran = 0;
for (const file of files) {
  const path = join(BENCH_DIR, file);
  const { benchmark } = await import(pathToFileURL(path).href);
  if (benchmark === undefined || typeof benchmark.run !== 'function') {
    console.error(`${file}: does not export \`benchmark\` with a run() function`);
    failed++;
    continue;
  }
  if (filters.length > 0 && !filters.some((f) => benchmark.name.includes(f))) continue;
  ran++;
  const flags = [...DEFAULT_FLAGS, ...(benchmark.nodeFlags ?? [])];
  const child = spawnSync(process.execPath, [...flags, RUN_ONE, path], { stdio: 'inherit' });
  if (child.status !== 0) {
    console.error(`\nbenchmark ${benchmark.name} failed (${child.signal ?? `exit ${child.status}`})`);
    failed++;
  }
}
if (ran === 0 && failed === 0) {
  console.error(`no benchmark matched ${filters.join(', ')}`);
  process.exit(2);
}
process.exit(failed === 0 ? 0 : 1);
