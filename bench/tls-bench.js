// wss benchmark (issue 15): captures of real TLS (Node's OpenSSL, joined in memory; see
// lib/wss-gen.js) — TLS 1.3 TLS_AES_128_GCM_SHA256 and TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305 —
// decrypted with their key log by `wsinspect FILE --keylog K` (the default listing, and with
// `--view raw`) and by `tshark -o tls.keylog_file:K -Y websocket -T fields` on the same file:
// seconds, MiB/s, peak RSS, and the ratio tshark time / wsinspect time per round. Every
// wsinspect run is first checked to decode every generated frame. Layer rule: bench/ — runs
// the built CLI as a user would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RSS_METHOD, runToDevNull } from './lib/child-run.js';
import { median } from './lib/measure.js';
import { count, formatTable, mib, ratio, MIB } from './lib/table.js';
import { generateWssCapture } from './lib/wss-gen.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WSINSPECT = join(HERE, '..', 'bin', 'wsinspect.js');
const CERTS = join(HERE, '..', 'fixtures', 'tls');
const TARGET = { ratio: 5, rssMiB: 200 };
const SEED = 0x7e55;

export const benchmark = {
  name: 'tls',
  title: 'wss captures decrypted with a key log: wsinspect vs tshark',
  defaultMb: 100,
  run,
};

const SUITES = [
  {
    name: 'tls13-aes128gcm',
    tls: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' },
    // lib/tls-floor.js reads this suite only
    floor: true,
  },
  {
    name: 'tls12-chacha20',
    tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  },
];

const FLOOR = join(HERE, 'lib', 'tls-floor.js');

function contenders(keys, suite) {
  const floor = {
    id: 'floor',
    label: 'floor: minimal Node decrypt + frame walk (lib/tls-floor.js)',
    cmd: process.execPath,
    args: (f) => [FLOOR, f, keys],
  };
  return [
    ...(suite.floor ? [floor] : []),
    {
      id: 'text',
      label: 'wsinspect FILE --keylog K',
      cmd: process.execPath,
      args: (f) => [WSINSPECT, f, '--keylog', keys],
    },
    {
      id: 'raw',
      label: 'wsinspect FILE --keylog K --view raw',
      cmd: process.execPath,
      args: (f) => [WSINSPECT, f, '--keylog', keys, '--view', 'raw'],
    },
    {
      id: 'tshark',
      label: 'tshark -o tls.keylog_file:K -T fields',
      cmd: 'tshark',
      args: (f) => [
        '-n',
        '-r',
        f,
        '-o',
        `tls.keylog_file:${keys}`,
        '-d',
        'tcp.port==8443,tls',
        '-Y',
        'websocket',
        '-T',
        'fields',
        '-e',
        'websocket.opcode',
        '-e',
        'websocket.payload_length',
      ],
    },
  ];
}

async function run(ctx) {
  const runs = process.env.BENCH_RUNS ? ctx.runs : 3;
  const hasTshark = spawnSync('tshark', ['--version']).status === 0;
  if (!hasTshark) ctx.log('tshark not found (Debian package tshark): its column and the ratios are skipped');
  ctx.log(
    `peak RSS: ${RSS_METHOD}; medians of ${runs} rounds (order rotated); ratio = tshark s / wsinspect s per round`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-tls-bench-'));
  try {
    for (const suite of SUITES) await section(ctx, dir, suite, runs, hasTshark);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function section(ctx, dir, suite, runs, hasTshark) {
  const path = join(dir, `${suite.name}.pcap`);
  const keys = join(dir, `${suite.name}.keys`);
  const t0 = process.hrtime.bigint();
  const gen = await generateWssCapture({
    path,
    keysPath: keys,
    targetBytes: ctx.mb * MIB,
    seed: SEED,
    tls: suite.tls,
    certDir: CERTS,
  });
  const genSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  ctx.log(
    `\nfile ${suite.name}.pcap: ${mib(gen.bytes)} MiB, ${gen.connections} connections, ${count(gen.frames)} frames, ` +
      `${gen.version} ${gen.cipher} (generated in ${genSeconds.toFixed(1)} s)`,
  );
  verify(path, keys, gen.frames);
  if (suite.floor) verifyFloor(path, keys, gen.frames);
  const list = contenders(keys, suite).filter((c) => hasTshark || c.id !== 'tshark');
  const results = new Map(list.map((c) => [c.id, { seconds: [], peakRss: 0 }]));
  for (let round = 0; round < runs; round++)
    for (let i = 0; i < list.length; i++) {
      const c = list[(round + i) % list.length];
      const r = await runToDevNull(c.cmd, c.args(path));
      results.get(c.id).seconds.push(r.seconds);
      results.get(c.id).peakRss = Math.max(results.get(c.id).peakRss, r.peakRss);
    }
  const rows = [['command', 'median s', 'MiB/s', 'frames/s', 'peak RSS MiB', 'vs tshark']];
  for (const c of list) {
    const r = results.get(c.id);
    const m = median(r.seconds);
    const vs =
      hasTshark && c.id !== 'tshark'
        ? ratio(median(r.seconds.map((s, i) => results.get('tshark').seconds[i] / s)))
        : '';
    rows.push([c.label, m.toFixed(2), (gen.bytes / MIB / m).toFixed(1), count(gen.frames / m), mib(r.peakRss), vs]);
  }
  ctx.log(formatTable(rows));
  if (hasTshark) {
    const text = results.get('text');
    const r = median(text.seconds.map((s, i) => results.get('tshark').seconds[i] / s));
    ctx.log(
      `target: default listing ≥ ${TARGET.ratio}× tshark → ${r >= TARGET.ratio ? 'met' : 'NOT met'} (${ratio(r)}); ` +
        `peak RSS ≤ ${TARGET.rssMiB} MiB → ${text.peakRss <= TARGET.rssMiB * MIB ? 'met' : 'NOT met'} (${mib(text.peakRss)} MiB)`,
    );
  }
  rmSync(path, { force: true });
}

/** The yardstick must list every frame too, or its time means nothing. */
function verifyFloor(path, keys, frames) {
  const r = spawnSync(process.execPath, [FLOOR, path, keys], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const got = Number(/frames (\d+)/.exec(r.stderr ?? '')?.[1] ?? -1);
  if (r.status !== 0 || got !== frames) throw new Error(`tls-floor.js listed ${got} frames of ${frames}: ${r.stderr}`);
}

/** wsinspect must decode every generated frame (a fast wrong answer is no answer). */
function verify(path, keys, frames) {
  const r = spawnSync(process.execPath, [WSINSPECT, path, '--keylog', keys, '--stats', '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`wsinspect --stats failed: ${r.stderr}`);
  let got = 0;
  for (const line of r.stdout.trim().split('\n')) {
    const s = JSON.parse(line);
    if (s.type !== 'stats' || s.conn === undefined) continue;
    for (const dir of [s.c2s, s.s2c]) for (const n of Object.values(dir.framesByOpcode)) got += n;
  }
  if (got !== frames) throw new Error(`wsinspect decoded ${got} frames of ${frames} generated`);
}
