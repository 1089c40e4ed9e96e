// `wsinspect proxy` as a user runs it: the listening line, one-line errors with exit status 2
// for a bad target or a busy port, the warning for a non-loopback address, a clear line for an
// unreachable upstream, and bounded memory when a client reads slowly.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/protocol/frame-encoder.js';
import { readRequestHead } from '../../src/sources/proxy/proxy-request.js';
import { runCli } from '../helpers/cli-run.js';
import { sha, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, startCli, startProxyCli } from './proxy-cli.js';

const SWITCHED =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
const UPGRADE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

describe('wsinspect proxy (command line)', () => {
  it('rejects a bad --target in one line with exit status 2', () => {
    const r = runCli(['proxy', '--target', 'http://example.test']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^wsinspect: --target "http:\/\/example\.test" must start with ws:\/\/ or wss:\/\/, not http:\/\/\n/,
    );
  });

  it('says in one line that the port is in use, exit status 2', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const cli = startCli(['proxy', '--listen', `127.0.0.1:${port}`, '--target', 'ws://127.0.0.1:1']);
      expect(await cli.exited).toBe(2);
      expect(cli.stderr()).toBe(
        `wsinspect: cannot listen on 127.0.0.1:${port}: the address is already in use (pick another port with --listen)\n`,
      );
    } finally {
      busy.close();
    }
  });

  it('warns when listening beyond loopback', async () => {
    const cli = startCli(['proxy', '--listen', '0.0.0.0:0', '--target', 'ws://127.0.0.1:1']);
    await until(() => cli.stderr().includes('listening on'), 'the listening line');
    expect(await interrupt(cli)).toBe(0);
    expect(cli.stderr()).toMatch(/^wsinspect: warning: listening on 0\.0\.0\.0, reachable from other machines/);
  });

  it('prints one clear line for an unreachable upstream and keeps running', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${port}`]);
    for (let i = 0; i < 2; i++) {
      const answer = await new Promise<string>((resolve) => {
        const c = connect({ host: '127.0.0.1', port: proxy.port });
        let text = '';
        c.setEncoding('latin1')
          .on('data', (d: string) => {
            text += d;
          })
          .on('end', () => resolve(text));
        c.write(UPGRADE);
      });
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 502 Bad Gateway');
    }
    expect(await interrupt(proxy)).toBe(0);
    const lines = proxy.stderr().trim().split('\n');
    // no connection numbers (they are for WebSocket connections): the client's address says which
    expect(lines.slice(1)).toEqual(
      [1, 2].map(() =>
        expect.stringMatching(
          new RegExp(
            `^wsinspect: client 127\\.0\\.0\\.1:\\d+: ws upstream 127\\.0\\.0\\.1:${port} refused the connection \\(nothing listening there\\?\\); answered 502 Bad Gateway$`,
          ),
        ),
      ),
    );
  });

  it('holds a fast server back while the client reads slowly: bounded memory, every byte delivered', async () => {
    const frame = encodeFrame({ opcode: 2, payload: Buffer.alloc(65536, 0x61), mask: false });
    const TOTAL_FRAMES = 3000; // ~197 MB offered by the server
    let written = 0;
    let sent = 0;
    let serverGotData: (() => void) | null = null;
    const server = createServer((s: Socket) => {
      s.once('data', () => {
        s.on('data', () => serverGotData?.());
        s.write(SWITCHED);
        const pump = (): void => {
          while (sent < TOTAL_FRAMES) {
            sent++;
            written += frame.length;
            if (!s.write(frame)) return void s.once('drain', pump);
          }
          s.end();
        };
        pump();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = await startProxyCli([
      '--target',
      `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
      '--json',
      '--max-payload',
      '8',
    ]);
    try {
      const baseline = rssBytes(proxy.child.pid!);
      const c = connect({ host: '127.0.0.1', port: proxy.port });
      c.write(UPGRADE);
      const head = await readRequestHead(c); // leaves the client paused: it reads nothing more for now
      if ('error' in head) throw new Error(head.error);
      // The server is stalled (its writes blocked by the proxy's backpressure) when 20 turns of
      // the proxy's event loop in a row let no more of its frames out: each turn is a client
      // frame through the proxy to the server, so an event, not a time, ends the wait. A proxy
      // reading the server without bound would let frames out on every turn.
      const small = encodeFrame({ opcode: 1, payload: Buffer.from('turn'), mask: true });
      const turn = (): Promise<void> =>
        new Promise((resolve) => {
          serverGotData = resolve;
          c.write(small);
        });
      let last = -1;
      let still = 0;
      while (still < 20 && sent < TOTAL_FRAMES / 4) {
        await turn();
        still = written === last ? still + 1 : 0;
        last = written;
      }
      expect(sent).toBeLessThan(TOTAL_FRAMES / 4);
      expect(rssBytes(proxy.child.pid!) - baseline).toBeLessThan(64 * 1024 * 1024);
      const received: Buffer[] = [head.rest];
      c.on('data', (d: Buffer) => received.push(d));
      const done = new Promise<void>((resolve) => c.on('end', resolve));
      c.resume();
      await done;
      c.end();
      const all = Buffer.concat(received);
      expect(all.length).toBe(frame.length * TOTAL_FRAMES);
      const expected = createHash('sha256');
      for (let i = 0; i < TOTAL_FRAMES; i++) expected.update(frame);
      expect(sha(all)).toBe(expected.digest('hex'));
      await until(() => proxy.stdout().includes('"type":"end"'), 'end event');
    } finally {
      await interrupt(proxy);
      server.close();
    }
    const frames = proxy
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"type":"frame"') && l.includes('"dir":"s2c"')).length;
    expect(frames).toBe(TOTAL_FRAMES);
  }, 20_000);
});
