// `wsinspect proxy --ui` end to end in a real pseudo-terminal (tmux): a real ws server and a
// real ws client (both negotiating permessage-deflate) talk through the proxy while keys go
// in with send-keys and the screen is read back with capture-pane. EDITOR is a script that
// rewrites the file it is given. Checked at both peers: i (intercept) holds, e edits (the JSON
// compacted back), x drops, d sends twice, I injects toward either peer, r resends; q quits
// and --write/--har were written. The machine may be slow: every wait polls with a generous
// limit, and nothing asserts wall time.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ROOT, runCli } from '../helpers/cli-run.js';
import { requireTool } from '../helpers/tools.js';

const BIN = join(ROOT, 'bin', 'wsinspect.js');
const work = mkdtempSync(join(tmpdir(), 'proxy-ui-tmux-'));
const SOCKET = `wsinspect-ui-debug-${process.pid}`;
afterAll(() => {
  // only our own tmux server, by its socket name
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  rmSync(work, { recursive: true, force: true });
});

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'ui');
}

function keys(...k: string[]): void {
  tmux('send-keys', '-t', 'ui', ...k);
}

/** Types text literally (no key names). */
function type(text: string): void {
  tmux('send-keys', '-t', 'ui', '-l', text);
}

/** Polls until `check` holds (generous: the machine is shared), else fails with what the screen showed. */
async function poll(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; the screen:\n${screen()}`);
}

const onScreen = (text: string) => (): boolean => screen().includes(text);

/**
 * `proxy -t TARGET -l 127.0.0.1:0 --ui MORE…` in tmux session `name` (its stderr in a file):
 * resolves once its UI is up, with the port it listens on and a reader of its screen.
 */
async function proxyUi(
  name: string,
  target: string,
  more: string,
  size: [number, number],
): Promise<{ port: number; screen: () => string }> {
  const err = join(work, `${name}-stderr`);
  const command =
    `cd ${ROOT} && NO_COLOR=1 ${process.execPath} ${BIN} proxy -t ${target} -l 127.0.0.1:0 --ui ${more}` +
    ` 2>${err}; echo "proxy exited $?"; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', String(size[0]), '-y', String(size[1]), command);
  const read = (): string => tmux('capture-pane', '-p', '-t', name);
  await poll(() => existsSync(err) && / listening on 127\.0\.0\.1:\d+/.test(readFileSync(err, 'utf8')), 'the proxy');
  const port = Number(/ listening on 127\.0\.0\.1:(\d+)/.exec(readFileSync(err, 'utf8'))![1]);
  await poll(() => read().includes('intercept: off'), 'the UI');
  return { port, screen: read };
}

