// Proxy benchmark: the same WebSocket echo traffic on loopback, directly, through socat (a
// byte relay: the floor for any proxy), through `wsinspect proxy` (decoding everything,
// printing to /dev/null), through `wsinspect proxy --rule` (terminating WebSocket on both
// legs: every message parsed and framed again, one rule that matches nothing) and through
// mitmproxy (`mitmdump --mode reverse:…`) where installed.
// Workloads: 1 connection of 32-byte round trips (latency p50/p99), 50 connections × 1 KB
// messages and 4 connections × 1 MB messages (throughput, several messages in flight per
// connection). Every echo is checked. The echo server runs in a child process of its own.
// Beside wall time, the relay process's own CPU time (user + system, from /proc) per MiB
// echoed and per round trip: on a shared 2-core machine it is a far steadier figure than
// MiB/s or µs. BENCH_WORKLOADS=rtt,small,large runs only some workloads.
// Layer rule: bench/ — tooling; runs the built CLI (dist/) as a user would.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { median } from './lib/measure.js';
import { formatTable, ratio } from './lib/table.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROLE = 'WSINSPECT_PROXY_BENCH_ROLE';
const TARGETS = { throughputVsSocat: 1.0, p50VsSocat: 1.3 };
/** The terminating mode (issue 12): at least 0.8× socat's throughput, p50 at most 1.5× socat's. */
const RULE_TARGETS = { throughputVsSocat: 0.8, p50VsSocat: 1.5 };
/** A rule that matches nothing: the cost of terminating, not of a rule's action. */
const NOTHING_RULE = 'len > 1000000000 => drop';

// In the echo child this module only serves; imported by bench/run.js it only exports.
if (process.env[ROLE] === 'echo') startEchoServer();

export const benchmark = {
  name: 'proxy',
  title: 'live proxy: direct vs socat vs wsinspect proxy (verbatim and terminating) vs mitmproxy (loopback)',
  defaultMb: 64,
  run,
};

/** BENCH_MB sizes the throughput workloads (MiB of payload echoed per run); BENCH_RUNS the rounds. */
function workloads(mb) {
  const MiB = 1 << 20;
  return [
    {
      id: 'rtt',
      label: '1 conn × 32 B round trips',
      conns: 1,
      size: 32,
      perConn: Math.max(500, mb * 50),
      window: 1,
      latency: true,
    },
    {
      id: 'small',
      label: '50 conns × 1 KB',
      conns: 50,
      size: 1024,
      perConn: Math.max(100, Math.round((mb * MiB) / 1024 / 50)),
      window: 16,
    },
    { id: 'large', label: '4 conns × 1 MB', conns: 4, size: MiB, perConn: Math.max(4, Math.round(mb / 4)), window: 2 },
  ];
}

