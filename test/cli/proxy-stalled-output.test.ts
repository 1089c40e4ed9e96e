// The display never slows the traffic: with nobody reading the proxy's stdout (a paused
// pager), WebSocket traffic still flows at full speed, and when the output catches up it says
// how many events it skipped.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildFrame } from '../helpers/frame-builder.js';
import { ROOT } from '../helpers/cli-run.js';

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SWITCHED =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

describe('proxy output that nobody reads', () => {
  it('relays 40 MB of small frames while stdout is not read at all', async () => {
    // a sink server: answers the upgrade, then counts what arrives
    let received = 0;
    let onReceived = (): void => {};
    const server = createServer((s) => {
      // the client's destroy reaches the sink as a reset: expected, not an error of the test
      s.on('error', () => {});
      s.once('data', () => {
        s.write(SWITCHED);
        s.on('data', (b) => {
          received += b.length;
          onReceived();
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const upstream = (server.address() as AddressInfo).port;
    // stdout is a pipe that is never read: it fills after ~64 KB
    const proxy = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/wsinspect.js'),
        'proxy',
        '--listen',
        '127.0.0.1:0',
        '--target',
        `ws://127.0.0.1:${upstream}`,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    proxy.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    proxy.stdout.pause();
    try {
      const port = await new Promise<number>((resolve) => {
        const check = () => {
          const m = / listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
          if (m) resolve(Number(m[1]));
        };
        proxy.stderr.on('data', check);
      });
      const client = connect(port, '127.0.0.1');
      client.on('error', () => {});
      client.write(UPGRADE);
      await new Promise((r) => client.once('data', r));
      const frame = buildFrame({ payload: 'x'.repeat(200), maskingKey: [1, 2, 3, 4] });
      const batch = Buffer.concat(Array.from({ length: 500 }, () => frame));
      const total = 40 * 1024 * 1024;
      let sent = 0;
      while (sent < total) {
        if (!client.write(batch)) await new Promise((r) => client.once('drain', r));
        sent += batch.length;
      }
      // every byte reaches the server although the proxy's output pipe has been full for a long time
      await new Promise<void>((resolve) => {
        onReceived = () => {
          if (received >= sent) resolve();
        };
        onReceived();
      });
      expect(received).toBe(sent);
      client.destroy();
      // now read the output: it reports what it had to skip
      let out = '';
      const skipped = new Promise<void>((resolve) =>
        proxy.stdout.setEncoding('utf8').on('data', (s: string) => {
          out += s;
          if (out.includes('"output.skipped"')) resolve();
        }),
      );
      proxy.stdout.resume();
      const more = connect(port, '127.0.0.1');
      more.write(UPGRADE);
      await new Promise((r) => more.once('data', r));
      more.end(buildFrame({ payload: 'after', maskingKey: [1, 2, 3, 4] }));
      await skipped;
      expect(out).toContain('"code":"output.skipped"');
    } finally {
      proxy.kill('SIGINT');
      await new Promise((r) => proxy.once('exit', r));
      server.close();
    }
  }, 40_000);
});
