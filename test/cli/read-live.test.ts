// `tcpdump -i lo -U -w - tcp port P | wsinspect -` is live: each message's line shows while
// the capture still runs (the next message is only sent once the previous line is out, so no
// line waits for a later packet or for tcpdump to exit), and Ctrl-C on wsinspect ends the open
// connection as input-ended, prints it and exits 0. Real tcpdump, real `ws` peers.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ROOT } from '../helpers/cli-run.js';
import { itWithTool } from '../helpers/tools.js';

const BIN = join(ROOT, 'bin', 'wsinspect.js');

/** Output gathered from a child's stream, and a wait for it to show something (no timer). */
function watch(child: ChildProcess, stream: 'stdout' | 'stderr') {
  let text = '';
  const waiting = new Set<() => void>();
  child[stream]!.setEncoding('utf8').on('data', (s: string) => {
    text += s;
    for (const check of [...waiting]) check();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    text: () => text,
    /** Resolves once `pattern` is in the output; rejects if the process exits first. */
    shows(pattern: RegExp): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(text)) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
        void exited.then(() => {
          if (!waiting.has(check)) return;
          waiting.delete(check);
          reject(new Error(`${child.spawnfile} exited before ${stream} showed ${pattern}:\n${text}`));
        });
      });
    },
  };
}

/** The bytes of a classic pcap up to (not including) record `n` (0-based). */
function pcapPrefix(pcap: Uint8Array, n: number): Uint8Array {
  const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  const little = view.getUint32(0, true) === 0xa1b2c3d4;
  let at = 24;
  for (let i = 0; i < n; i++) at += 16 + view.getUint32(at + 8, little);
  return pcap.subarray(0, at);
}

function stillRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

itWithTool(
  'tcpdump',
  'a live tcpdump pipe shows each message while the capture runs, and Ctrl-C ends it as input-ended',
  async (ctx) => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const started: ChildProcess[] = [];
    let client: WebSocket | null = null;
    // also after a timeout (a line that never shows): only what this test started, by PID
    ctx.onTestFinished(async () => {
      client?.terminate();
      for (const child of started) if (stillRunning(child)) child.kill('SIGTERM');
      await Promise.all(started.map((c) => (stillRunning(c) ? once(c, 'exit') : null)));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const tcpdump = spawn('tcpdump', ['-i', 'lo', '-U', '-n', '-w', '-', 'tcp', 'port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(tcpdump);
    const tcpdumpErr = watch(tcpdump, 'stderr');
    const wsinspect = spawn(process.execPath, [BIN, '-'], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
      stdio: [tcpdump.stdout!, 'pipe', 'pipe'],
    });
    started.push(wsinspect);
    const out = watch(wsinspect, 'stdout');
    const err = watch(wsinspect, 'stderr');
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      wsinspect.once('exit', (code, signal) => resolve([code, signal])),
    );
    await tcpdumpErr.shows(/listening on/);

    client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    await once(client, 'open');
    await out.shows(/\[1\] handshake response/);
    for (let i = 0; i < 3; i++) {
      client.send(`live message ${i}`);
      // the line is out while the capture goes on: nothing else would ever flush it
      await out.shows(new RegExp(`#${i + 1} text FIN 14 bytes masked [0-9a-f]{8} "live message ${i}"`));
      expect(stillRunning(tcpdump)).toBe(true);
      expect(stillRunning(wsinspect)).toBe(true);
    }
    expect(out.text()).not.toMatch(/ended/);

    wsinspect.kill('SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal, stderr: err.text() }).toEqual({ code: 0, signal: null, stderr: '' });
    const lines = out.text().trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      /^ +[0-9.]+ \[1\] connection 1 ended \(input-ended\): 3 frames \(3 client→server, 0 server→client\), 3 messages$/,
    );
  },
  30_000,
);

it('stdin that stays open shows what came, and SIGTERM ends its connections as input-ended (exit 0)', async (ctx) => {
  const pcap = readFileSync(join(ROOT, 'fixtures', 'ping-pong.pcap'));
  const wsinspect = spawn(process.execPath, [BIN, '-'], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  ctx.onTestFinished(async () => {
    if (!stillRunning(wsinspect)) return;
    wsinspect.kill('SIGKILL');
    await once(wsinspect, 'exit');
  });
  const out = watch(wsinspect, 'stdout');
  const err = watch(wsinspect, 'stderr');
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    wsinspect.once('exit', (code, signal) => resolve([code, signal])),
  );
  // the first 17 packets, up to the text frame (#7) and not the closes; stdin stays open
  wsinspect.stdin!.write(pcapPrefix(pcap, 17));
  await out.shows(/#7 text FIN 15 bytes masked fa0465bc "after the pings"\n/);
  expect(out.text()).not.toMatch(/close|ended/);
  wsinspect.kill('SIGTERM');
  const [code, signal] = await exited;
  expect({ code, signal, stderr: err.text() }).toEqual({ code: 0, signal: null, stderr: '' });
  expect(out.text().trimEnd().split('\n').at(-1)).toBe(
    '   0.064842 [1] connection 1 ended (input-ended): 7 frames (4 client→server, 3 server→client), 1 message',
  );
});
