// Display-filter benchmark (issue 12): what -Y costs on the capture benchmark's plain capture
// (same generator, same seed): `wsinspect FILE` against the same listing with
// -Y 'opcode == text && len > 100' (the figure: at most 15% over the listing without
// a filter) and with -Y 'len >= 0' (every frame passes: the same lines printed, so the
// difference is the filter's own work alone). Untimed first: the filtered listings print
// exactly the frame and message lines --json says they must. Layer rule: bench/ — runs the
// built CLI (bin/wsinspect.js over dist/) as a user would.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLines } from './lib/child-run.js';
import { median, pairedRatio, timeOnce } from './lib/measure.js';
import { generateCapture } from './lib/pcap-gen.js';
import { count, formatTable, mib, MIB } from './lib/table.js';

const WSINSPECT = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'wsinspect.js');
const SEED = 0xc0ffee;
const EXPR = 'opcode == text && len > 100';
const ALL = 'len >= 0';
const TARGET_OVERHEAD = 0.15;

export const benchmark = {
  name: 'filter',
  title: "-Y display filters: 'opcode == text && len > 100' against the same listing without a filter",
  defaultMb: 500,
  run,
};

const GNU_TIME = '/usr/bin/time';

/**
 * `node wsinspect ARGS > /dev/null`: wall seconds and, with GNU time, CPU seconds (user +
 * system). CPU time is the figure the target is judged on: on a shared 2-core machine the
 * wall time of one run swings by a third with the other processes' load, its CPU time far less.
 */
function runTimed(args, dir) {
  const devNull = openSync('/dev/null', 'w');
  const out = join(dir, 'time');
  const viaTime = existsSync(GNU_TIME);
  const [cmd, argv] = viaTime
    ? [GNU_TIME, ['-f', '%U %S', '-o', out, process.execPath, WSINSPECT, ...args]]
    : [process.execPath, [WSINSPECT, ...args]];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ['ignore', devNull, 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      closeSync(devNull);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`wsinspect ${args.join(' ')} exited with ${code}`));
      const cpu = viaTime
        ? readFileSync(out, 'utf8')
            .trim()
            .split(/\s+/)
            .slice(-2)
            .reduce((a, b) => a + Number(b), 0)
        : null;
      resolve({ seconds, cpu });
    });
  });
}

const CONTENDERS = [
  { id: 'none', label: 'wsinspect FILE', extra: [] },
  { id: 'expr', label: `wsinspect FILE -Y '${EXPR}'`, extra: ['-Y', EXPR] },
  { id: 'all', label: `wsinspect FILE -Y '${ALL}'`, extra: ['-Y', ALL] },
];

const LINE = /^ *\d+\.\d{6} \[\d+\] \S+ [→←] \S+ (#\d+ |(text|binary) message from )/;

async function run(ctx) {
  const runs = ctx.runs;
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-filter-bench-'));
  try {
    const path = join(dir, 'plain.pcap');
    const [genSeconds, s] = timeOnce(() => generateCapture({ path, targetBytes: ctx.mb * MIB, seed: SEED }));
    ctx.log(
      `file plain.pcap: ${mib(s.fileBytes)} MiB, ${count(s.frames)} frames, ${count(s.messages)} data messages, no extensions (generated in ${genSeconds.toFixed(1)} s, seed 0x${SEED.toString(16)})`,
    );
    await verify(ctx, path);
    const results = new Map(CONTENDERS.map((c) => [c.id, { seconds: [], cpu: [] }]));
    for (let round = 0; round < runs; round++) {
      for (let i = 0; i < CONTENDERS.length; i++) {
        const c = CONTENDERS[(round + i) % CONTENDERS.length];
        const r = await runTimed([path, ...c.extra], dir);
        results.get(c.id).seconds.push(r.seconds);
        results.get(c.id).cpu.push(r.cpu);
      }
    }
    const hasCpu = results.get('none').cpu[0] !== null;
    const rows = [
      ['command > /dev/null', 'median s', 'MiB/s', 'frames/s', 'spread', ...(hasCpu ? ['CPU s', 'CPU spread'] : [])],
    ];
    const spreadOf = (xs) => `±${(((Math.max(...xs) - Math.min(...xs)) / 2 / median(xs)) * 100).toFixed(1)}%`;
    for (const c of CONTENDERS) {
      const r = results.get(c.id);
      const m = median(r.seconds);
      rows.push([
        c.label,
        m.toFixed(2),
        (s.fileBytes / MIB / m).toFixed(1),
        count(s.frames / m),
        spreadOf(r.seconds),
        ...(hasCpu ? [median(r.cpu).toFixed(2), spreadOf(r.cpu)] : []),
      ]);
    }
    const basis = hasCpu ? 'CPU time (user + system, GNU time)' : 'wall time';
    ctx.log(
      `rates from the median of ${runs} rounds (order rotated per round); overhead: median over rounds of (${basis} with -Y / without) − 1, in the same round`,
    );
    ctx.log(formatTable(rows));
    const key = hasCpu ? 'cpu' : 'seconds';
    const over = (id) => pairedRatio({ seconds: results.get(id)[key] }, { seconds: results.get('none')[key] }) - 1;
    const wallOver = (id) =>
      pairedRatio({ seconds: results.get(id).seconds }, { seconds: results.get('none').seconds }) - 1;
    const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
    const e = over('expr');
    ctx.log(
      `target: -Y '${EXPR}' costs ≤ ${TARGET_OVERHEAD * 100}% over the listing without a filter → ${e <= TARGET_OVERHEAD ? 'met' : 'NOT met'} (${pct(e)} ${hasCpu ? 'CPU' : 'wall'}; wall time ${pct(wallOver('expr'))})`,
    );
    ctx.log(
      `        (-Y '${ALL}', every line still printed, so the filter's work alone: ${pct(over('all'))} ${hasCpu ? 'CPU' : 'wall'}; wall time ${pct(wallOver('all'))})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines each filtered listing must print, from --json (frames, and fragmented messages as the listing shows them). */
async function verify(ctx, path) {
  let all = 0;
  let expr = 0;
  await runLines(process.execPath, [WSINSPECT, path, '--json', '--max-payload', '0'], (line) => {
    if (line === '') return;
    const e = JSON.parse(line);
    if (e.type === 'frame') {
      all++;
      if (e.opcode === 1 && e.payloadLength > 100) expr++;
    } else if (e.type === 'message' && e.frames > 1) {
      all++;
      if (e.opcode === 1 && e.length > 100) expr++;
    }
  });
  const lines = async (extra) => {
    let n = 0;
    await runLines(process.execPath, [WSINSPECT, path, ...extra], (line) => {
      if (LINE.test(line)) n++;
    });
    return n;
  };
  const gotExpr = await lines(['-Y', EXPR]);
  const gotAll = await lines(['-Y', ALL]);
  const gotNone = await lines([]);
  if (gotExpr !== expr) throw new Error(`-Y '${EXPR}' printed ${gotExpr} lines; --json says ${expr} match`);
  if (gotAll !== all || gotNone !== all)
    throw new Error(`-Y '${ALL}' printed ${gotAll} lines and no filter ${gotNone}; --json says ${all}`);
  ctx.log(
    `verified: -Y '${EXPR}' prints the ${count(expr)} frame and message lines --json says match; -Y '${ALL}' and no filter print all ${count(all)}`,
  );
}