/** BENCH_WORKLOADS: comma-separated workload ids (rtt, small, large) to run; default all. */
function chosenWorkloads(mb) {
  const all = workloads(mb);
  const wanted = (process.env.BENCH_WORKLOADS ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (wanted.length === 0) return all;
  const unknown = wanted.filter((id) => !all.some((w) => w.id === id));
  if (unknown.length > 0)
    throw new Error(`BENCH_WORKLOADS: unknown ${unknown.join(', ')} (known: ${all.map((w) => w.id).join(', ')})`);
  return all.filter((w) => wanted.includes(w.id));
}

async function run(ctx) {
  const runWorkloads = chosenWorkloads(ctx.mb);
  const echo = await startChild(
    process.execPath,
    [fileURLToPath(import.meta.url)],
    { env: { ...process.env, [ROLE]: 'echo' } },
    /echo listening on (\d+)/,
  );
  const contenders = [{ id: 'direct', label: 'direct', port: echo.port, pid: null, stop: () => {} }];
  const skipped = [];
  for (const start of [startSocat, startWsinspect, startWsinspectRule, startBaseRule, startMitmproxy]) {
    const c = await start(echo.port).catch((err) => ({ skip: err.message }));
    if (c.skip) skipped.push(c.skip);
    else contenders.push(c);
  }
  const chosen = contenders.filter((c) => ctx.only === null || ctx.only.includes(c.id));
  for (const s of skipped) ctx.log(`skipped: ${s}`);
  try {
    const results = new Map(chosen.map((c) => [c.id, {}]));
    for (const w of runWorkloads) {
      ctx.log(
        `${w.label}: ${w.conns * w.perConn} messages of ${w.size} B per run, ${w.window} in flight per connection, ${ctx.runs} runs`,
      );
      for (const c of chosen) await drive(c.port, { ...w, perConn: Math.min(w.perConn, 200) }); // warm-up
      const per = new Map(chosen.map((c) => [c.id, []]));
      for (let round = 0; round < ctx.runs; round++) {
        for (let i = 0; i < chosen.length; i++) {
          const c = chosen[(round + i) % chosen.length];
          const cpu0 = cpuSeconds(c.pid);
          const result = await drive(c.port, w);
          const cpu = cpuSeconds(c.pid) - cpu0;
          const messages = w.conns * w.perConn;
          per.get(c.id).push({
            ...result,
            cpuMsPerMiB: (cpu * 1000) / ((messages * w.size) / (1 << 20)),
            cpuUsPerMessage: (cpu * 1e6) / messages,
          });
        }
      }
      for (const c of chosen) results.get(c.id)[w.id] = per.get(c.id);
    }
    report(ctx, chosen, results);
  } finally {
    for (const c of contenders) c.stop();
    echo.child.kill();
  }
}

function report(ctx, contenders, results) {
  const socat = results.get('socat');
  const rows = [
    ['path', 'RTT p50 µs', 'RTT p99 µs', '50×1KB MiB/s', '4×1MB MiB/s', 'p50 vs socat', '1KB vs socat', '1MB vs socat'],
  ];
  const summary = {};
  // a workload left out by BENCH_WORKLOADS shows as "-"
  const med = (list, pick) => (list === undefined ? NaN : median(list.map(pick)));
  const show = (x) => (Number.isNaN(x) ? '-' : ratio(x));
  const fixed = (x, digits) => (Number.isNaN(x) ? '-' : x.toFixed(digits));
  for (const c of contenders) {
    const r = results.get(c.id);
    // paired by round: a slow spell on a shared machine hits both contenders of a round
    const vs = (key, pick) =>
      socat === undefined || r[key] === undefined ? NaN : median(r[key].map((x, i) => pick(x) / pick(socat[key][i])));
    const s = {
      p50: med(r.rtt, (x) => x.p50),
      p99: med(r.rtt, (x) => x.p99),
      small: med(r.small, (x) => x.mibPerSecond),
      large: med(r.large, (x) => x.mibPerSecond),
      p50VsSocat: vs('rtt', (x) => x.p50),
      smallVsSocat: vs('small', (x) => x.mibPerSecond),
      largeVsSocat: vs('large', (x) => x.mibPerSecond),
    };
    summary[c.id] = s;
    rows.push([
      c.label,
      fixed(s.p50 * 1e6, 0),
      fixed(s.p99 * 1e6, 0),
      fixed(s.small, 0),
      fixed(s.large, 0),
      show(s.p50VsSocat),
      show(s.smallVsSocat),
      show(s.largeVsSocat),
    ]);
  }
  ctx.log(formatTable(rows));
  ctx.log('MiB/s: payload echoed (each byte crosses the proxy twice); ratios are medians of per-round ratios.');
  const cpuRows = [
    [
      'relay process CPU',
      'RTT µs/round trip',
      '50×1KB ms/MiB',
      '4×1MB ms/MiB',
      'RTT vs socat',
      '1KB vs socat',
      '1MB vs socat',
    ],
  ];
  for (const c of contenders.filter((x) => x.pid !== null && cpuKnown)) {
    const r = results.get(c.id);
    const cpu = (key, field) => med(r[key], (x) => x[field]);
    const vs = (key, field) =>
      socat === undefined || r[key] === undefined
        ? '-'
        : ratio(median(r[key].map((x, i) => x[field] / socat[key][i][field])));
    cpuRows.push([
      c.label,
      fixed(cpu('rtt', 'cpuUsPerMessage'), 1),
      fixed(cpu('small', 'cpuMsPerMiB'), 2),
      fixed(cpu('large', 'cpuMsPerMiB'), 2),
      vs('rtt', 'cpuUsPerMessage'),
      vs('small', 'cpuMsPerMiB'),
      vs('large', 'cpuMsPerMiB'),
    ]);
  }
  if (cpuUnknownBecause !== null) ctx.log(`relay CPU not reported: ${cpuUnknownBecause}`);
  if (cpuRows.length > 1) {
    ctx.log(formatTable(cpuRows));
    ctx.log(
      'CPU: user + system time of the relay process and its children, live and reaped (socat forks one per connection), per round trip (latency workload) and per MiB of payload echoed.',
    );
  }
  const check = (ok, text) => {
    if (!Number.isNaN(ok.value)) ctx.log(`${ok.met ? 'target met   ' : 'target missed'}  ${text}`);
  };
  const at = (value, met) => ({ value, met });
  const ours = summary.wsinspect;
  if (ours !== undefined && socat !== undefined) {
    check(
      at(ours.smallVsSocat, ours.smallVsSocat >= TARGETS.throughputVsSocat),
      `50×1KB throughput ≥ socat's: ${ratio(ours.smallVsSocat)}`,
    );
    check(
      at(ours.largeVsSocat, ours.largeVsSocat >= TARGETS.throughputVsSocat),
      `4×1MB throughput ≥ socat's: ${ratio(ours.largeVsSocat)}`,
    );
    check(
      at(ours.p50VsSocat, ours.p50VsSocat <= TARGETS.p50VsSocat),
      `p50 round trip ≤ ${TARGETS.p50VsSocat}× socat's: ${ratio(ours.p50VsSocat)}`,
    );
  }
  const term = summary['wsinspect-rule'];
  if (term !== undefined && socat !== undefined) {
    const t = RULE_TARGETS;
    check(
      at(term.smallVsSocat, term.smallVsSocat >= t.throughputVsSocat),
      `terminating 50×1KB ≥ ${t.throughputVsSocat}× socat's: ${ratio(term.smallVsSocat)}`,
    );
    check(
      at(term.largeVsSocat, term.largeVsSocat >= t.throughputVsSocat),
      `terminating 4×1MB ≥ ${t.throughputVsSocat}× socat's: ${ratio(term.largeVsSocat)}`,
    );
    check(
      at(term.p50VsSocat, term.p50VsSocat <= t.p50VsSocat),
      `terminating p50 round trip ≤ ${t.p50VsSocat}× socat's: ${ratio(term.p50VsSocat)}`,
    );
  }
  const m = summary.mitmproxy;
  if (m !== undefined && ours !== undefined) {
    ctx.log(
      `wsinspect vs mitmproxy: p50 ${ratio(m.p50 / ours.p50)} lower; throughput ${ratio(ours.small / m.small)} (1 KB) and ${ratio(ours.large / m.large)} (1 MB) higher`,
    );
  }
}

/** Clock ticks per second of /proc/PID/stat times (null: no /proc, CPU not reported). */
const clockTicks = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return r.status === 0 && Number(r.stdout) > 0 ? Number(r.stdout) : 100;
})();
let cpuKnown = true;
/** Why the CPU table was left out (said under the throughput table). */
let cpuUnknownBecause = null;

