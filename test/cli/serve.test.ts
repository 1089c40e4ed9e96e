// `wsinspect serve`: the Chromium HAR's server side played to real clients — the `ws` library
// and Python websockets 10.4 — each getting the recorded replies; --match content answers by
// what the client sent; the live view shows each connection.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROOT } from '../helpers/cli-run.js';
import { PYTHON3_PATH, requireTool } from '../helpers/tools.js';

const BIN = join(ROOT, 'bin', 'wsinspect.js');
const running: ChildProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

interface Served {
  readonly url: string;
  readonly stdout: () => string;
  /** Ctrl-C, then the exit status and all output. */
  stop(): Promise<{ status: number | null; stdout: string; stderr: string }>;
}

/** Starts `wsinspect serve … --listen 127.0.0.1:0` and waits for its listening line. */
function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--listen', '127.0.0.1:0'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      const m = /on (ws:\/\/[\d.]+:\d+) \(Ctrl-C to stop\)/.exec(stderr);
      if (m !== null)
        resolve({
          url: m[1],
          stdout: () => stdout,
          stop: () =>
            new Promise((done) => {
              child.once('close', (status) => done({ status, stdout, stderr }));
              child.kill('SIGINT');
            }),
        });
    });
    child.once('close', (status) => reject(new Error(`serve exited ${status}: ${stderr}`)));
  });
}

const PAGE_SAID = ['hello from Chromium', '{"op":"subscribe","topic":"ticks","n":1}', 'héllo ✓ 😀'];

/** A ws client that does what the page in the HAR did; resolves with what it received. */
function pageLikeClient(url: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/chat?room=1`);
    const got: string[] = [];
    ws.on('message', (d: Buffer, binary: boolean) => {
      got.push(binary ? d.toString('hex') : d.toString());
      if (got.length === 2) {
        for (const m of PAGE_SAID) ws.send(m);
        ws.send(Buffer.from([7, 8, 9]));
      }
      if (got.length === 6) ws.close(1000);
    });
    ws.once('close', () => resolve(got));
    ws.once('error', reject);
  });
}

const RECORDED_REPLIES = ['welcome', '000102fdfeff', ...PAGE_SAID, '070809'];

describe('wsinspect serve', () => {
  it('plays the recorded server side to ws clients, two at once, each with its own playback', async () => {
    const s = await serve([join(ROOT, 'fixtures', 'chromium.har'), '-s']);
    const [a, b] = await Promise.all([pageLikeClient(s.url), pageLikeClient(s.url)]);
    expect(a).toEqual(RECORDED_REPLIES);
    expect(b).toEqual(RECORDED_REPLIES);
    const done = await s.stop();
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/Connection 1: 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ \(found by handshake\)/);
    expect(done.stdout).toMatch(/Connection 2: /);
    expect(done.stdout).toMatch(/handshake GET \/chat\?room=1 → 101, Sec-WebSocket-Accept ✓ \(permessage-deflate\)/);
  });

  it('a Python websockets client gets the recorded replies too', async (ctx) => {
    requireTool(ctx, 'python3-websockets');
    const s = await serve([join(ROOT, 'fixtures', 'chromium.har')]);
    const script = `
import asyncio, json, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1] + "/chat?room=1") as ws:
        got = [await ws.recv(), await ws.recv()]
        for m in ${JSON.stringify(PAGE_SAID)}:
            await ws.send(m)
        await ws.send(bytes([7, 8, 9]))
        for _ in range(4):
            got.append(await ws.recv())
        print(json.dumps([g.hex() if isinstance(g, bytes) else g for g in got]))
asyncio.run(main())
`;
    const child = spawn(PYTHON3_PATH, ['-c', script, s.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (x: string) => (out += x));
    child.stderr!.setEncoding('utf8').on('data', (x: string) => (err += x));
    const status = await new Promise((resolve) => child.once('close', resolve));
    expect([status, err]).toEqual([0, '']);
    expect(JSON.parse(out)).toEqual(RECORDED_REPLIES);
    expect((await s.stop()).status).toBe(0);
  });

  it('--match content answers the recorded message equal to the one sent; an unknown one is reported', async () => {
    const s = await serve([join(ROOT, 'fixtures', 'plain.pcap'), '--match', 'content']);
    const got = await new Promise<string[]>((resolve, reject) => {
      const ws = new WebSocket(`${s.url}/chat`);
      const replies: string[] = [];
      ws.once('open', () => {
        ws.send('καλημέρα ✓');
        ws.send('never recorded');
        ws.send('hello');
      });
      ws.on('message', (d: Buffer) => {
        replies.push(d.toString());
        if (replies.length === 2) ws.close();
      });
      ws.once('close', () => resolve(replies));
      ws.once('error', reject);
    });
    expect(got).toEqual(['καλημέρα ✓', 'hello']);
    const done = await s.stop();
    expect(done.stderr).toContain('a client message that equals none of the recorded ones (not answered)');
  });

  it('a client that breaks the protocol is one line; the server goes on serving the others', async () => {
    const s = await serve([join(ROOT, 'fixtures', 'chromium.har'), '-s']);
    // after the 101, a frame header with RSV2 and RSV3 set: ws fails that connection
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
      let head = '';
      socket.on('error', () => {});
      socket.on('close', () => resolve());
      socket.write(
        'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      socket.on('data', (d: Buffer) => {
        if (head.includes('\r\n\r\n')) return;
        head += d.toString('latin1');
        if (head.includes('\r\n\r\n')) socket.end(Buffer.from([0xf1, 0x80, 1, 2, 3, 4]));
      });
    });
    expect(await pageLikeClient(s.url)).toEqual(RECORDED_REPLIES);
    const done = await s.stop();
    expect(done.status).toBe(0);
    expect(done.stderr).toContain(
      'wsinspect: connection 1: the client broke the protocol (Invalid WebSocket frame: RSV2 and RSV3 must be clear): the connection was closed\n',
    );
  });

  it('a recording with several connections and no --conn, or a busy port: one line, exit 2', async () => {
    const r = spawnSync(process.execPath, [BIN, 'serve', join(ROOT, 'fixtures', 'interleaved.pcap')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/has 3 connections: pick one with --conn N/);
    const s = await serve([join(ROOT, 'fixtures', 'plain.pcap')]);
    const busy = spawnSync(
      process.execPath,
      [BIN, 'serve', join(ROOT, 'fixtures', 'plain.pcap'), '-l', s.url.slice(5)],
      {
        encoding: 'utf8',
      },
    );
    expect(busy.status).toBe(2);
    expect(busy.stderr).toMatch(/^wsinspect: cannot listen on 127\.0\.0\.1:\d+: listen EADDRINUSE/);
    await s.stop();
  });
});
