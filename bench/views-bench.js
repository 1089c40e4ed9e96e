// Application views: the listing of a generated capture of JSON and Socket.IO traffic with
// views on (the default, --view auto) against --view raw, in the same run, alternating, as the
// issue asks (at most 1.25×). BENCH_MB MiB (default 100): two loopback connections, one of
// JSON objects (the json view, by first message), one Socket.IO (by request path: events with
// acks, acks, pings). Layer rule: bench/ — tooling, imports nothing of ours.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prng } from './lib/prng.js';
import { PcapFileWriter, TcpFlow } from './lib/pcap-gen-writer.js';
import { acceptFor, appendFrame, ByteSink } from './lib/pcap-gen-frames.js';
import { formatTable, MIB } from './lib/table.js';

const WSINSPECT = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'wsinspect.js');

export const benchmark = {
  name: 'views',
  title: 'Application views: wsinspect FILE -s with views (auto) against --view raw, JSON and Socket.IO traffic',
  defaultMb: 100,
  run,
};

function upgrade(flow, rng, path) {
  const key = Buffer.alloc(16);
  rng.fill(key, 0, 16);
  const k = key.toString('base64');
  const req = Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${k}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const res = Buffer.from(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(k)}\r\n\r\n`,
  );
  flow.handshake();
  flow.send(0, req, 0, req.length);
  flow.send(1, res, 0, res.length);
}

function frames(rng, masked, texts) {
  const sink = new ByteSink();
  for (const t of texts) {
    const b = Buffer.from(t);
    appendFrame(sink, rng, { fin: true, rsv1: false, opcode: 1, masked }, b, 0, b.length);
  }
  return sink;
}

export function writeViewsCapture(path, bytes) {
  const rng = new Prng(16);
  const w = new PcapFileWriter(path, rng, 1796205600);
  const json = new TcpFlow(w, {
    clientIp: 0x7f000001,
    serverIp: 0x7f000001,
    clientPort: 40001,
    serverPort: 9000,
    mss: 65483,
  });
  const sio = new TcpFlow(w, {
    clientIp: 0x7f000001,
    serverIp: 0x7f000001,
    clientPort: 40002,
    serverPort: 9001,
    mss: 65483,
  });
  upgrade(json, rng, '/feed');
  upgrade(sio, rng, '/socket.io/?EIO=4&transport=websocket');
  let n = 0;
  let messages = 0;
  while (w.bytes < bytes) {
    const c1 = frames(rng, true, [JSON.stringify({ op: 'subscribe', id: n, channel: `ticker.${n % 50}` })]);
    json.send(0, c1.buf, 0, c1.at);
    const ticks = [0, 1, 2, 3].map((i) =>
      JSON.stringify({
        type: 'tick',
        seq: n * 4 + i,
        price: 100 + ((n + i) % 37) / 7,
        big: '9007199254740993',
        tags: ['a', 'b'],
      }),
    );
    const s1 = frames(rng, false, ticks);
    json.send(1, s1.buf, 0, s1.at);
    const c2 = frames(rng, true, [`42/chat,${n % 1000}["message",{"text":"hello ${n}","room":"lobby"}]`]);
    sio.send(0, c2.buf, 0, c2.at);
    const s2 = frames(rng, false, [
      `43/chat,${n % 1000}[{"ok":true}]`,
      `42/chat,["news",{"n":${n}}]`,
      n % 10 === 0 ? '2' : '42["x",1]',
    ]);
    sio.send(1, s2.buf, 0, s2.at);
    messages += 10;
    n++;
  }
  json.close();
  sio.close();
  w.close();
  return messages;
}

/** Wall and CPU (user + system) seconds of one listing, from GNU time. */
function seconds(args) {
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%e %U %S', 'bash', '-c', `"${process.execPath}" "${WSINSPECT}" ${args} > /dev/null`],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`wsinspect ${args} failed: ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys };
}

function run(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-views-bench-'));
  try {
    const file = join(dir, 'views.pcap');
    const messages = writeViewsCapture(file, ctx.mb * MIB);
    const rounds = Math.max(3, ctx.runs ?? 3);
    const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    ctx.log(
      `\n${ctx.mb} MiB capture, 2 connections (JSON, Socket.IO), ${messages} messages; ${rounds} rounds, alternating; load average ${load()}`,
    );
    const on = [];
    const raw = [];
    for (let i = 0; i < rounds; i++) {
      raw.push(seconds(`"${file}" -s --view raw`));
      on.push(seconds(`"${file}" -s`));
    }
    const med = (v) => {
      const s = [...v].sort((a, b) => a - b);
      return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const wall = (v) => med(v.map((r) => r.wall));
    const cpu = (v) => med(v.map((r) => r.cpu));
    const rows = [
      ['command', 'median wall s', 'median CPU s', 'MiB/s (wall)'],
      ['wsinspect FILE -s --view raw', wall(raw).toFixed(2), cpu(raw).toFixed(2), (ctx.mb / wall(raw)).toFixed(0)],
      ['wsinspect FILE -s (views on)', wall(on).toFixed(2), cpu(on).toFixed(2), (ctx.mb / wall(on)).toFixed(0)],
    ];
    ctx.log(formatTable(rows));
    // per round, views on against the raw listing just before it: a slow spell weighs on both
    const wallRatio = med(on.map((r, i) => r.wall / raw[i].wall));
    const cpuRatio = med(on.map((r, i) => r.cpu / raw[i].cpu));
    ctx.log(
      `  views cost ${wallRatio.toFixed(2)}× the raw listing's wall time and ${cpuRatio.toFixed(2)}× its CPU time (median of per-round ratios; the issue's bound: 1.25×); load average now ${load()}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
