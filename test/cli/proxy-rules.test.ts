// `wsinspect proxy --rule`: a bad rule is one line and exit status 2 before the proxy listens;
// rules change what the peers get and the listing and --json say so (modified with the
// original, dropped, injected); --write records the two legs as two TCP connections, each
// with what that peer really got.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';
import { requireTool } from '../helpers/tools.js';
import type { WebSocket } from 'ws';
import { changed, closed, openClient, startEchoServer, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, jsonLines, startProxyCli } from './proxy-cli.js';

const RULES = [
  '--rule',
  'c2s && json.op == "subscribe" => set json.topic = "test"',
  '--rule',
  'text == "debug on" => drop',
  '--rule',
  's2c && text == "hello" => inject s2c "injected by the proxy"',
];

/** Every message `ws` gets, as text, from now on (two may arrive in one chunk: no once() per message). */
function inbox(ws: WebSocket): string[] {
  const got: string[] = [];
  ws.on('message', (d: Buffer) => {
    got.push(d.toString());
    changed();
  });
  return got;
}

/** The conversation of these tests: subscribe, a message the rules drop, one they answer with an injection. */
async function converse(port: number): Promise<string[]> {
  const ws = await openClient(`ws://127.0.0.1:${port}/feed`, { perMessageDeflate: { threshold: 0 } });
  const got = inbox(ws);
  ws.send(JSON.stringify({ op: 'subscribe', topic: 'prices' }));
  await until(() => got.length === 1, 'the subscription echoed');
  ws.send('debug on');
  ws.send('hello');
  await until(() => got.length === 3, 'hello and the injected message');
  ws.close(1000, 'done');
  await closed(ws);
  return got;
}

