// The engine with peers that are not `ws`: Python websockets 10.4 (server and client, with
// its default permessage-deflate, context takeover) and headless Chromium (its own deflate
// offer), each through a rule and through a script. Both must get what the rule or script
// made of the traffic, with no protocol error.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { parseRule, RuleDecider } from '../../src/engine/rules.js';
import { loadScript, ScriptDecider } from '../../src/engine/script.js';
import { terminatingRelay } from '../../src/engine/terminating-relay.js';
import type { Decider } from '../../src/engine/verdict.js';
import { CHROMIUM_PATH, describeWithTool, PYTHON3_PATH } from '../helpers/tools.js';
import { startEchoServer, startProxy, type Harness } from '../sources/proxy/proxy-harness.js';

const dirs: string[] = [];
const tmp = (name: string): string => {
  const d = mkdtempSync(join(tmpdir(), 'wsinspect-foreign-'));
  dirs.push(d);
  return join(d, name);
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const RULES = [
  'c2s && json.op == "subscribe" => set json.topic = "test"',
  'text == "drop me" => drop',
  'c2s && text == "hello" => inject s2c "injected"',
].map(parseRule);

const SCRIPT = `export default {
  onMessage(msg, ctx) {
    if (msg.dir === 'c2s' && msg.text !== undefined) return { text: msg.text.toUpperCase() };
    if (msg.dir === 'c2s') return { data: msg.data.slice().reverse() };
  },
};`;

async function scriptDecider(): Promise<Decider> {
  const file = tmp('upper.mjs');
  writeFileSync(file, SCRIPT);
  return new ScriptDecider(await loadScript(file), 'upper.mjs');
}

async function engineProxy(decider: Decider, port: number): Promise<Harness & { notes: string[] }> {
  const notes: string[] = [];
  const options = { decider: () => decider, holdTimeoutMs: 30_000, note: (_c: number, t: string) => notes.push(t) };
  const h = await startProxy({
    target: { host: '127.0.0.1', port, tls: false, label: `127.0.0.1:${port}` },
    relay: (conn, client, server, observer, first) => terminatingRelay(options, conn, client, server, observer, first),
  });
  return Object.assign(h, { notes });
}

const PY_SERVER = `
import asyncio, websockets
async def echo(ws, path=None):
    async for m in ws:
        await ws.send(m)
async def main():
    async with websockets.serve(echo, '127.0.0.1', 0) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
`;

const PY_CLIENT = `
import asyncio, json, sys, websockets
async def main(url, messages, expect):
    async with websockets.connect(url) as ws:
        for m in messages:
            await ws.send(m)
        got = [await ws.recv() for _ in range(expect)]
        pong = await ws.ping(b'still there?')
        await pong
        print(json.dumps({'got': got, 'extensions': [e.name for e in ws.extensions]}), flush=True)
asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])))
`;

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid);
});

/** Runs Python code; resolves with its first stdout line (a server's port) or all of stdout at exit. */
function python(code: string, args: string[], firstLine: boolean): Promise<string> {
  const child = spawn(PYTHON3_PATH, ['-c', code, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (firstLine && out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}: ${err}`))));
  });
}

describeWithTool('python3-websockets', 'Python websockets 10.4 through the engine', () => {
  it('a rule: set, drop and inject, with deflate and context takeover', async () => {
    const port = Number(await python(PY_SERVER, [], true));
    const h = await engineProxy(new RuleDecider(RULES), port);
    try {
      const sent = [JSON.stringify({ op: 'subscribe', topic: 'prices' }), 'drop me', 'hello', 'after'];
      const out = JSON.parse(await python(PY_CLIENT, [`ws://127.0.0.1:${h.port}/`, JSON.stringify(sent), '4'], false));
      expect(out.extensions).toEqual(['permessage-deflate']);
      // the injection goes back as soon as hello passes: before or after the echoes
      expect(out.got.filter((m: string) => m !== 'injected')).toEqual([
        '{"op":"subscribe","topic":"test"}',
        'hello',
        'after',
      ]);
      expect(out.got).toContain('injected');
      expect(h.notes).toEqual([]);
    } finally {
      await h.close();
    }
  }, 20_000);

  it('a script: every client text upper-cased', async () => {
    const port = Number(await python(PY_SERVER, [], true));
    const h = await engineProxy(await scriptDecider(), port);
    try {
      const sent = ['one', 'two '.repeat(3000), 'three'];
      const out = JSON.parse(await python(PY_CLIENT, [`ws://127.0.0.1:${h.port}/`, JSON.stringify(sent), '3'], false));
      expect(out.got).toEqual(sent.map((s) => s.toUpperCase()));
      expect(h.notes).toEqual([]);
    } finally {
      await h.close();
    }
  }, 20_000);
});

const CONVERSE = `(url) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const got = [];
  ws.onopen = () => {
    ws.send(JSON.stringify({ op: 'subscribe', topic: 'prices' }));
    ws.send('drop me');
    ws.send('hello');
    ws.send(new Uint8Array([1, 2, 3, 250]).buffer);
  };
  ws.onmessage = (e) => {
    got.push(typeof e.data === 'string' ? e.data : Array.from(new Uint8Array(e.data)).join(','));
    if (got.length === want) ws.close(1000, 'bye');
  };
  const want = WANT;
  ws.onclose = (e) => resolve([...got, 'close ' + e.code + ' ' + e.reason, ws.extensions]);
  ws.onerror = () => reject(new Error('WebSocket to ' + url + ' failed'));
})`;

describeWithTool('chromium', 'headless Chromium through the engine', () => {
  async function converse(decider: Decider, want: number): Promise<string[]> {
    const echo = await startEchoServer(true);
    const h = await engineProxy(decider, echo.port);
    const profile = tmp('profile');
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      ignoreDefaultArgs: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        `--user-data-dir=${profile}`,
        '--remote-debugging-pipe',
        'about:blank',
      ],
      timeout: 15_000,
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const code = CONVERSE.replace('WANT', String(want));
      const got = (await page.evaluate(`(${code})(${JSON.stringify(`ws://127.0.0.1:${h.port}/b`)})`)) as string[];
      expect(h.notes).toEqual([]);
      return got;
    } finally {
      await browser.close();
      await h.close();
      await echo.close();
    }
  }

  it('a rule: set, drop and inject', async () => {
    const got = await converse(new RuleDecider(RULES), 4);
    // the echo of each message, and the injection right after hello's turn on the way back
    expect(got.slice(0, 4).sort()).toEqual(
      ['1,2,3,250', '{"op":"subscribe","topic":"test"}', 'hello', 'injected'].sort(),
    );
    expect(got.slice(4)).toEqual(['close 1000 bye', 'permessage-deflate']);
  }, 30_000);

  it('a script: text upper-cased, binary reversed', async () => {
    const got = await converse(await scriptDecider(), 4);
    expect(got).toEqual([
      '{"OP":"SUBSCRIBE","TOPIC":"PRICES"}',
      'DROP ME',
      'HELLO',
      '250,3,2,1',
      'close 1000 bye',
      'permessage-deflate',
    ]);
  }, 30_000);
});
