// `wsinspect replay`: recordings played against real `ws` servers — one that answers as the
// recorded server did (exit 0), and ones that answer differently (exit 1, the diff names the
// message and the JSON path), with the handshake headers, --ignore, --conn and --json.
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ROOT, runCliAsync } from '../helpers/cli-run.js';

const fixture = (name: string) => join(ROOT, 'fixtures', name);
const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A ws server on a free port; `onConnection` decides what it answers. */
async function server(onConnection: (ws: WebSocket, req: IncomingMessage) => void): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  servers.push(wss);
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', onConnection);
  const { port } = wss.address() as { port: number };
  return `ws://127.0.0.1:${port}`;
}
const echo = (ws: WebSocket) => ws.on('message', (d, binary) => ws.send(d, { binary }));
const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('wsinspect replay', () => {
  it('a capture against an echo server like the recorded one: every reply equal, exit 0, shown live', async () => {
    let request: IncomingMessage | undefined;
    const url = await server((ws, req) => {
      request = req;
      echo(ws);
    });
    const r = await runCliAsync(['replay', fixture('plain.pcap'), '--target', url, '-s']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/handshake GET \/chat → 101, Sec-WebSocket-Accept ✓/);
    expect(r.stdout).toMatch(/#1 text FIN 5 bytes masked [0-9a-f]{8} "hello"/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(
      `replay: 5 equal, 0 differ, 0 missing, 0 extra (5 client messages sent to ${url}/chat)`,
    );
    // the recorded key is not replayed: ws made a fresh one
    expect(request?.headers['sec-websocket-key']).not.toBe(undefined);
    expect(request?.url).toBe('/chat');
  });

  it('the Chromium HAR against a server that answers as its own did: exit 0', async () => {
    const url = await server((ws) => {
      ws.send('welcome');
      ws.send(Buffer.from([0, 1, 2, 253, 254, 255]));
      echo(ws);
    });
    const r = await runCliAsync(['replay', fixture('chromium.har'), '-t', url, '--json']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const last = jsonLines(r.stdout).at(-1);
    expect(last).toEqual({ type: 'replay-result', equal: 6, differ: 0, missing: 0, extra: 0 });
  });

  it('a server that answers differently: exit 1, the message and the JSON path named; --ignore leaves it out', async () => {
    const url = await server((ws) => {
      ws.send('welcome');
      ws.send(Buffer.from([0, 1, 2, 253, 254, 255]));
      ws.on('message', (d, binary) => {
        const text = d.toString();
        ws.send(text.startsWith('{') ? JSON.stringify({ ...JSON.parse(text), n: 2, ts: Date.now() }) : d, { binary });
      });
    });
    const r = await runCliAsync(['replay', fixture('chromium.har'), '-t', url]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('replay: server message 4 differs: JSON differs at json.n, json.ts');
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^replay: 5 equal, 1 differ, 0 missing, 0 extra/);
    const json = await runCliAsync(['replay', fixture('chromium.har'), '-t', url, '--json']);
    const diff = jsonLines(json.stdout).find((e) => e.type === 'replay-diff');
    expect(diff).toMatchObject({
      type: 'replay-diff',
      conn: 1,
      index: 4,
      kind: 'differs',
      paths: ['json.n', 'json.ts'],
    });
    const ignored = await runCliAsync([
      'replay',
      fixture('chromium.har'),
      '-t',
      url,
      '--ignore',
      'json.n',
      '--ignore',
      'json.ts',
    ]);
    expect(ignored.status).toBe(0);
  });

  it('missing and extra server messages are named; a refused upgrade is one line, exit 2', async () => {
    const quiet = await server(() => {});
    const r = await runCliAsync([
      'replay',
      fixture('plain.pcap'),
      '-t',
      quiet,
      '--reply-timeout',
      '0.2',
      '--pace',
      'fast',
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('replay: server message 1 missing: the server did not send it');
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^replay: 0 equal, 0 differ, 5 missing, 0 extra/);
    const chatty = await server((ws) => {
      echo(ws);
      ws.on('message', () => ws.send('and one more'));
    });
    const extra = await runCliAsync(['replay', fixture('plain.pcap'), '-t', chatty, '--reply-timeout', '0.3']);
    expect(extra.status).toBe(1);
    expect(extra.stdout).toMatch(/extra: not in the recording/);
    const refused = await runCliAsync(['replay', fixture('plain.pcap'), '-t', 'ws://127.0.0.1:1']);
    expect([refused.status, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toBe(
      'wsinspect: cannot replay against ws://127.0.0.1:1/chat: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });

  it('exits once the verdict is printed, not --reply-timeout later', async () => {
    const url = await server(echo);
    const started = Date.now();
    const r = await runCliAsync(['replay', fixture('plain.pcap'), '-t', url, '--reply-timeout', '30']);
    expect(r.status).toBe(0);
    // every wait for a reply was answered at once: no timer may keep the process alive
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a server that answers the upgrade with 404 or hangs up: one line, exit 2, no crash', async () => {
    const http = createServer((_req, res) => res.writeHead(404).end('nope'));
    http.on('upgrade', (req: IncomingMessage, socket) => {
      if (req.url?.startsWith('/chat') === true) socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    const { port } = http.address() as { port: number };
    try {
      const refused = await runCliAsync(['replay', fixture('plain.pcap'), '-t', `ws://127.0.0.1:${port}`, '-s']);
      expect([refused.status, refused.stderr]).toEqual([
        2,
        `wsinspect: ws://127.0.0.1:${port}/chat refused the upgrade: 404 Not Found\n`,
      ]);
      const hungUp = await runCliAsync(['replay', fixture('plain.pcap'), '-t', `ws://127.0.0.1:${port}/other`]);
      expect([hungUp.status, hungUp.stderr]).toEqual([
        2,
        `wsinspect: cannot replay against ws://127.0.0.1:${port}/other: socket hang up\n`,
      ]);
    } finally {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  it('--conn picks among several connections, and is required then; --header replaces a recorded header', async () => {
    let seen: IncomingMessage | undefined;
    const url = await server((ws, req) => {
      seen = req;
      echo(ws);
    });
    const none = await runCliAsync(['replay', fixture('interleaved.pcap'), '-t', url]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/has 3 connections: pick one with --conn N: 1 \(\/chat, 8 messages\), 2 /);
    const two = await runCliAsync([
      'replay',
      fixture('interleaved.pcap'),
      '-t',
      url,
      '--conn',
      '2',
      '-H',
      'X-Token: fresh',
      '-s',
    ]);
    expect(two.status).toBe(0);
    expect(seen?.headers['x-token']).toBe('fresh');
    const bad = await runCliAsync(['replay', fixture('plain.pcap'), '-t', url, '-H', 'no colon']);
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([
      2,
      `wsinspect: --header takes 'Name: value', not "no colon"`,
    ]);
  });
});