/**
 * CPU seconds (user + system) of a process and its children: its own times, those of children
 * it has reaped, and those of children still running (socat's per-connection forks); 0 when
 * unknown.
 */
function cpuSeconds(pid) {
  if (pid === null || !cpuKnown) return 0;
  try {
    const [own, reaped] = procTimes(pid);
    let live = 0;
    for (const child of childPids(pid)) live += procTimes(child)[0];
    return (own + reaped + live) / clockTicks;
  } catch (err) {
    cpuKnown = false;
    cpuUnknownBecause = err.message;
    return 0;
  }
}

/** [utime + stime, cutime + cstime] in clock ticks; [0, 0] for a process gone meanwhile. */
function procTimes(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    // gone meanwhile (ESRCH: it ended during the read)
    if ((err.code === 'ENOENT' || err.code === 'ESRCH') && pid !== undefined) return [0, 0];
    throw err;
  }
  // fields after the command name, which is in parentheses and may hold spaces
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) + Number(f[12]), Number(f[13]) + Number(f[14])];
}

function childPids(pid) {
  const out = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let text;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    } catch (err) {
      // a thread that ended between the listing and the read: it has no children now
      if (err.code === 'ENOENT' || err.code === 'ESRCH') continue;
      throw err;
    }
    if (text !== '') out.push(...text.split(' ').map(Number));
  }
  return out;
}

