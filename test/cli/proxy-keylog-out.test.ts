// `wsinspect proxy --keylog-out FILE`: the proxy writes the TLS secrets of its legs in NSS key
// log format, so a tcpdump of its own sockets decrypts: here the wss upstream leg is captured
// while a client talks through the proxy, and `wsinspect CAPTURE --keylog FILE` shows the very
// messages the proxy relayed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { runCli } from '../helpers/cli-run.js';
import { itWithTool } from '../helpers/tools.js';
import { changed, closed, nextMessage, openClient, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, jsonLines, startProxyCli, tlsUpstream } from './proxy-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wsinspect-keylog-out-'));
const upstream = tlsUpstream(dir);

const running = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;

describe('wsinspect proxy --keylog-out', () => {
  itWithTool(
    'tcpdump',
    'a capture of the wss upstream leg decrypts with the key log the proxy wrote',
    async (ctx) => {
      const pcap = join(dir, 'upstream.pcap');
      const keys = join(dir, 'keys.txt');
      const tcpdump = spawn(
        'tcpdump',
        ['-i', 'lo', '--immediate-mode', '-U', '-n', '-w', pcap, 'tcp', 'port', String(upstream.echo.port)],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      ctx.onTestFinished(async () => {
        if (running(tcpdump)) {
          tcpdump.kill('SIGTERM');
          await once(tcpdump, 'exit');
        }
      });
      let err = '';
      tcpdump.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        changed();
      });
      await until(() => err.includes('listening on'), 'tcpdump listening');
      const proxy = await startProxyCli([
        '--target',
        `wss://127.0.0.1:${upstream.echo.port}`,
        '--insecure',
        '--json',
        '--keylog-out',
        keys,
      ]);
      try {
        const ws = await openClient(`ws://127.0.0.1:${proxy.port}/leg`);
        ws.send('secret on the upstream leg');
        expect((await nextMessage(ws)).toString()).toBe('secret on the upstream leg');
        ws.close(1000, 'done');
        await closed(ws);
        await until(() => proxy.stdout().includes('"type":"end"'), 'end event');
      } finally {
        expect(await interrupt(proxy)).toBe(0);
      }
      tcpdump.kill('SIGTERM');
      await once(tcpdump, 'exit');
      expect(readFileSync(keys, 'latin1')).toMatch(/^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]+$/m);
      expect(statSync(keys).mode & 0o077).toBe(0); // secrets: readable by the owner only
      const decrypted = runCli([pcap, '--keylog', keys, '--json']);
      const events = jsonLines(decrypted.stdout);
      expect(events[0]).toMatchObject({ type: 'connection', tls: { version: 'TLS 1.3', decrypted: true } });
      expect(events.filter((e) => e.type === 'message').map((m) => m.text)).toEqual([
        'secret on the upstream leg',
        'secret on the upstream leg',
      ]);
    },
    20_000,
  );
});
