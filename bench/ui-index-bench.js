// The UI's store over a big capture (issue 14 "Large captures", issue 11 §2): a generated
// capture (the capture bench's generator) opened with IndexedStore in a child process —
// time to the first screen (first chunk of rows, first row's preview decoded by offset),
// index throughput against `wsinspect FILE --stats` on the same file, peak RSS of each, bytes
// of index per frame, and random access by offset (frames, messages). A compressed capture
// (permessage-deflate, context takeover) with deflate checkpoints off and on: what they cost
// while indexing (time, bytes) and what they buy for a message in the middle.
// Layer rule: bench/ — runs dist/ and the built CLI as a user would.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RSS_METHOD, runToDevNull } from './lib/child-run.js';
import { median } from './lib/measure.js';
import { generateCapture } from './lib/pcap-gen.js';
import { count, formatTable, mib, MIB } from './lib/table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WSINSPECT = join(HERE, '..', 'bin', 'wsinspect.js');
const CHILD = join(HERE, 'lib', 'ui-index-child.js');
const SEED = 0x1dec5;
const SAMPLES = 100;
/** The targets. */
const TARGET = { firstScreenMs: 1000, bytesPerFrame: 48, rssMiB: 300 };

export const benchmark = {
  name: 'ui-index',
  title:
    'indexed capture store: first screen, index throughput vs --stats, peak RSS, bytes per frame, access by offset',
  defaultMb: 256,
  run,
};

