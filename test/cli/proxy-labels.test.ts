// What the proxy says about each connection, with real peers: a WebSocket connection's line
// names the URL and host the client asked for and its TLS (--json: url, host, tls); what is
// not WebSocket — a plain HTTP request with its status, bytes that are not HTTP, a blind TLS
// tunnel, a CONNECT that failed — is one note saying so, without a connection number;
// --ignore-hosts relays matching targets without a word.
import { request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createServer } from 'node:http';
import { LeafCertificates } from '../../src/sources/ca/leaf-certificates.js';
import { openLocalCa } from '../../src/sources/ca/local-ca.js';
import { runCli } from '../helpers/cli-run.js';
import { closed, nextMessage, startTlsEchoServer, until, type TlsEchoServer } from '../sources/proxy/proxy-harness.js';
import { interrupt, jsonLines, startProxyCli, type RunningCli } from './proxy-cli.js';

const tmp = (name: string) => join(mkdtempSync(join(tmpdir(), 'wsinspect-labels-')), name);
const upstreamCa = openLocalCa(tmp('upstream-ca'));
const upstreamCaFile = tmp('upstream-ca.pem');
writeFileSync(upstreamCaFile, upstreamCa.certPem);

/** A plain server on 127.0.0.1 that answers HTTP requests and echoes WebSocket messages. */
async function startPlainServer(): Promise<{ port: number; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    res.statusCode = req.url === '/missing' ? 404 : 200;
    res.end(`plain: ${req.url}`);
  });
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

let plain: Awaited<ReturnType<typeof startPlainServer>>;
let tlsEcho: TlsEchoServer;
beforeAll(async () => {
  plain = await startPlainServer();
  const leaves = new LeafCertificates(upstreamCa);
  tlsEcho = await startTlsEchoServer(upstreamCa, {
    certPem: leaves.certificateFor('localhost').certPem,
    keyPem: leaves.leafKey().privatePem,
  });
});
afterAll(async () => {
  await plain.close();
  await tlsEcho.close();
});

/** One message there and back, then a clean close. */
async function echoOnce(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<string> {
  const ws = new WebSocket(url, options);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send('ping through the proxy');
  const back = (await nextMessage(ws)).toString();
  ws.close(1000, 'done');
  await closed(ws);
  return back;
}

function httpGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function sendRaw(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end(bytes));
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.resume();
  });
}

const events = (cli: RunningCli) => jsonLines(cli.stdout());
const ends = (cli: RunningCli) => events(cli).filter((e) => e.type === 'end').length;