describe('wsinspect proxy --rule', () => {
  it.each([
    [['--rule', 'c2s => dorp'], 'wsinspect: --rule "c2s => dorp": unknown action "dorp" at 8 — did you mean drop?\n'],
    [
      ['--rule', 'c2s => drop', '--rule', 'websocket.opcod == 1 => drop'],
      'wsinspect: --rule 2 "websocket.opcod == 1 => drop": unknown field "websocket.opcod" at 1 — did you mean websocket.opcode?\n',
    ],
    [
      ['--rule', 'c2s => hold', '--hold-timeout', 'soon'],
      'wsinspect: --hold-timeout "soon" is not a duration (such as 30s, 500ms or 2m)\n',
    ],
    [
      // longer than a timer can wait (2^31-1 ms): it would have released every hold at once
      ['--rule', 'c2s => hold', '--hold-timeout', '40000m'],
      'wsinspect: --hold-timeout "40000m" is too long: at most 24 hours (with --ui, leave it out for no limit)\n',
    ],
    [
      ['--hold-timeout', '5s'],
      'wsinspect: --hold-timeout is for held messages: give a --rule with hold too (or --ui)\n',
    ],
  ])('refuses %j in one line, exit status 2, before listening', (args, line) => {
    const r = runCli(['proxy', '--listen', '127.0.0.1:0', '--target', 'ws://127.0.0.1:1', ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0] + '\n').toBe(line);
    expect(r.stderr).not.toContain('listening');
  });

  it('changes what the peers get, and --json says how (origin, original, dropped, leg)', async () => {
    const echo = await startEchoServer({ threshold: 0 });
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--json', ...RULES]);
    try {
      // a plain HTTP request first: the proxy's connection 2 is shown as WebSocket connection 1
      await fetch(`http://127.0.0.1:${proxy.port}/health`).catch(() => {});
      expect(await converse(proxy.port)).toEqual([
        '{"op":"subscribe","topic":"test"}',
        'hello',
        'injected by the proxy',
      ]);
      await until(() => proxy.stdout().includes('"type":"end"'), 'the end event');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    const events = jsonLines(proxy.stdout());
    const messages = events.filter((e) => e.type === 'message');
    expect(new Set(messages.map((m) => m.conn))).toEqual(new Set([1]));
    const pick = (m: Record<string, unknown>) => ({
      dir: m.dir,
      text: m.text,
      origin: m.origin,
      leg: m.leg,
      dropped: m.dropped,
      original: m.original,
    });
    expect(messages.map(pick)).toEqual([
      {
        dir: 'c2s',
        text: '{"op":"subscribe","topic":"test"}',
        origin: 'modified',
        leg: 'server',
        dropped: undefined,
        original: { text: '{"op":"subscribe","topic":"prices"}' },
      },
      {
        dir: 's2c',
        text: '{"op":"subscribe","topic":"test"}',
        origin: 'wire',
        leg: 'client',
        dropped: undefined,
        original: undefined,
      },
      { dir: 'c2s', text: 'debug on', origin: 'wire', leg: 'client', dropped: true, original: undefined },
      { dir: 'c2s', text: 'hello', origin: 'wire', leg: 'server', dropped: undefined, original: undefined },
      { dir: 's2c', text: 'hello', origin: 'wire', leg: 'client', dropped: undefined, original: undefined },
      {
        dir: 's2c',
        text: 'injected by the proxy',
        origin: 'injected',
        leg: 'client',
        dropped: undefined,
        original: undefined,
      },
    ]);
    const frames = events.filter((e) => e.type === 'frame' && (e.opcode === 1 || e.opcode === 2));
    expect(frames.map((f) => f.origin)).toEqual(['modified', 'wire', 'wire', 'wire', 'injected']);
    // frames toward the server are masked by the proxy, the handshake passed as it was
    expect(frames.filter((f) => f.dir === 'c2s').every((f) => f.masked === true)).toBe(true);
    expect(events.filter((e) => e.type === 'handshake').length).toBe(2);
  });

  it('marks modified, dropped and injected messages in the listing', async () => {
    const echo = await startEchoServer({ threshold: 0 });
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, ...RULES]);
    try {
      await converse(proxy.port);
      await until(() => proxy.stdout().includes('ended (close-handshake)'), 'the end line');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    const out = proxy.stdout();
    expect(out).toContain(
      'modified text message, 35 B → 33 B: "{"op":"subscribe","topic":"prices"}" → "{"op":"subscribe","topic":"test"}"',
    );
    expect(out).toContain('dropped text message, 8 B: "debug on" (dropped by --rule 2)');
    expect(out).toContain('injected text message, 21 B: "injected by the proxy"');
  });

  it('--write records client↔proxy and proxy↔server as two TCP connections', async (ctx) => {
    const echo = await startEchoServer({ threshold: 0 });
    const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-rules-')), 'legs.pcapng');
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--write', file, ...RULES]);
    try {
      await converse(proxy.port);
      await until(() => echo.received.length === 2, 'the server got its two messages');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    const read = runCli(['read', file, '--json', '--messages']);
    expect(read.status).toBe(0);
    const messages = jsonLines(read.stdout).filter((e) => e.type === 'message');
    const byConn = (conn: number, dir: string) =>
      messages.filter((m) => m.conn === conn && m.dir === dir).map((m) => m.text);
    // the client's leg: what the client sent and what it got
    expect(byConn(1, 'c2s')).toEqual(['{"op":"subscribe","topic":"prices"}', 'debug on', 'hello']);
    expect(byConn(1, 's2c')).toEqual(['{"op":"subscribe","topic":"test"}', 'hello', 'injected by the proxy']);
    // the server's leg: what the server got and what it sent
    expect(byConn(2, 'c2s')).toEqual(['{"op":"subscribe","topic":"test"}', 'hello']);
    expect(byConn(2, 's2c')).toEqual(['{"op":"subscribe","topic":"test"}', 'hello']);
    expect(jsonLines(read.stdout).filter((e) => e.type === 'diagnostic' && e.severity === 'error')).toEqual([]);

    requireTool(ctx, 'tshark');
    const streams = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.stream'], { encoding: 'utf8' });
    expect(new Set(streams.trim().split('\n')).size).toBe(2);
  });
});