async function run(ctx) {
  const runs = process.env.BENCH_RUNS ? ctx.runs : 3;
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-ui-index-bench-'));
  ctx.log(`peak RSS: ${RSS_METHOD}; 1 MiB = 2^20 bytes; median of ${runs} rounds`);
  try {
    const plain = join(dir, 'plain.pcap');
    const t0 = Date.now();
    const summary = generateCapture({ path: plain, targetBytes: ctx.mb * MIB, seed: SEED });
    ctx.log(
      `input: ${plain.split('/').pop()} ${mib(summary.fileBytes)} MiB (generated in ${((Date.now() - t0) / 1000).toFixed(1)} s, seed 0x${SEED.toString(16)})`,
    );
    await compare(ctx, plain, runs, { every: 16, spacing: MIB });
    await frameCli(ctx, plain, runs, dir);
    const deflated = join(dir, 'deflate.pcap');
    const dmb = Math.max(16, Math.round(ctx.mb / 4));
    generateCapture({ path: deflated, targetBytes: dmb * MIB, seed: SEED, compressed: true });
    ctx.log(`\ncompressed input: ${dmb} MiB, permessage-deflate with context takeover on every data message`);
    await checkpoints(ctx, deflated, runs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function child(file, every, spacing) {
  const r = await runToDevNull(process.execPath, [CHILD, file, String(every), String(spacing), String(SAMPLES)]);
  const line = r.stderr.trim().split('\n').pop();
  return { ...JSON.parse(line), seconds: r.seconds, peakRss: r.peakRss };
}

async function compare(ctx, file, runs, { every, spacing }) {
  const idx = [];
  const stats = [];
  for (let i = 0; i < runs; i++) {
    // alternate which runs first, so neither always gets the warmer page cache
    const pair = i % 2 === 0 ? ['idx', 'stats'] : ['stats', 'idx'];
    for (const which of pair) {
      if (which === 'idx') idx.push(await child(file, every, spacing));
      else stats.push(await runToDevNull(process.execPath, [WSINSPECT, file, '--stats']));
    }
  }
  const size = (await import('node:fs')).statSync(file).size;
  const m = (xs, f) => median(xs.map(f));
  const last = idx[idx.length - 1];
  const indexS = m(idx, (r) => r.indexedMs / 1000);
  const statsS = m(stats, (r) => r.seconds);
  const perFrame = (last.frameColumnBytes + last.messageColumnBytes) / last.frames;
  const perFrameUsed = (34 * last.frames + 14 * last.messages) / last.frames;
  ctx.log(`${count(last.frames)} frames, ${count(last.messages)} messages, ${last.connections} connections`);
  ctx.log(
    formatTable([
      ['', 'median', 'target'],
      ['first chunk of rows (ms after open)', m(idx, (r) => r.firstChunkMs).toFixed(0), ''],
      [
        'first screen: row 1 decoded by offset (ms)',
        m(idx, (r) => r.firstRowMs).toFixed(0),
        `< ${TARGET.firstScreenMs}`,
      ],
      ['index: whole file (s)', indexS.toFixed(2), ''],
      ['index throughput (MiB/s)', (size / MIB / indexS).toFixed(1), ''],
      ['wsinspect FILE --stats (s, whole process)', statsS.toFixed(2), ''],
      ['--stats throughput (MiB/s)', (size / MIB / statsS).toFixed(1), ''],
      ['index time / --stats time', (indexS / statsS).toFixed(2), ''],
      ['peak RSS, indexed store process (MiB)', mib(m(idx, (r) => r.peakRss)), `< ${TARGET.rssMiB} on 1 GiB`],
      ['peak RSS, --stats (MiB)', mib(m(stats, (r) => r.peakRss)), ''],
      [
        'index bytes per frame (columns allocated, messages included)',
        perFrame.toFixed(1),
        `≤ ${TARGET.bytesPerFrame}`,
      ],
      ['index bytes per frame (rows used)', perFrameUsed.toFixed(1), ''],
      [`frame by offset, ${SAMPLES} random (ms, median / p95 / max)`, fmtAccess(last.frameAccess), ''],
      [`message by offset, ${SAMPLES} random (ms, median / p95 / max)`, fmtAccess(last.messageAccess), ''],
    ]),
  );
  ctx.log(
    `how frames were found: ${JSON.stringify(last.frameAccess.hows)}; messages: ${JSON.stringify(last.messageAccess.hows)}`,
  );
}

/**
 * `wsinspect FILE --frame CONN:INDEX -V` (issue 11 §2): reading up to the frame (--no-index)
 * against the first run with the index (built and saved) and the runs after (read from the
 * saved index), for frames a tenth, half and nine tenths into the file.
 */
async function frameCli(ctx, file, runs, dir) {
  const cache = join(dir, 'cache');
  const saved = process.env.WSINSPECT_CACHE_DIR;
  process.env.WSINSPECT_CACHE_DIR = cache;
  try {
    const { identify, indexPath, loadIndex } = await import('../dist/index/index-file.js');
    const { indexCacheDir } = await import('../dist/cli/index-cache.js');
    const frameArgs = (t, ...more) => [WSINSPECT, file, '--frame', t, '-V', ...more];
    // build once to learn the targets
    await runToDevNull(process.execPath, frameArgs('1:1', '--index'));
    const id = await identify(file, {});
    const loaded = await loadIndex(indexCacheDir(), id);
    if (!('state' in loaded)) throw new Error(`bench: no saved index (${loaded.why})`);
    const { frames } = loaded.state;
    const targets = [0.1, 0.5, 0.9].map((at) => {
      const row = Math.floor(frames.length * at);
      return { at, target: `${frames.conn.get(row)}:${frames.index.get(row)}` };
    });
    const indexBytes = statSync(indexPath(indexCacheDir(), id)).size;
    const rows = [
      [
        'frame (into the file)',
        '--no-index s',
        'first run: index built + saved s',
        'later runs s',
        'later vs --no-index',
      ],
    ];
    for (const { at, target } of targets) {
      const none = [];
      const first = [];
      const later = [];
      for (let i = 0; i < runs; i++) {
        none.push((await runToDevNull(process.execPath, frameArgs(target, '--no-index'))).seconds);
        rmSync(cache, { recursive: true, force: true });
        first.push((await runToDevNull(process.execPath, frameArgs(target))).seconds);
        later.push((await runToDevNull(process.execPath, frameArgs(target))).seconds);
      }
      const [n, f, l] = [median(none), median(first), median(later)];
      rows.push([
        `${target} (${at * 100}%)`,
        n.toFixed(2),
        f.toFixed(2),
        l.toFixed(3),
        `${(n / l).toFixed(1)}× faster`,
      ]);
    }
    ctx.log(
      `\nwsinspect FILE --frame CONN:INDEX -V (whole process; saved index ${mib(indexBytes)} MiB, ${(indexBytes / frames.length).toFixed(1)} B a frame)`,
    );
    ctx.log(formatTable(rows));
  } finally {
    if (saved === undefined) delete process.env.WSINSPECT_CACHE_DIR;
    else process.env.WSINSPECT_CACHE_DIR = saved;
  }
}

function fmtAccess(a) {
  return `${a.medianMs.toFixed(2)} / ${a.p95Ms.toFixed(2)} / ${a.maxMs.toFixed(2)} (${a.meanKiBRead.toFixed(0)} KiB read)`;
}

async function checkpoints(ctx, file, runs) {
  const rows = [
    [
      'checkpoints',
      'index s',
      'kept',
      'window MiB',
      'per checkpoint KiB',
      'message by offset ms (median / p95 / max)',
      'how',
    ],
  ];
  const settings = [
    ['off', 0, 0],
    ['every 16 msgs, ≥ 1 MiB apart', 16, MIB],
    ['every 16 msgs, ≥ 256 KiB apart', 16, 256 * 1024],
  ];
  for (const [label, every, spacing] of settings) {
    const rs = [];
    for (let i = 0; i < runs; i++) rs.push(await child(file, every, spacing));
    const last = rs[rs.length - 1];
    rows.push([
      label,
      median(rs.map((r) => r.indexedMs / 1000)).toFixed(2),
      count(last.checkpoints),
      mib(last.checkpointBytes, 2),
      last.checkpoints === 0 ? '–' : (last.checkpointBytes / last.checkpoints / 1024).toFixed(1),
      fmtAccess(last.messageAccess),
      JSON.stringify(last.messageAccess.hows),
    ]);
  }
  ctx.log(formatTable(rows));
}
