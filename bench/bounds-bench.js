// What the tests bound by work and must not time, timed here against a peer in the same run:
// the frame-chain scanner over a run of zero bytes (its tests count byte reads) against one
// plain pass over the same bytes, and `wsinspect FILE -V --threads 2 | head -1` (its test
// bounds the bytes read) against Node's own start-up (`node -e 0`) and the whole listing.
// Layer rule: bench/ — tooling; imports the compiled code from dist/.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameChainScanner } from '../dist/protocol/frame-chain-scanner.js';
import { MAX_SCAN_BYTES } from '../dist/capture/websocket-detector.js';
import { measureRounds, pairedRatio } from './lib/measure.js';
import { generateCapture } from './lib/pcap-gen.js';
import { formatTable, mib, ratio, MIB } from './lib/table.js';

const WSINSPECT = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'wsinspect.js');

export const benchmark = {
  name: 'bounds',
  title: 'what tests bound by work: zero bytes through the frame scanner, `| head -1` with --threads 2',
  defaultMb: 20,
  run,
};

function run(ctx) {
  scanner(ctx);
  headOne(ctx);
}

/** One JS pass reading every byte: the least any scan of the bytes can cost. */
function onePass(bytes) {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum += bytes[i];
  return sum;
}

function scanner(ctx) {
  ctx.log(`\nFrameChainScanner.scan over zero bytes (no frame can start there), median of ${ctx.runs} rounds`);
  const rows = [['bytes', 'scan ms', 'scan ms per MiB', 'one pass ms', 'scan ÷ one pass']];
  for (const size of [1 * MIB, 4 * MIB]) {
    const zeros = new Uint8Array(size);
    const contenders = [
      {
        id: 'scan',
        run: () => {
          const s = new FrameChainScanner(false, 0, MAX_SCAN_BYTES);
          s.scan(zeros, zeros.length, 0);
          return s.best(1);
        },
        check: (best) => {
          if (best !== null) throw new Error('zero bytes were taken for frames');
        },
      },
      {
        id: 'pass',
        run: () => onePass(zeros),
        check: (sum) => {
          if (sum !== 0) throw new Error('the zero bytes were not zero');
        },
      },
    ];
    const m = measureRounds(contenders, { runs: ctx.runs });
    const scan = m.get('scan');
    const pass = m.get('pass');
    rows.push([
      `${mib(size, 0)} MiB`,
      (scan.median * 1000).toFixed(1),
      ((scan.median * 1000 * MIB) / size).toFixed(1),
      (pass.median * 1000).toFixed(2),
      ratio(pairedRatio(scan, pass)),
    ]);
  }
  ctx.log(formatTable(rows));
  ctx.log('  a scan linear in the run costs about the same per MiB at both sizes (the tests count its byte reads)');
}

/** Runs a shell command line; throws unless it exits 0 with nothing on stderr. */
function shell(line) {
  const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0 || r.stderr !== '') throw new Error(`${line}: exit ${r.status}, stderr ${r.stderr}`);
  return r.stdout;
}

function headOne(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-bounds-bench-'));
  try {
    const file = join(dir, 'plain.pcap');
    generateCapture({ path: file, targetBytes: ctx.mb * MIB, seed: 11 });
    const ws = `"${process.execPath}" "${WSINSPECT}" "${file}" -V --threads 2`;
    const contenders = [
      {
        id: 'head',
        run: () => shell(`${ws} | head -1; exit \${PIPESTATUS[0]}`),
        check: (out) => {
          if (out.split('\n').filter((l) => l !== '').length !== 1) throw new Error('| head -1 did not print one line');
        },
      },
      { id: 'node', run: () => shell(`"${process.execPath}" -e 0`), check: () => {} },
      { id: 'whole', run: () => shell(`${ws} > /dev/null`), check: () => {} },
    ];
    const m = measureRounds(contenders, { runs: ctx.runs });
    const head = m.get('head');
    ctx.log(
      `\n\`wsinspect FILE -V --threads 2 | head -1\` on a ${ctx.mb} MiB generated capture, median of ${ctx.runs} rounds`,
    );
    ctx.log(
      formatTable([
        ['command', 'median s', 'vs node -e 0', 'vs | head -1'],
        ['wsinspect … | head -1', head.median.toFixed(3), ratio(pairedRatio(head, m.get('node'))), ratio(1)],
        ['node -e 0', m.get('node').median.toFixed(3), ratio(1), ratio(pairedRatio(m.get('node'), head))],
        [
          'wsinspect … > /dev/null',
          m.get('whole').median.toFixed(3),
          ratio(pairedRatio(m.get('whole'), m.get('node'))),
          ratio(pairedRatio(m.get('whole'), head)),
        ],
      ]),
    );
    ctx.log('  ratios: median over rounds of (time of the row ÷ time of the column) in the same round');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
