// `wsinspect proxy --script FILE.mjs` as a user runs it: a script that cannot be used is one
// line and exit status 2 before listening; a working one changes traffic, its ctx.log is a
// note in the output, and a failing hook is one error (with the stack) per connection.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { runCli } from '../helpers/cli-run.js';
import { changed, closed, openClient, startEchoServer, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, startProxyCli } from './proxy-cli.js';

function scriptFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-cli-script-')), 'tweak.mjs');
  writeFileSync(file, text);
  return file;
}

function inbox(ws: WebSocket): string[] {
  const got: string[] = [];
  ws.on('message', (d: Buffer) => {
    got.push(d.toString());
    changed();
  });
  return got;
}

describe('wsinspect proxy --script', () => {
  it('refuses a script without hooks in one line, exit status 2, before listening', () => {
    const file = scriptFile('export default { onMesage() {} };');
    const r = runCli(['proxy', '--listen', '127.0.0.1:0', '--target', 'ws://127.0.0.1:1', '--script', file]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      `wsinspect: --script: ${file} exports none of the hooks onConnect, onMessage, onControl, onClose (it has onMesage)`,
    );
    expect(r.stderr).not.toContain('listening');
  });

  it('changes traffic, logs notes, and reports a failing hook once per connection', async () => {
    const file = scriptFile(`export default {
  onConnect(conn, ctx) { ctx.log('hello', conn.path); },
  onMessage(msg) {
    if (msg.text === 'boom') throw new Error('kaput');
    if (msg.dir === 'c2s' && msg.json?.price !== undefined) return { json: { ...msg.json, price: msg.json.price * 2 } };
  },
};`);
    const echo = await startEchoServer({ threshold: 0 });
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--script', file]);
    try {
      const ws = await openClient(`ws://127.0.0.1:${proxy.port}/ticks`, { perMessageDeflate: { threshold: 0 } });
      const got = inbox(ws);
      ws.send('{"price":21}');
      ws.send('boom');
      ws.send('boom');
      await until(() => got.length === 3, 'three echoes');
      expect(got).toEqual(['{"price":42}', 'boom', 'boom']);
      ws.close(1000, 'done');
      await closed(ws);
      await until(() => proxy.stdout().includes('ended (close-handshake)'), 'the end line');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    const out = proxy.stdout();
    expect(out).toContain('ℹ note    proxy.engine.note  tweak.mjs: hello /ticks');
    expect(out).toContain('modified text message, 12 B → 12 B: "{"price":21}" → "{"price":42}"');
    expect(out.match(/proxy\.script\.error/g)).toHaveLength(1);
    expect(out).toContain('Error: kaput');
  });

  it("an error of the script's own timer or of a promise no hook awaits is one line; the proxy goes on", async () => {
    const file = scriptFile(`export default {
  onConnect() { setTimeout(() => { throw new Error('from a timer'); }, 1); },
  onMessage(msg) { if (msg.text === 'reject') Promise.reject(new Error('nobody awaits this')); },
};`);
    const echo = await startEchoServer(false);
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--script', file, '-s']);
    try {
      const ws = await openClient(`ws://127.0.0.1:${proxy.port}/`);
      const got = inbox(ws);
      ws.send('reject');
      await until(() => got.length === 1 && proxy.stderr().includes('from a timer'), 'the echo and the timer');
      ws.send('still here');
      await until(() => got.length === 2, 'a second echo');
      expect(got).toEqual(['reject', 'still here']);
      ws.close(1000);
      await closed(ws);
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    const lines = proxy.stderr().split('\n');
    expect(lines).toContain(
      `wsinspect: --script tweak.mjs: Error: from a timer (at ${pathToFileURL(file).href}:2:42), outside a hook: the proxy goes on`,
    );
    expect(lines.filter((l) => l.includes('Error: nobody awaits this'))).toHaveLength(2); // the message and its echo
  });
  it("a script's pending timer does not keep the proxy running after Ctrl-C", async () => {
    const file = scriptFile(`const waiting = new Promise((resolve) => setTimeout(resolve, 120_000));
export default { async onMessage(msg) { if (msg.text === 'wait') await waiting; } };`);
    const echo = await startEchoServer(false);
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--script', file, '-s']);
    try {
      const ws = await openClient(`ws://127.0.0.1:${proxy.port}/`);
      const got = inbox(ws);
      ws.send('go');
      await until(() => got.length === 1, 'the echo');
      ws.close(1000);
      await closed(ws);
    } finally {
      // without the explicit end, the script's two-minute timer held the process after the
      // clean stop: the test timed out waiting for it to exit
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    expect(proxy.stdout()).toContain('ended (close-handshake)');
  }, 20_000);
});
