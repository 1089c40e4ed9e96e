// HAR input: read speed and peak memory of `wsinspect FILE.har` on a generated recording of
// BENCH_MB MiB (default 256; one WebSocket entry holding every message, as DevTools writes a
// long-lived socket), against what a plain reader does — JSON.parse of the whole file — in the
// same run. Peak RSS comes from /usr/bin/time (GNU time's %M). Layer rule: bench/ — tooling.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, MIB } from './lib/table.js';

const WSINSPECT = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'wsinspect.js');

export const benchmark = {
  name: 'har',
  title: 'HAR input: wsinspect FILE.har (streamed) against JSON.parse of the whole file, time and peak RSS',
  defaultMb: 256,
  run,
};

/** Writes a HAR of about `bytes` bytes; returns the number of messages. */
export function writeHar(path, bytes) {
  const fd = openSync(path, 'w');
  const head =
    '{"log":{"version":"1.2","creator":{"name":"bench"},"entries":[{"_resourceType":"websocket","startedDateTime":"2026-12-02T10:00:00.000Z",' +
    '"request":{"method":"GET","url":"ws://127.0.0.1:9000/feed","httpVersion":"HTTP/1.1","headers":[{"name":"Host","value":"127.0.0.1:9000"},{"name":"Upgrade","value":"websocket"},{"name":"Connection","value":"Upgrade"},{"name":"Sec-WebSocket-Key","value":"dGhlIHNhbXBsZSBub25jZQ=="},{"name":"Sec-WebSocket-Version","value":"13"}]},' +
    '"response":{"status":101,"statusText":"Switching Protocols","httpVersion":"HTTP/1.1","headers":[{"name":"Upgrade","value":"websocket"},{"name":"Connection","value":"Upgrade"},{"name":"Sec-WebSocket-Accept","value":"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}]},' +
    '"_webSocketMessages":[';
  writeSync(fd, head);
  let written = head.length;
  let n = 0;
  let batch = [];
  while (written < bytes) {
    const t = 1796205600 + n / 1000;
    const m =
      n % 5 === 4
        ? `{"type":"receive","time":${t},"opcode":2,"data":"${Buffer.alloc(96, n & 255).toString('base64')}"}`
        : `{"type":"${n % 2 === 0 ? 'send' : 'receive'}","time":${t},"opcode":1,"data":${JSON.stringify(JSON.stringify({ type: 'tick', seq: n, price: 100 + (n % 37) / 7, note: 'x'.repeat(n % 120) }))}}`;
    batch.push((n === 0 ? '' : ',') + m);
    written += m.length + 1;
    n += 1;
    if (batch.length === 4096) {
      writeSync(fd, batch.join(''));
      batch = [];
    }
  }
  writeSync(fd, batch.join('') + ']}]}}\n');
  closeSync(fd);
  return n;
}

/** Seconds and peak RSS (KiB) of a command, with its stdout's line count. */
function timed(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [secs, kib] = last.split(' ').map(Number);
  return { ok: r.status === 0, secs, kib, stdout: r.stdout, stderr: r.stderr };
}

function run(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-har-bench-'));
  try {
    const file = join(dir, 'big.har');
    const messages = writeHar(file, ctx.mb * MIB);
    ctx.log(`\n${ctx.mb} MiB HAR, one connection, ${messages} messages (text JSON ticks and 96-byte binary)`);
    const rows = [['command', 'seconds', 'MiB/s', 'peak RSS MiB']];
    const row = (label, r) =>
      rows.push([label, r.secs.toFixed(2), (ctx.mb / r.secs).toFixed(0), (r.kib / 1024).toFixed(0)]);
    const count = timed([process.execPath, WSINSPECT, file, '--stats', '--json']);
    if (!count.ok) throw new Error(`wsinspect --stats failed: ${count.stderr}`);
    const stats = JSON.parse(count.stdout.trim().split('\n').pop());
    const seen = Object.values(stats.c2s.messagesByOpcode).concat(Object.values(stats.s2c.messagesByOpcode));
    if (seen.reduce((a, b) => a + b, 0) !== messages) throw new Error('wsinspect did not read every message');
    row('wsinspect FILE.har --stats', count);
    const listing = timed(['bash', '-c', `"${process.execPath}" "${WSINSPECT}" "${file}" -s > /dev/null`]);
    row('wsinspect FILE.har -s > /dev/null', listing);
    const parse = timed([
      process.execPath,
      '--max-old-space-size=8192',
      '-e',
      `const j = JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8')); console.log(j.log.entries[0]._webSocketMessages.length)`,
    ]);
    if (parse.ok) row('node: JSON.parse(readFileSync(FILE))', parse);
    else
      rows.push([
        'node: JSON.parse(readFileSync(FILE))',
        'failed',
        '',
        parse.stderr.split('\n').find((l) => /Error/.test(l)) ?? '',
      ]);
    ctx.log(formatTable(rows));
    ctx.log('  one run each; the streamed reader holds one message at a time, JSON.parse holds the file and its tree');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
