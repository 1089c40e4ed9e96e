// Capture benchmark (issue 3): generated pcap captures with a realistic WebSocket mix, timed
// through `wsinspect FILE --json > /dev/null`, `wsinspect FILE > /dev/null` and, on the same
// file, `tshark -Y websocket -T json` and `-T fields`: MiB/s, frames/s, peak RSS, ratios and
// the issue's targets. Every figure names the file it comes from. Layer rule: bench/ — runs
// the built CLI (bin/wsinspect.js over dist/) as a user would.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RSS_METHOD, runToDevNull } from './lib/child-run.js';
import { countOurFrameLines, countTsharkFrames, verifyOurJson } from './lib/capture-verify.js';
import { median, pairedRatio, timeOnce } from './lib/measure.js';
import { generateCapture } from './lib/pcap-gen.js';
import { count, formatTable, mib, ratio, MIB } from './lib/table.js';

const WSINSPECT = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'wsinspect.js');
const TARGET = { json: 20, fields: 15, compressed: 5, rssMiB: 200 };
const SEED = 0xc0ffee;

export const benchmark = {
  name: 'capture',
  title: 'pcap captures: wsinspect vs tshark (throughput, frames/s, peak RSS)',
  defaultMb: 500,
  run,
};

function envNumber(name, fallback) {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

const ours = (id, label, extra) => ({ id, label, cmd: process.execPath, args: (f) => [WSINSPECT, f, ...extra] });
const tshark = (id, label, extra) => ({
  id,
  label,
  cmd: 'tshark',
  args: (f) => ['-n', '-r', f, '-Y', 'websocket', ...extra],
});
const CONTENDERS = {
  json: ours('json', 'wsinspect FILE --json', ['--json']),
  text: ours('text', 'wsinspect FILE', []),
  // the same listing by two worker threads (--threads auto uses them only from 4 cores)
  text2: ours('text2', 'wsinspect FILE --threads 2', ['--threads', '2']),
  tsharkJson: tshark('tsharkJson', 'tshark -T json', ['-T', 'json']),
  tsharkFields: tshark('tsharkFields', 'tshark -T fields', [
    '-T',
    'fields',
    '-e',
    'websocket.opcode',
    '-e',
    'websocket.payload_length',
  ]),
};

async function run(ctx) {
  // tshark -T json is the slowest contender by far (figures: bench/README.md), so 3 rounds
  // unless BENCH_RUNS says otherwise
  const runs = process.env.BENCH_RUNS ? ctx.runs : 3;
  const hasTshark = spawnSync('tshark', ['--version']).status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-capture-bench-'));
  ctx.log(
    `peak RSS: ${RSS_METHOD}; 1 MiB = 2^20 bytes; rates from the median of ${runs} rounds (order rotated per round)`,
  );
  ctx.log(`ratios: median over rounds of (tshark time / wsinspect time) in the same round, on the same file`);
  const rssMode = process.env.BENCH_RSS ?? '';
  try {
    if (rssMode !== 'only') await sameFile(ctx, dir, { runs, hasTshark });
    if (rssMode === '1' || rssMode === 'only') await peakRss(ctx, dir, hasTshark);
    else ctx.log('\n(peak RSS target on a 1 GiB capture: run with BENCH_RSS=1, or BENCH_RSS=only for that part alone)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Section A: wsinspect and tshark on the same BENCH_MB captures, plain and compressed: the ratios and targets. */
async function sameFile(ctx, dir, { runs, hasTshark }) {
  const ids = hasTshark ? ['json', 'text', 'text2', 'tsharkJson', 'tsharkFields'] : ['json', 'text', 'text2'];
  if (!hasTshark) ctx.log('\ntshark not found (Debian package tshark): the ratios and the targets are skipped');
  ctx.log(`\n## A. Same file: ${ctx.mb} MiB captures (BENCH_MB), every command on each`);
  const plain = await section(ctx, dir, { name: 'plain', mb: ctx.mb, compressed: false, runs, ids });
  const comp = await section(ctx, dir, { name: 'deflate', mb: ctx.mb, compressed: true, runs, ids });
  if (hasTshark) targets(ctx, plain, comp);
}

/** Section B: one run each on 1 GiB captures, plain and compressed ("whatever it holds"). */
async function peakRss(ctx, dir, hasTshark) {
  const rssMb = envNumber('BENCH_RSS_MB', 1024);
  ctx.log(`\n## B. Peak RSS on ${rssMb} MiB captures (BENCH_RSS, BENCH_RSS_MB), one run each`);
  for (const compressed of [false, true]) {
    const ids = hasTshark ? ['json', 'text', 'tsharkFields'] : ['json', 'text'];
    const name = compressed ? 'rss-deflate' : 'rss-plain';
    const r = await section(ctx, dir, { name, mb: rssMb, compressed, runs: 1, ids });
    const worst = Math.max(r.results.get('json').peakRss, r.results.get('text').peakRss);
    ctx.log(
      `target: wsinspect peak RSS ≤ ${TARGET.rssMiB} MiB on this capture → ${met(worst <= TARGET.rssMiB * MIB)} (${mib(worst)} MiB, worse of --json and default)`,
    );
  }
}

/** Generates one capture, verifies every contender's answer on it, times them, prints a table. */
async function section(ctx, dir, { name, mb, compressed, runs, ids }) {
  const path = join(dir, `${name}.pcap`);
  const [genSeconds, summary] = timeOnce(() =>
    generateCapture({ path, targetBytes: mb * MIB, seed: SEED, compressed }),
  );
  describe(ctx, name, summary, genSeconds);
  await verify(ctx, summary, ids);
  warmPageCache(path);
  const contenders = ids.map((id) => CONTENDERS[id]);
  const results = new Map(contenders.map((c) => [c.id, { seconds: [], peakRss: 0, median: 0 }]));
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(round + i) % contenders.length];
      const r = await runToDevNull(c.cmd, c.args(path));
      const entry = results.get(c.id);
      entry.seconds.push(r.seconds);
      entry.peakRss = Math.max(entry.peakRss, r.peakRss);
    }
  }
  for (const entry of results.values()) entry.median = median(entry.seconds);
  const rows = [['command (file: ' + name + ')', 'median s', 'MiB/s', 'frames/s', 'peak RSS MiB', 'spread']];
  for (const c of contenders) {
    const r = results.get(c.id);
    const spread = (Math.max(...r.seconds) - Math.min(...r.seconds)) / 2 / r.median;
    rows.push([
      `${c.label} > /dev/null`,
      r.median.toFixed(2),
      (summary.fileBytes / MIB / r.median).toFixed(1),
      count(summary.frames / r.median),
      mib(r.peakRss),
      `±${(spread * 100).toFixed(1)}%`,
    ]);
  }
  ctx.log(formatTable(rows));
  if (runs > 1 && ids.includes('text')) await twoAtOnce(ctx, path, runs, results.get('text').median);
  rmSync(path, { force: true }); // up to 1 GiB each: keep at most one on disk
  return { name, summary, results };
}

function describe(ctx, name, s, genSeconds) {
  ctx.log(
    `\nfile ${name}.pcap: ${mib(s.fileBytes)} MiB, ${count(s.packets)} packets, ${s.connections.length} connections, ` +
      `${count(s.frames)} frames, ${count(s.messages)} data messages (${mib(s.dataBytes)} MiB of application data)` +
      `${s.compressed ? `, permessage-deflate with context takeover on every data message, ${count(s.fragmentedCompressed)} of them fragmented` : ', no extensions'}` +
      ` (generated in ${genSeconds.toFixed(1)} s, seed 0x${SEED.toString(16)})`,
  );
  ctx.log(
    formatTable(
      [
        ['kind', 'messages', 'frames', 'payload MiB'],
        ...s.kinds.map((k) => [k.name, count(k.messages), count(k.frames), mib(k.payloadBytes, 2)]),
      ],
      '    ',
    ),
  );
}

async function verify(ctx, summary, ids) {
  const notes = [];
  const frames = await verifyOurJson(WSINSPECT, summary);
  notes.push(
    `wsinspect --json: all ${count(frames)} frames, every message and ping/pong payload (SHA-256) as generated`,
  );
  if (ids.includes('text')) {
    const lines = await countOurFrameLines(WSINSPECT, summary.path);
    if (lines !== summary.frames)
      throw new Error(`wsinspect default output printed ${lines} frame lines, generated ${summary.frames}`);
    notes.push(`default output: ${count(lines)} frame lines`);
  }
  if (ids.includes('tsharkFields')) {
    const t = await countTsharkFrames(summary.path);
    if (t.frames !== summary.frames)
      throw new Error(`tshark found ${t.frames} WebSocket frames, generated ${summary.frames}`);
    notes.push(
      `tshark: ${count(t.frames)} frames` +
        (summary.compressed
          ? `, but "Decompression failed" on ${count(t.inflateFailed)} (it loses its inflate context after the first fragmented compressed message; wsinspect inflated them all correctly, above)`
          : ''),
    );
  }
  ctx.log(`verified: ${notes.join('; ')}`);
}

/**
 * What a second core is worth on this machine for this work: two default listings of the
 * same file at once, against one alone. 2.00× is two real cores; a lower figure (shared
 * caches, memory bandwidth, vCPUs that are hyperthreads) bounds what any parallel design,
 * --threads included, can gain here.
 */
async function twoAtOnce(ctx, path, runs, single) {
  const c = CONTENDERS.text;
  const seconds = [];
  for (let round = 0; round < runs; round++) {
    const pair = await Promise.all([runToDevNull(c.cmd, c.args(path)), runToDevNull(c.cmd, c.args(path))]);
    seconds.push(Math.max(pair[0].seconds, pair[1].seconds));
  }
  const both = median(seconds);
  ctx.log(
    `two '${c.label}' at once: ${both.toFixed(2)} s (median) against ${single.toFixed(2)} s alone → the machine's ${cpus().length} cores do ${((2 * single) / both).toFixed(2)}× the work of one (2.00× would be ideal)`,
  );
}

/** The capture was just written, but read it once so no contender pays for the first disk read. */
function warmPageCache(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 * MIB);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
}

const met = (ok) => (ok ? 'met' : 'NOT met');

function targets(ctx, plain, comp) {
  const line = (label, section, oursId, theirsId, want) => {
    const r = pairedRatio(section.results.get(theirsId), section.results.get(oursId));
    ctx.log(`target: ${label} ≥ ${want}× → ${met(r >= want)} (${ratio(r)}, file ${section.name}.pcap)`);
  };
  ctx.log('');
  line('wsinspect --json vs tshark -T json', plain, 'json', 'tsharkJson', TARGET.json);
  line('wsinspect default output vs tshark -T fields', plain, 'text', 'tsharkFields', TARGET.fields);
  line(
    'wsinspect default output vs tshark -T fields, compressed capture',
    comp,
    'text',
    'tsharkFields',
    TARGET.compressed,
  );
  const r = pairedRatio(comp.results.get('tsharkFields'), comp.results.get('json'));
  ctx.log(`        (compressed capture, wsinspect --json vs tshark -T fields: ${ratio(r)})`);
  const two = (section) => ratio(pairedRatio(section.results.get('tsharkFields'), section.results.get('text2')));
  ctx.log(`        (wsinspect --threads 2 vs tshark -T fields: ${two(plain)} plain, ${two(comp)} compressed)`);
}
