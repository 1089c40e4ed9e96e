// The proxy's small parsers: --listen and --target, the forward-proxy request head, the
// WebSocket-or-not verdict on a client's first bytes (at every split), and address bytes.
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WsinspectError } from '../../../src/errors.js';
import type { StreamEvent } from '../../../src/session/events.js';
import { ipBytes } from '../../../src/sources/proxy/pcapng-recorder.js';
import { isLoopback, parseListen, parseTarget } from '../../../src/sources/proxy/proxy-address.js';
import { parseProxyRequest, readRequestHead } from '../../../src/sources/proxy/proxy-request.js';
import { sniffUpgrade, UpgradeSniffer } from '../../../src/sources/proxy/upgrade-sniffer.js';

const UPGRADE =
  'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('--listen and --target', () => {
  it('parses listen addresses, defaulting the host to loopback', () => {
    expect(parseListen('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('0.0.0.0:9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListen('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(() => parseListen('localhost:99999')).toThrow(WsinspectError);
    expect(() => parseListen('nonsense')).toThrow(/is not HOST:PORT/);
  });

  it('parses ws:// and wss:// targets with their default ports', () => {
    expect(parseTarget('ws://127.0.0.1:9000/path')).toEqual({
      tls: false,
      host: '127.0.0.1',
      port: 9000,
      label: '127.0.0.1:9000',
    });
    expect(parseTarget('wss://example.test')).toEqual({
      tls: true,
      host: 'example.test',
      port: 443,
      label: 'example.test:443',
    });
    expect(parseTarget('ws://[::1]')).toEqual({ tls: false, host: '::1', port: 80, label: '[::1]:80' });
    expect(() => parseTarget('http://x')).toThrow(/must start with ws:\/\/ or wss:\/\//);
    expect(() => parseTarget('not a url')).toThrow(/is not a URL/);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.2', 'example.test'].some(isLoopback)).toBe(false);
  });
});

describe('forward proxy requests', () => {
  it('reads CONNECT targets, IPv6 in brackets', () => {
    expect(
      parseProxyRequest(Buffer.from('CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n')),
    ).toEqual({ kind: 'connect', host: 'example.test', port: 443 });
    expect(parseProxyRequest(Buffer.from('CONNECT [::1]:8080 HTTP/1.1\r\n\r\n'))).toEqual({
      kind: 'connect',
      host: '::1',
      port: 8080,
    });
    expect(parseProxyRequest(Buffer.from('CONNECT example.test HTTP/1.1\r\n\r\n'))).toMatchObject({
      kind: 'invalid',
      status: 400,
    });
  });

  it('rewrites an absolute-URI upgrade to origin-form without Proxy-Connection', () => {
    const req = parseProxyRequest(
      Buffer.from(
        'GET http://h.test:81/a?b=1 HTTP/1.1\r\nHost: h.test:81\r\nProxy-Connection: keep-alive\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      ),
    );
    expect(req.kind === 'absolute' && [req.host, req.port, req.upgrade, req.forward.toString()]).toEqual([
      'h.test',
      81,
      true,
      'GET /a?b=1 HTTP/1.1\r\nHost: h.test:81\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    ]);
  });

  it('makes a plain absolute-URI request the only one on its connection', () => {
    const req = parseProxyRequest(
      Buffer.from('GET http://h.test/ HTTP/1.1\r\nHost: h.test\r\nConnection: keep-alive\r\n\r\n'),
    );
    expect(req.kind === 'absolute' && req.forward.toString()).toBe(
      'GET / HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n',
    );
  });

  it('reads a head whose lines end in a bare LF, as every source does, and forwards it with CRLF', () => {
    const req = parseProxyRequest(
      Buffer.from('GET http://h.test/a HTTP/1.1\nHost: h.test\nProxy-Connection: keep-alive\nUpgrade: websocket\n\n'),
    );
    expect(req.kind === 'absolute' && [req.upgrade, req.forward.toString()]).toEqual([
      true,
      'GET /a HTTP/1.1\r\nHost: h.test\r\nUpgrade: websocket\r\n\r\n',
    ]);
  });

  it('calls a request an upgrade by the rule the sniffer decodes by', () => {
    for (const fields of ['Sec-WebSocket-Key: x', 'Upgrade: WebSocket, h2c', 'Upgrade: h2c', 'Host: h.test']) {
      const head = Buffer.from(`GET http://h.test/ HTTP/1.1\r\n${fields}\r\n\r\n`);
      const req = parseProxyRequest(head);
      expect([fields, req.kind === 'absolute' && req.upgrade]).toEqual([
        fields,
        sniffUpgrade(head)?.kind === 'websocket',
      ]);
    }
  });

  it('finds the end of a bare-LF head on the socket and leaves what follows', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const accepted = once(server, 'connection') as Promise<[Socket]>;
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const [socket] = await accepted;
      const read = readRequestHead(socket);
      client.end('GET http://h.test/ HTTP/1.1\nHost: h.test\n\nrest');
      const got = await read;
      socket.destroy();
      expect('head' in got && [got.head.toString(), got.rest.toString()]).toEqual([
        'GET http://h.test/ HTTP/1.1\nHost: h.test\n\n',
        'rest',
      ]);
    } finally {
      server.close();
    }
  });

  it('refuses what is not a proxy request', () => {
    expect(parseProxyRequest(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toMatchObject({ kind: 'invalid', status: 400 });
    expect(parseProxyRequest(Buffer.from('GET https://h.test/ HTTP/1.1\r\n\r\n'))).toMatchObject({
      kind: 'invalid',
      reason: 'https:// requests must use CONNECT',
    });
    expect(parseProxyRequest(Buffer.from('\x16\x03\x01 junk\r\n\r\n'))).toMatchObject({ kind: 'invalid' });
  });
});

describe('WebSocket or not', () => {
  it('waits for the head, then decides', () => {
    const bytes = Buffer.from(UPGRADE);
    for (let cut = 1; cut < bytes.length; cut++) expect(sniffUpgrade(bytes.subarray(0, cut))).toBeNull();
    expect(sniffUpgrade(bytes)).toMatchObject({ kind: 'websocket' });
  });

  it('decodes a broken upgrade attempt (the decoder names what is missing) but not plain HTTP or other protocols', () => {
    expect(sniffUpgrade(Buffer.from('GET / HTTP/1.1\r\nSec-WebSocket-Key: x\r\n\r\n'))).toEqual({
      kind: 'websocket',
      target: '/',
    });
    expect(sniffUpgrade(Buffer.from('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n'))).toEqual({
      kind: 'http',
      request: '"GET /index.html"',
      target: '/index.html',
    });
    expect(sniffUpgrade(Buffer.from([0x16, 0x03, 0x01]))).toEqual({
      kind: 'other',
      what: "not HTTP: the client's first bytes are 16 03 01 (a TLS handshake: the client speaks TLS); relayed as plain TCP, not decoded",
    });
    expect(sniffUpgrade(Buffer.from('SSH-2.0-OpenSSH\r\n'))).toMatchObject({ kind: 'other' });
  });

  it('holds events until the verdict, numbers WebSocket connections only, and names the others in one note', () => {
    const out: StreamEvent[] = [];
    const sniffer = new UpgradeSniffer((e) => out.push(e));
    const ev = (conn: number, dir: 'c2s' | 's2c', text: string): StreamEvent => ({
      kind: 'data',
      conn,
      dir,
      bytes: Buffer.from(text),
      time: 1,
    });
    const open = (conn: number): StreamEvent => ({
      kind: 'open',
      conn,
      endpoints: { client: `a:${conn}`, server: 'b:2' },
      time: 1,
      detectedBy: 'handshake',
      destination: { host: 'b:2', origin: 'ws://b:2' },
    });
    // a plain HTTP request first: its note waits for the status line, and it takes no number
    sniffer.handle(open(7));
    sniffer.handle(ev(7, 'c2s', 'GET /x HTTP/1.1\r\n\r\n'));
    expect(out).toEqual([]);
    sniffer.handle(ev(7, 's2c', 'HTTP/1.1 204 No Content\r\n\r\n'));
    sniffer.handle({ kind: 'end', conn: 7, reason: 'tcp-fin', time: 3 });
    expect(out.map((e) => [e.kind, e.conn])).toEqual([['diagnostic', null]]);
    const note = out[0].kind === 'diagnostic' ? out[0] : null;
    expect(note?.diagnostic.message).toBe(
      'a:7 → b:2 (http://b:2/x): plain HTTP request "GET /x" (not a WebSocket upgrade), answered "204 No Content": relayed, not decoded',
    );
    expect(note?.about).toEqual({ client: 'a:7', server: 'b:2', host: 'b:2', url: 'http://b:2/x' });
    out.length = 0;
    sniffer.handle(open(8));
    sniffer.handle(ev(8, 'c2s', UPGRADE.slice(0, 20)));
    expect(out).toEqual([]);
    sniffer.handle(ev(8, 'c2s', UPGRADE.slice(20)));
    sniffer.handle(ev(8, 's2c', 'HTTP/1.1 101'));
    // the first WebSocket connection is number 1, whatever the proxy's count of TCP connections
    expect(out.map((e) => [e.kind, e.conn])).toEqual([
      ['open', 1],
      ['data', 1],
      ['data', 1],
      ['data', 1],
    ]);
    expect(out[0].kind === 'open' && out[0].url).toBe('ws://b:2/chat');
    // a problem of a connection that never opened has no number either
    out.length = 0;
    const refused = { kind: 'diagnostic', conn: 9, time: 4, diagnostic: { code: 'x' } } as unknown as StreamEvent;
    sniffer.handle(refused);
    expect(out.map((e) => [e.kind, e.conn])).toEqual([['diagnostic', null]]);
  });
});

describe('address bytes for the recording', () => {
  it('parses IPv4, IPv6 with ::, and IPv4-mapped IPv6', () => {
    expect([...ipBytes('127.0.0.1')]).toEqual([127, 0, 0, 1]);
    expect([...ipBytes('::1')]).toEqual([...Array(15).fill(0), 1]);
    expect([...ipBytes('fe80::1:2')]).toEqual([0xfe, 0x80, ...Array(10).fill(0), 0, 1, 0, 2]);
    expect([...ipBytes('::ffff:10.0.0.1')]).toEqual([...Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1]);
  });
});
