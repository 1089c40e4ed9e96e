// Forward (HTTP proxy) mode with real clients: CONNECT tunnels carrying ws://, absolute-URI
// upgrade requests, plain HTTP through the proxy, and the proxy's own error answers.
import { request } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../src/protocol/frame-decoder.js';
import type { Frame } from '../../../src/protocol/frame.js';
import type { FrameEvent, HandshakeEvent } from '../../../src/session/events.js';
import { encodeFrame } from '../../../src/protocol/frame-encoder.js';
import { readRequestHead } from '../../../src/sources/proxy/proxy-request.js';
import {
  changed,
  closed,
  connectTunnel,
  nextMessage,
  openClient,
  startEchoServer,
  startProxy,
  until,
} from './proxy-harness.js';

/** The proxy's whole answer to one request, read until it closes. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      out += d;
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.write(text);
  });
}

describe('forward proxy', () => {
  it('tunnels ws:// through CONNECT and decodes the conversation', async () => {
    const echo = await startEchoServer({ threshold: 0 });
    const h = await startProxy({ target: null });
    try {
      const tunnel = await connectTunnel(h.port, `127.0.0.1:${echo.port}`);
      expect(tunnel.status).toBe('HTTP/1.1 200 Connection Established');
      const ws = await openClient(`ws://127.0.0.1:${echo.port}/tunnelled`, {
        createConnection: () => tunnel.socket,
        perMessageDeflate: { threshold: 0 },
      });
      ws.send('through a CONNECT tunnel');
      expect((await nextMessage(ws)).toString()).toBe('through a CONNECT tunnel');
      ws.close(1000);
      await closed(ws);
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      expect(h.events[0]).toMatchObject({ type: 'connection', server: `127.0.0.1:${echo.port}` });
      const request = h.events.find((e): e is HandshakeEvent => e.type === 'handshake');
      expect(request?.handshake).toMatchObject({ side: 'request', path: '/tunnelled' });
      const texts = h.events
        .filter((e): e is FrameEvent => e.type === 'frame' && e.frame.opcode === 1)
        .map((f) => [f.dir, f.compressed, f.text]);
      expect(texts).toEqual([
        ['c2s', true, 'through a CONNECT tunnel'],
        ['s2c', true, 'through a CONNECT tunnel'],
      ]);
      expect(h.events.at(-1)).toMatchObject({ type: 'end', reason: 'close-handshake' });
    } finally {
      await h.close();
      await echo.close();
    }
  });

  it('sends an absolute-URI upgrade request on in origin-form and decodes it', async () => {
    const echo = await startEchoServer();
    const h = await startProxy({ target: null });
    try {
      const s = connect({ host: '127.0.0.1', port: h.port });
      s.write(
        `GET http://127.0.0.1:${echo.port}/absolute?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\nProxy-Connection: keep-alive\r\n` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      const head = await readRequestHead(s);
      if ('error' in head) throw new Error(head.error);
      expect(head.head.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
      const frames: Frame[] = [];
      const decoder = new FrameDecoder({ onFrame: (f) => frames.push(f) });
      decoder.push(head.rest);
      s.on('data', (d: Buffer) => {
        decoder.push(d);
        changed();
      });
      s.resume();
      s.write(encodeFrame({ opcode: 1, payload: Buffer.from('absolute'), mask: true }));
      await until(() => frames.length === 1, 'echo');
      expect(Buffer.from(frames[0].payload).toString()).toBe('absolute');
      s.end(encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]), mask: true }));
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      const request = h.events.find((e): e is HandshakeEvent => e.type === 'handshake');
      expect(request?.handshake).toMatchObject({ side: 'request', method: 'GET', path: '/absolute?x=1' });
      // the connection names the URI the client asked for (sent on in origin-form)
      const connection = h.events.find((e) => e.type === 'connection');
      expect(connection?.type === 'connection' && [connection.host, connection.url, connection.tls]).toEqual([
        `127.0.0.1:${echo.port}`,
        `ws://127.0.0.1:${echo.port}/absolute?x=1`,
        undefined,
      ]);
      const sent = Buffer.concat(
        h.streamEvents.flatMap((e) => (e.kind === 'data' && e.dir === 'c2s' ? [e.bytes] : [])),
      ).toString('latin1');
      expect(sent).not.toMatch(/proxy-connection/i);
      expect(h.events.filter((e): e is FrameEvent => e.type === 'frame').map((f) => f.text ?? f.frame.opcode)).toEqual([
        'absolute',
        'absolute',
        8,
        8,
      ]);
    } finally {
      await h.close();
      await echo.close();
    }
  });

  it('relays plain HTTP for an absolute URI and shows it as one note, with its status', async () => {
    const web = createHttpServer((req, res) =>
      res.end(`you asked for ${req.url} with connection: ${req.headers.connection}`),
    );
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const port = (web.address() as AddressInfo).port;
    const h = await startProxy({ target: null });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: h.port,
            path: `http://127.0.0.1:${port}/page`,
            headers: { host: `127.0.0.1:${port}` },
          },
          (res) => {
            let text = '';
            res
              .setEncoding('utf8')
              .on('data', (d: string) => {
                text += d;
              })
              .on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe('you asked for /page with connection: close');
      await until(() => h.events.length > 0, 'the note');
      expect(h.events.map((e) => [e.type, e.conn])).toEqual([['diagnostic', null]]);
      const note = h.events[0];
      expect(note.type === 'diagnostic' && [note.diagnostic.severity, note.diagnostic.message]).toEqual([
        'note',
        expect.stringMatching(
          new RegExp(
            `^127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${port} \\(http://127\\.0\\.0\\.1:${port}/page\\): plain HTTP request "GET /page" \\(not a WebSocket upgrade\\), answered "200 OK": relayed, not decoded$`,
          ),
        ),
      ]);
    } finally {
      await h.close();
      web.close();
    }
  });

  it('answers 502 Bad Gateway with a reason when the CONNECT target refuses', async () => {
    const closedPort = await unusedPort();
    const h = await startProxy({ target: null });
    try {
      const answer = await rawExchange(
        h.port,
        `CONNECT 127.0.0.1:${closedPort} HTTP/1.1\r\nHost: 127.0.0.1:${closedPort}\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
      // a failed CONNECT is named as one, not as a WebSocket upstream
      expect(answer.split('\r\n\r\n')[1]).toBe(
        `CONNECT 127.0.0.1:${closedPort} refused the connection (nothing listening there?)\n`,
      );
      expect(h.problems).toEqual([
        expect.stringMatching(
          new RegExp(
            `^null: client 127\\.0\\.0\\.1:\\d+: CONNECT 127\\.0\\.0\\.1:${closedPort} refused the connection \\(nothing listening there\\?\\); answered 502 Bad Gateway$`,
          ),
        ),
      ]);
      // no connection to show (and no number), but the failure is an event
      expect(h.events.map((e) => (e.type === 'diagnostic' ? [e.conn, e.diagnostic.code] : e.type))).toEqual([
        [null, 'proxy.upstream-failed'],
      ]);
    } finally {
      await h.close();
    }
  });

  it('answers 400 to a request that is not a proxy request', async () => {
    const h = await startProxy({ target: null });
    try {
      const answer = await rawExchange(h.port, 'GET /not-absolute HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(h.problems[0]).toMatch(/^null: client 127\.0\.0\.1:\d+: GET \/not-absolute is not a proxy request/);
    } finally {
      await h.close();
    }
  });
});

/** A loopback port with nothing listening (bound once, then released). */
export async function unusedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
