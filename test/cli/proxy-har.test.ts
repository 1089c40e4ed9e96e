// `wsinspect proxy --har FILE`: the live session written as a DevTools HAR when the proxy stops
// (Ctrl-C, with a connection still open too), read back by wsinspect into the messages shown live.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';
import { closed, nextMessage, openClient, startEchoServer, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, jsonLines, startProxyCli } from './proxy-cli.js';

describe('wsinspect proxy --har', () => {
  it('a closed and a still-open connection: a whole HAR after Ctrl-C, with the messages shown live', async () => {
    const echo = await startEchoServer({ threshold: 0 });
    const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-proxy-har-')), 'live.har');
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--json', '--har', file]);
    try {
      const a = await openClient(`ws://127.0.0.1:${proxy.port}/first`, { perMessageDeflate: { threshold: 0 } });
      a.send('compressed, then inflated for the HAR');
      await nextMessage(a);
      a.send(Buffer.from([1, 2, 3, 250]), { binary: true });
      await nextMessage(a);
      a.close(1000, 'bye');
      await closed(a);
      const b = await openClient(`ws://127.0.0.1:${proxy.port}/second`);
      b.send('{"still":"open"}');
      await nextMessage(b);
      await until(() => jsonLines(proxy.stdout()).filter((e) => e.type === 'message').length === 6, 'six messages');
      expect(existsSync(file)).toBe(false); // written whole at the end, never half
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      log: {
        entries: { request: { url: string }; _webSocketMessages: unknown[]; _webSocketClose?: { code: number } }[];
      };
    };
    expect(doc.log.entries.map((e) => e.request.url)).toEqual([
      `ws://127.0.0.1:${proxy.port}/first`,
      `ws://127.0.0.1:${proxy.port}/second`,
    ]);
    expect(doc.log.entries[0]._webSocketClose?.code).toBe(1000);
    const live = jsonLines(proxy.stdout())
      .filter((e) => e.type === 'message')
      .map((e) => [e.conn, e.dir, e.text ?? e.data]);
    const back = runCli([file, '--json']);
    expect(back.status).toBe(0);
    const read = jsonLines(back.stdout)
      .filter((e) => e.type === 'message')
      .map((e) => [e.conn, e.dir, e.text ?? e.data]);
    expect(read).toEqual(live);
  });
});