/** One run of a workload against `port`; resolves with latency percentiles or throughput. */
async function drive(port, w) {
  const sockets = await Promise.all(Array.from({ length: w.conns }, () => open(port)));
  const payload = Buffer.alloc(w.size);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
  const rtts = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve, reject) => {
          let sent = 0;
          let got = 0;
          const stamps = [];
          const send = () => {
            while (sent < w.perConn && sent - got < w.window) {
              if (w.latency) stamps.push(process.hrtime.bigint());
              ws.send(payload);
              sent++;
            }
          };
          ws.on('message', (data) => {
            if (w.latency) rtts.push(Number(process.hrtime.bigint() - stamps[got]) / 1e9);
            // every echo is checked: a relay that altered a byte would stop the benchmark
            if (
              data.length !== payload.length ||
              data[data.length - 1] !== payload[payload.length - 1] ||
              data[0] !== payload[0]
            ) {
              reject(new Error(`port ${port}: echo ${got} differs from what was sent`));
            }
            if (++got === w.perConn) resolve();
            else send();
          });
          ws.on('error', reject);
          send();
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          ws.once('close', resolve);
          ws.close();
        }),
    ),
  );
  if (w.latency) {
    rtts.sort((a, b) => a - b);
    return { p50: rtts[Math.floor(rtts.length * 0.5)], p99: rtts[Math.floor(rtts.length * 0.99)] };
  }
  return { mibPerSecond: (w.conns * w.perConn * w.size) / (1 << 20) / seconds };
}

function open(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/bench`, { perMessageDeflate: false, maxPayload: 64 << 20 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function startEchoServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 << 20 });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  wss.on('listening', () => console.log(`echo listening on ${wss.address().port}`));
}

async function startSocat(echoPort) {
  if (spawnSync('which', ['socat']).status !== 0) return { skip: 'socat (not installed: apt-get install socat)' };
  const port = await freePort();
  const c = await startChild(
    'socat',
    [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `TCP:127.0.0.1:${echoPort}`],
    {},
    null,
    port,
  );
  return { id: 'socat', label: 'socat', port, pid: c.child.pid, stop: () => c.child.kill() };
}

async function startWsinspect(echoPort, extra = [], id = 'wsinspect', label = 'wsinspect proxy', root = ROOT) {
  const out = openSync('/dev/null', 'w');
  const c = await startChild(
    process.execPath,
    [
      join(root, 'bin', 'wsinspect.js'),
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--target',
      `ws://127.0.0.1:${echoPort}`,
      '--no-color',
      ...extra,
    ],
    { stdio: ['ignore', out, 'pipe'] },
    /listening on 127\.0\.0\.1:(\d+)/,
  );
  return { id, label, port: c.port, pid: c.child.pid, stop: () => c.child.kill() };
}

/** The terminating mode: the proxy parses and re-frames every message (one rule that matches nothing). */
function startWsinspectRule(echoPort) {
  return startWsinspect(echoPort, ['--rule', NOTHING_RULE], 'wsinspect-rule', 'wsinspect proxy --rule');
}

/**
 * BENCH_BASE=DIR: the terminating mode of another build too (DIR holds its bin/, dist/ and
 * node_modules/), so a change is measured against what it replaces in the same rounds.
 */
async function startBaseRule(echoPort) {
  const base = process.env.BENCH_BASE;
  if (base === undefined || base === '') return { skip: 'base-rule (set BENCH_BASE=DIR to compare another build)' };
  return startWsinspect(echoPort, ['--rule', NOTHING_RULE], 'base-rule', `--rule (${base})`, base);
}

async function startMitmproxy(echoPort) {
  if (spawnSync('which', ['mitmdump']).status !== 0)
    return { skip: 'mitmproxy (not installed: apt-get install mitmproxy)' };
  const port = await freePort();
  const confdir = mkdtempSync(join(tmpdir(), 'wsinspect-bench-mitm-'));
  const out = openSync('/dev/null', 'w');
  const c = await startChild(
    'mitmdump',
    [
      '--mode',
      `reverse:http://127.0.0.1:${echoPort}`,
      '--listen-host',
      '127.0.0.1',
      '--listen-port',
      String(port),
      '--set',
      `confdir=${confdir}`,
    ],
    { stdio: ['ignore', out, 'pipe'] },
    null,
    port,
  );
  return { id: 'mitmproxy', label: 'mitmproxy (mitmdump)', port, pid: c.child.pid, stop: () => c.child.kill() };
}

/**
 * Spawns a process and resolves once it serves: when `ready` (a RegExp on its output) matches,
 * taking the port from its first group, or when `port` accepts connections.
 */
function startChild(command, args, options, ready, port) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding('utf8').on('data', (s) => {
      output += s;
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${command} did not start within 20 s: ${output.slice(0, 300)}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}): ${output.slice(0, 300)}`));
    });
    const done = (p) => {
      clearTimeout(timer);
      resolve({ child, port: p });
    };
    if (ready !== null) {
      const check = () => {
        const m = ready.exec(output);
        if (m) done(Number(m[1]));
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
    } else {
      const poll = () => {
        const s = connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
          s.destroy();
          done(port);
        });
        s.once('error', () => setTimeout(poll, 50));
      };
      poll();
    }
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