describe('proxy --ui in a real terminal (tmux), with real ws peers', () => {
  it('intercept, edit, drop, duplicate, inject both ways, resend — checked at both peers', async (ctx) => {
    requireTool(ctx, 'tmux');
    const atServer: string[] = [];
    const atClient: string[] = [];
    const errors: string[] = [];
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (ws) => {
      ws.on('message', (d, binary) => atServer.push(binary ? `bin:${(d as Buffer).toString('hex')}` : d.toString()));
      ws.on('error', (e) => errors.push(`server: ${e.message}`));
      ws.send('welcome');
    });
    const editor = join(work, 'editor.sh');
    writeFileSync(
      editor,
      [
        '#!/bin/sh',
        '# JSON: qty 1 becomes 1000; the inject composer gets a body; other text gets what is typed',
        'case "$1" in',
        `  *.json) sed -i 's/"qty": 1$/"qty": 1000/' "$1" ;;`,
        '  *) if grep -q "A message to inject" "$1"; then echo "hello from the UI" >> "$1";',
        // other text: typed by the user, at the terminal the editor was handed (in cooked mode)
        `     else stty -a > ${join(work, 'stty')}; printf 'type here: '; read line; sed -i "1s/\$/ $line/" "$1"; fi ;;`,
        'esac',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const err = join(work, 'stderr');
    const pcapng = join(work, 'ui.pcapng');
    const har = join(work, 'ui.har');
    const target = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const command =
      `cd ${ROOT} && EDITOR=${editor} NO_COLOR=1 ${process.execPath} ${BIN} proxy -t ${target} -l 127.0.0.1:0 --ui` +
      ` -w ${pcapng} --har ${har} 2>${err}; echo "proxy exited $?"; sleep 600`;
    tmux('new-session', '-d', '-s', 'ui', '-x', '140', '-y', '40', command);
    let client: WebSocket | null = null;
    try {
      await poll(
        () => existsSync(err) && / listening on 127\.0\.0\.1:\d+/.test(readFileSync(err, 'utf8')),
        'the proxy',
      );
      const port = Number(/ listening on 127\.0\.0\.1:(\d+)/.exec(readFileSync(err, 'utf8'))![1]);
      await poll(onScreen('intercept: off'), 'the UI');
      // a plain HTTP request first: the proxy's connection 2 is the UI's WebSocket connection 1,
      // which I and r name (the debugger maps the numbers)
      await fetch(`http://127.0.0.1:${port}/health`).catch(() => {});
      client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { threshold: 0 } });
      client.on('message', (d, binary) =>
        atClient.push(binary ? `bin:${(d as Buffer).toString('hex')}` : d.toString()),
      );
      client.on('error', (e) => errors.push(`client: ${e.message}`));
      await new Promise<void>((r, j) => {
        client!.once('open', () => r());
        client!.once('error', j);
      });
      await poll(() => atClient.includes('welcome') && screen().includes('welcome'), 'the first message');

      // i: the intercept filter
      keys('i');
      await poll(onScreen('intercept filter'), 'the intercept prompt');
      type('json.op == "buy" || text contains "free"');
      keys('Enter');
      await poll(onScreen('intercepting json.op == "buy" || text contains "free"'), 'the intercept set');

      // e: held, then edited in $EDITOR; the server gets the edit, compacted
      client.send('{"op":"buy","qty":1}');
      await poll(onScreen('HELD'), 'the held message');
      expect(atServer).toEqual([]);
      keys('G');
      await new Promise((r) => setTimeout(r, 1000));
      keys('e');
      await poll(() => atServer.length === 1, 'the edited message at the server');
      expect(atServer).toEqual(['{"op":"buy","qty":1000}']);
      await poll(onScreen('[modified]'), 'the modified mark');

      // e on text: the editor gets the terminal (normal screen, cooked mode, every key), the
      // UI gets it back afterwards
      client.send('free text');
      await poll(onScreen('HELD'), 'the held text message');
      keys('G');
      await new Promise((r) => setTimeout(r, 1000));
      keys('e');
      await poll(onScreen('type here:'), 'the editor');
      expect(tmux('display', '-p', '-t', 'ui', '#{alternate_on}').trim()).toBe('0');
      type('typed in the editor');
      keys('Enter');
      await poll(() => atServer.length === 2, 'the typed edit at the server');
      expect(atServer[1]).toBe('free text typed in the editor');
      expect(readFileSync(join(work, 'stty'), 'utf8')).toMatch(/(^|\s)icanon\s/);
      await poll(() => tmux('display', '-p', '-t', 'ui', '#{alternate_on}').trim() === '1', 'the UI back');
      atServer.splice(1, 1);

      // x: dropped, never arrives (the next message does)
      client.send('{"op":"buy","qty":2}');
      await poll(onScreen('HELD'), 'the second held message');
      keys('G');
      await new Promise((r) => setTimeout(r, 1000));
      keys('x');
      await poll(() => !screen().includes('HELD'), 'the drop');
      client.send('{"op":"hello"}');
      await poll(() => atServer.length === 2, 'the message after the drop');
      expect(atServer).toEqual(['{"op":"buy","qty":1000}', '{"op":"hello"}']);

      // d: sent twice
      client.send('{"op":"buy","qty":3}');
      await poll(onScreen('HELD'), 'the third held message');
      keys('G');
      await new Promise((r) => setTimeout(r, 1000));
      keys('d');
      await poll(() => atServer.length === 4, 'the message twice');
      expect(atServer.slice(2)).toEqual(['{"op":"buy","qty":3}', '{"op":"buy","qty":3}']);

      // I: injected toward the server, then toward the client, composed in $EDITOR
      keys('I');
      await poll(onScreen('inject toward'), 'the inject prompt');
      keys('s', 'Enter');
      await poll(() => atServer.length === 5, 'the injection at the server');
      expect(atServer[4]).toBe('hello from the UI');
      keys('I');
      await poll(onScreen('inject toward'), 'the inject prompt');
      keys('c', 'Enter');
      await poll(() => atClient.length === 2, 'the injection at the client');
      expect(atClient).toEqual(['welcome', 'hello from the UI']);

      // r: the first row ("welcome", server to client) resent
      keys('g');
      await new Promise((r) => setTimeout(r, 1000));
      keys('r');
      await poll(() => atClient.length === 3, 'the resent message');
      expect(atClient[2]).toBe('welcome');
      await poll(onScreen('[injected]'), 'the injected mark');
      expect(errors).toEqual([]);
      writeFileSync(join(work, 'screen.txt'), screen());

      // q: the proxy stops, its recordings written
      keys('q');
      await poll(onScreen('proxy exited 0'), 'the proxy to exit');
      const harText = readFileSync(har, 'utf8');
      expect(harText).toContain('{\\"op\\":\\"buy\\",\\"qty\\":1000}');
      expect(harText).not.toContain('\\"qty\\":2}');
      // the HAR says which messages the proxy changed
      expect(harText).toContain('"_origin":"modified","_original":"{\\"op\\":\\"buy\\",\\"qty\\":1}"');
      expect(harText).toContain('"data":"hello from the UI","_origin":"injected"');
      // -w recorded both legs: what the client sent (client↔proxy) and what the server got
      // (proxy↔server), each decoded with its own deflate context, no diagnostic on a message
      const listing = runCli([pcapng, '--messages', '--json']);
      expect(listing.status).toBe(0);
      const messages = listing.stdout
        .split('\n')
        .filter((l) => l.startsWith('{"type":"message"'))
        .map(
          (l) =>
            JSON.parse(l) as { conn: number; dir: string; text?: string; compressed: boolean; diagnostics: unknown[] },
        );
      expect(messages.flatMap((m) => m.diagnostics)).toEqual([]);
      // what the UI injects and resends is compressed, as a peer with permessage-deflate sends it
      const madeByUi = messages.filter((m) => m.text === 'hello from the UI');
      expect(madeByUi.length).toBeGreaterThan(0);
      for (const m of madeByUi) expect(m.compressed).toBe(true);
      const legs = [1, 2].map((conn) => ({
        c2s: messages.filter((m) => m.conn === conn && m.dir === 'c2s').map((m) => m.text),
        s2c: messages.filter((m) => m.conn === conn && m.dir === 's2c').map((m) => m.text),
      }));
      const serverLeg = legs.find((l) => l.c2s.includes('{"op":"buy","qty":1000}'));
      const clientLeg = legs.find((l) => l !== serverLeg);
      expect(clientLeg).toEqual({
        c2s: ['{"op":"buy","qty":1}', 'free text', '{"op":"buy","qty":2}', '{"op":"hello"}', '{"op":"buy","qty":3}'],
        s2c: ['welcome', 'hello from the UI', 'welcome'],
      });
      expect(serverLeg).toEqual({
        c2s: [
          '{"op":"buy","qty":1000}',
          'free text typed in the editor',
          '{"op":"hello"}',
          '{"op":"buy","qty":3}',
          '{"op":"buy","qty":3}',
          'hello from the UI',
        ],
        s2c: ['welcome'],
      });
    } finally {
      client?.terminate();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    }
  }, 600_000);

  it('SIGTERM ends proxy --ui as q does: the terminal given back, --har written whole', async (ctx) => {
    requireTool(ctx, 'tmux');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString())));
    const har = join(work, 'sig.har');
    const target = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    let client: WebSocket | null = null;
    try {
      const { port, screen: sigScreen } = await proxyUi('sig', target, `--har ${har}`, [160, 30]);
      client = new WebSocket(`ws://127.0.0.1:${port}/`);
      const echoed = new Promise<string>((r) => client!.once('message', (d) => r(d.toString())));
      await new Promise<void>((r) => client!.once('open', () => r()));
      client.send('before the signal');
      expect(await echoed).toBe('before the signal');
      await poll(() => sigScreen().includes('before the signal'), 'the message in the list');
      // the proxy is the shell's child in the pane (the shell runs it, then echo and sleep)
      const shell = tmux('display-message', '-p', '-t', 'sig', '#{pane_pid}').trim();
      const proxyPid = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', shell], { encoding: 'utf8' }).trim());
      expect(proxyPid).toBeGreaterThan(0);
      process.kill(proxyPid, 'SIGTERM');
      await poll(() => sigScreen().includes('proxy exited'), 'the proxy to exit');
      expect(tmux('display-message', '-p', '-t', 'sig', '#{alternate_on}').trim()).toBe('0');
      const entries = JSON.parse(readFileSync(har, 'utf8')).log.entries as { _webSocketMessages: { data: string }[] }[];
      expect(entries.flatMap((e) => e._webSocketMessages.map((m) => m.data))).toEqual([
        'before the signal',
        'before the signal',
      ]);
    } finally {
      client?.terminate();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    }
  }, 300_000);

  it("a request's detail shows its answer when it comes, without the cursor moving", async (ctx) => {
    requireTool(ctx, 'tmux');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    let answer: (() => void) | null = null;
    wss.on('connection', (ws) =>
      ws.on('message', (d) => {
        const req = JSON.parse(d.toString()) as { id: number };
        answer = () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: 5 }));
      }),
    );
    const target = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    let client: WebSocket | null = null;
    try {
      const { port, screen: ansScreen } = await proxyUi('ans', target, '', [160, 40]);
      client = new WebSocket(`ws://127.0.0.1:${port}/`);
      await new Promise<void>((r) => client!.once('open', () => r()));
      client.send('{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}');
      // the messages list: the request is its only row, selected, its detail beside it
      tmux('send-keys', '-t', 'ans', 'm');
      await poll(() => ansScreen().includes('no answer yet'), 'the request waiting for its answer');
      expect(ansScreen()).toContain('request add id=1');
      // the UI may show the request before the server has read it (a loaded machine: CI)
      await poll(() => answer !== null, 'the server to hold the request');
      answer!();
      // no key pressed: the detail is asked for again as traffic comes
      await poll(() => /answered by frame #2 \([\d.]+ ms later\)/.test(ansScreen()), 'the answer in the detail');
      expect(ansScreen()).not.toContain('no answer yet');
      tmux('send-keys', '-t', 'ans', 'q');
      await poll(() => ansScreen().includes('proxy exited'), 'the proxy to exit');
    } finally {
      client?.terminate();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    }
  }, 300_000);
});