describe('proxy labels (reverse mode)', () => {
  it('numbers only WebSocket connections and names the rest: plain HTTP with its status, bytes that are not HTTP', async () => {
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${plain.port}`, '--json']);
    let notes: Record<string, unknown>[];
    try {
      expect(await echoOnce(`ws://127.0.0.1:${proxy.port}/chat`)).toBe('ping through the proxy');
      expect(await httpGet(proxy.port, '/health')).toBe(200);
      expect(await httpGet(proxy.port, '/missing')).toBe(404);
      await sendRaw(proxy.port, Buffer.from('0102037f676172626167650d0a0d0a', 'hex'));
      expect(await echoOnce(`ws://127.0.0.1:${proxy.port}/two?x=1`)).toBe('ping through the proxy');
      await until(() => ends(proxy) === 2, 'two ends');
      notes = events(proxy).filter((e) => e.type === 'diagnostic');
      await until(() => events(proxy).filter((e) => e.type === 'diagnostic').length === 3, 'three notes');
      notes = events(proxy).filter((e) => e.type === 'diagnostic');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
    }
    const connections = events(proxy).filter((e) => e.type === 'connection');
    expect(connections.map((c) => [c.conn, c.url, c.host, c.tls])).toEqual([
      [1, `ws://127.0.0.1:${plain.port}/chat`, `127.0.0.1:${plain.port}`, undefined],
      [2, `ws://127.0.0.1:${plain.port}/two?x=1`, `127.0.0.1:${plain.port}`, undefined],
    ]);
    expect(notes.map((n) => [n.conn, n.code, n.severity, n.url])).toEqual([
      [null, 'proxy.not-websocket', 'note', `http://127.0.0.1:${plain.port}/health`],
      [null, 'proxy.not-websocket', 'note', `http://127.0.0.1:${plain.port}/missing`],
      [null, 'proxy.not-websocket', 'note', undefined],
    ]);
    expect(notes[0].message).toMatch(
      /plain HTTP request "GET \/health" \(not a WebSocket upgrade\), answered "200 OK"/,
    );
    expect(notes[1].message).toMatch(/"GET \/missing" .*answered "404 Not Found"/);
    expect(notes[2].message).toMatch(/not HTTP: the client's first bytes are 01 02 03 7f 67 61 72 62 …/);
    expect(proxy.stdout()).not.toMatch(/found by/);
    expect(proxy.stderr()).not.toMatch(/connection \d/);
  }, 20_000);

  it('text: the connection line names the URL; a note names a plain request and its status', async () => {
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${plain.port}`, '-s']);
    try {
      expect(await httpGet(proxy.port, '/health')).toBe(200);
      expect(await echoOnce(`ws://127.0.0.1:${proxy.port}/chat`)).toBe('ping through the proxy');
      // a request target with a terminal escape in it: quoted in the note, never raw
      await sendRaw(proxy.port, Buffer.from('GET /\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n'));
      await until(() => /connection 1 ended/.test(proxy.stdout()) && /2J/.test(proxy.stdout()), 'the end');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
    }
    expect(proxy.stdout()).not.toContain('\x1b');
    expect(proxy.stdout()).toContain(`(http://127.0.0.1:${plain.port}/\\x1b[2J): plain HTTP request "GET /\\x1b[2J"`);
    const lines = proxy.stdout().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^ +[\\d.]+ ℹ note +proxy\\.not-websocket +127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${plain.port} \\(http://127\\.0\\.0\\.1:${plain.port}/health\\): plain HTTP request "GET /health" \\(not a WebSocket upgrade\\), answered "200 OK": relayed, not decoded$`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^ +[\\d.]+ Connection 1: 127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${plain.port} ws://127\\.0\\.0\\.1:${plain.port}/chat$`,
      ),
    );
  }, 20_000);
});

