// Start-up: the commands people type by hand (`hex`, `accept`) against Node's own start-up
// (`node -e 0`), in the same rounds; `--version` shows the yargs path the fast path avoids.
// Issue target: `wsinspect hex …` at most 2× `node -e 0`. Layer rule: bench/ — tooling.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureRounds, pairedRatio } from './lib/measure.js';
import { formatTable, ratio } from './lib/table.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WSINSPECT = join(ROOT, 'bin', 'wsinspect.js');
/** A small capture (12 frames): `wsinspect FILE` is start-up and the capture layer, not decoding. */
const CAPTURE = join(ROOT, 'fixtures', 'plain.pcap');
/** BENCH_BASE=DIR: hex and FILE of another build too (DIR holds bin/, dist/, node_modules/), in the same rounds. */
const BASE = process.env.BENCH_BASE ? join(process.env.BENCH_BASE, 'bin', 'wsinspect.js') : null;

export const benchmark = {
  name: 'startup',
  title: 'start-up of hex and accept (no yargs) and of the yargs path, against node -e 0',
  run,
};

function command(args, expect) {
  return () => {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.includes(expect))
      throw new Error(`${args.join(' ')}: exit ${r.status}, stdout lacks ${JSON.stringify(expect)}: ${r.stderr}`);
    return r.stdout;
  };
}

function run(ctx) {
  const runs = Math.max(ctx.runs, 15);
  const contenders = [
    { id: 'node', run: command(['-e', 'process.stdout.write("ok")'], 'ok'), check: () => {} },
    { id: 'hex', run: command([WSINSPECT, 'hex', '81', '00'], 'opcode'), check: () => {} },
    {
      id: 'accept',
      run: command([WSINSPECT, 'accept', 'dGhlIHNhbXBsZSBub25jZQ=='], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='),
      check: () => {},
    },
    { id: 'file', run: command([WSINSPECT, CAPTURE], 'connection 1 ended'), check: () => {} },
    { id: 'version', run: command([WSINSPECT, '--version'], '.'), check: () => {} },
  ];
  if (BASE !== null)
    contenders.push(
      { id: 'base-hex', run: command([BASE, 'hex', '81', '00'], 'opcode'), check: () => {} },
      { id: 'base-file', run: command([BASE, CAPTURE], 'connection 1 ended'), check: () => {} },
    );
  const m = measureRounds(contenders, { runs });
  const node = m.get('node');
  const row = (label, id) => [label, (m.get(id).median * 1000).toFixed(1), ratio(pairedRatio(m.get(id), node))];
  ctx.log(`\nstart-up, median of ${runs} rounds (each round runs every command once)`);
  ctx.log(
    formatTable([
      ['command', 'median ms', 'vs node -e 0'],
      row('node -e 0', 'node'),
      row('wsinspect hex 81 00', 'hex'),
      row('wsinspect accept KEY', 'accept'),
      row('wsinspect FILE (12 frames)', 'file'),
      row('wsinspect --version (yargs)', 'version'),
      ...(BASE === null
        ? []
        : [
            row(`hex 81 00 (${process.env.BENCH_BASE})`, 'base-hex'),
            row(`FILE (${process.env.BENCH_BASE})`, 'base-file'),
          ]),
    ]),
  );
  ctx.log('  target: hex at most 2× node -e 0; ratios are medians of per-round ratios');
}