describe('proxy labels (forward mode)', () => {
  it('CONNECT: ws and intercepted wss name URL, host and TLS; a refused CONNECT is named as such', async () => {
    const caDir = tmp('ca');
    const proxy = await startProxyCli(['--json', '--ca-dir', caDir], { NODE_EXTRA_CA_CERTS: upstreamCaFile });
    const closedPort = await freePort();
    try {
      const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
      expect(await echoOnce(`ws://127.0.0.1:${plain.port}/plain`, { agent })).toBe('ping through the proxy');
      const ca = readFileSync(join(caDir, 'ca.pem'), 'utf8');
      expect(await echoOnce(`wss://localhost:${tlsEcho.port}/secure`, { agent, ca })).toBe('ping through the proxy');
      const refused = await echoOnce(`ws://127.0.0.1:${closedPort}/`, { agent }).catch((e: Error) => e.message);
      expect(refused).toMatch(/502/);
      await until(() => ends(proxy) === 2 && /CONNECT 127/.test(proxy.stdout()), 'two ends and the refusal');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
    }
    const connections = events(proxy).filter((e) => e.type === 'connection');
    expect(connections.map((c) => [c.conn, c.url, c.host])).toEqual([
      [1, `ws://127.0.0.1:${plain.port}/plain`, `127.0.0.1:${plain.port}`],
      [2, `wss://localhost:${tlsEcho.port}/secure`, `localhost:${tlsEcho.port}`],
    ]);
    expect(connections[0].tls).toBeUndefined();
    expect(connections[1].tls).toEqual({
      version: 'TLS 1.3',
      cipher: expect.stringMatching(/^TLS_/),
      // the ws client offers no ALPN
      alpn: null,
      decrypted: true,
      sni: 'localhost',
    });
    const refusal = events(proxy).filter((e) => e.type === 'diagnostic');
    expect(refusal.map((d) => [d.conn, d.code])).toEqual([[null, 'proxy.upstream-failed']]);
    expect(refusal[0].message).toMatch(
      new RegExp(
        `^client 127\\.0\\.0\\.1:\\d+: CONNECT 127\\.0\\.0\\.1:${closedPort} refused the connection \\(nothing listening there\\?\\); answered 502 Bad Gateway$`,
      ),
    );
    expect(proxy.stderr()).toMatch(
      new RegExp(`wsinspect: client 127\\.0\\.0\\.1:\\d+: CONNECT 127\\.0\\.0\\.1:${closedPort} refused`),
    );
    expect(proxy.stderr()).not.toMatch(/ws upstream/);
  }, 20_000);

  it('--no-intercept: a blind TLS tunnel is one note with its host, not a connection', async () => {
    const proxy = await startProxyCli(['--no-intercept', '-s']);
    try {
      const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
      const echoed = await echoOnce(`wss://localhost:${tlsEcho.port}/blind`, { agent, ca: upstreamCa.certPem });
      expect(echoed).toBe('ping through the proxy');
      await until(() => /proxy\.tls-not-intercepted/.test(proxy.stdout()), 'the note');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
    }
    expect(proxy.stdout()).toMatch(
      new RegExp(
        `^ +[\\d.]+ ℹ note +proxy\\.tls-not-intercepted +127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${tlsEcho.port} \\(localhost:${tlsEcho.port}\\): TLS tunnel relayed without interception \\(--no-intercept\\): its WebSocket traffic is not shown\\n$`,
      ),
    );
  }, 20_000);

  it('--no-intercept --json: the blind tunnel names the SNI of its ClientHello, CONNECT to an IP address or not', async () => {
    const proxy = await startProxyCli(['--no-intercept', '--json']);
    try {
      const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
      const options = { agent, ca: upstreamCa.certPem, servername: 'localhost' };
      expect(await echoOnce(`wss://127.0.0.1:${tlsEcho.port}/blind`, options)).toBe('ping through the proxy');
      await until(() => /proxy\.tls-not-intercepted/.test(proxy.stdout()), 'the note');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
    }
    expect(events(proxy)).toEqual([
      expect.objectContaining({
        type: 'diagnostic',
        conn: null,
        code: 'proxy.tls-not-intercepted',
        host: `localhost:${tlsEcho.port}`,
        tls: { version: null, cipher: null, alpn: null, decrypted: false, sni: 'localhost' },
      }),
    ]);
  }, 20_000);

  it('--ignore-hosts: matching targets are relayed blind and show nothing; the others as before', async () => {
    const caDir = tmp('ca');
    const proxy = await startProxyCli(['--json', '--ca-dir', caDir, '--ignore-hosts', '^LOCALHOST:'], {
      NODE_EXTRA_CA_CERTS: upstreamCaFile,
    });
    try {
      const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
      // not intercepted: the client sees the real server's certificate
      const ignored = await echoOnce(`wss://localhost:${tlsEcho.port}/ignored`, { agent, ca: upstreamCa.certPem });
      expect(ignored).toBe('ping through the proxy');
      const plainIgnored = await echoOnce(`ws://localhost:${plain.port}/ignored`, { agent });
      expect(plainIgnored).toBe('ping through the proxy');
      // CONNECT to an IP address, but the ClientHello names localhost: ignored too, as mitmproxy does
      const bySni = { agent, ca: upstreamCa.certPem, servername: 'localhost' };
      expect(await echoOnce(`wss://127.0.0.1:${tlsEcho.port}/ignored`, bySni)).toBe('ping through the proxy');
      expect(await echoOnce(`ws://127.0.0.1:${plain.port}/shown`, { agent })).toBe('ping through the proxy');
      await until(() => ends(proxy) === 1, 'the end of the shown connection');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
    }
    expect(proxy.stdout()).not.toMatch(/localhost|ignored/);
    expect(proxy.stderr()).not.toMatch(/localhost/);
    expect(
      events(proxy)
        .filter((e) => e.type === 'connection')
        .map((c) => c.url),
    ).toEqual([`ws://127.0.0.1:${plain.port}/shown`]);
  }, 20_000);

  it('--ignore-hosts with a bad regular expression, or in reverse mode, is one line and exit status 2', () => {
    const bad = runCli(['proxy', '--listen', '127.0.0.1:0', '--ignore-hosts', 'ok', '--ignore-hosts', '(']);
    expect([bad.status, bad.stdout, bad.stderr]).toEqual([
      2,
      '',
      'wsinspect: --ignore-hosts: "(" is not a valid regular expression: Invalid regular expression: /(/i: Unterminated group\n',
    ]);
    const reverse = runCli(['proxy', '--target', 'ws://127.0.0.1:9', '--ignore-hosts', 'x']);
    expect([reverse.status, reverse.stderr]).toEqual([
      2,
      'wsinspect: --ignore-hosts is for forward mode (the hosts clients ask for); in reverse mode every client goes to --target\n',
    ]);
  });
});

/** A port with nothing listening on it. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
