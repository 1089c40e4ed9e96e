// The proxy under trouble: upstream refused, upstream closing mid-message, a client that
// vanishes, a decoder that throws, a slow reader, 200 connections at once, and clients that
// are not WebSocket at all. Traffic is never altered; the decode says what happened.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { FrameEvent, InspectEvent } from '../../../src/session/events.js';
import { encodeFrame } from '../../../src/protocol/frame-encoder.js';
import { readRequestHead } from '../../../src/sources/proxy/proxy-request.js';
import { changed, nextMessage, openClient, sha, startEchoServer, startProxy, until } from './proxy-harness.js';

const target = (port: number) => ({ tls: false, host: '127.0.0.1', port, label: `127.0.0.1:${port}` });
const UPGRADE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const SWITCHED =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

/** A raw TCP server running `onSocket` for each connection (the upstream under test). */
async function rawServer(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A raw client through the proxy that has completed the upgrade, and what followed the 101. */
async function upgradedClient(port: number): Promise<{ c: Socket; rest: Buffer }> {
  const c = connect({ host: '127.0.0.1', port });
  c.on('error', () => {});
  c.write(UPGRADE);
  const head = await readRequestHead(c);
  if ('error' in head) throw new Error(head.error);
  return { c, rest: head.rest };
}

const codes = (events: InspectEvent[]) =>
  events.flatMap((e) =>
    e.type === 'frame'
      ? e.diagnostics.map((d) => d.code)
      : e.type === 'diagnostic'
        ? [e.diagnostic.code]
        : e.type === 'message'
          ? e.diagnostics.map((d) => d.code)
          : [],
  );

describe('proxy under trouble', () => {
  it('answers 502 when the upstream refuses, and goes on serving', async () => {
    const free = await rawServer(() => {});
    free.server.close();
    const h = await startProxy({ target: target(free.port) });
    try {
      for (const conn of [1, 2]) {
        const err = await openClient(`ws://127.0.0.1:${h.port}/`).then(
          () => 'opened',
          (e: Error) => e.message,
        );
        expect(err).toBe('Unexpected server response: 502');
        // never opened, so never numbered: the client's address says which it was
        expect(h.problems.at(-1)).toMatch(
          new RegExp(
            `^null: client 127\\.0\\.0\\.1:\\d+: ws upstream 127\\.0\\.0\\.1:${free.port} refused the connection \\(nothing listening there\\?\\); answered 502 Bad Gateway$`,
          ),
        );
        // an event too, so a --json consumer sees why the client failed
        await until(() => h.events.filter((e) => e.type === 'diagnostic').length === conn, `diagnostic ${conn}`);
      }
      const diagnostics = h.events.flatMap((e) =>
        e.type === 'diagnostic' ? [[e.conn, e.diagnostic.code, e.diagnostic.severity]] : [],
      );
      expect(diagnostics).toEqual([
        [null, 'proxy.upstream-failed', 'error'],
        [null, 'proxy.upstream-failed', 'error'],
      ]);
    } finally {
      await h.close();
    }
  });

  it('shows an upstream that closes in the middle of a message: truncated frame, incomplete message', async () => {
    const up = await rawServer((s) => {
      s.once('data', () => {
        s.write(SWITCHED);
        // a 1000-byte binary frame of which only 300 bytes are sent, then the server is gone
        s.end(encodeFrame({ opcode: 2, payload: Buffer.alloc(1000, 1), mask: false }).subarray(0, 304));
      });
    });
    const h = await startProxy({ target: target(up.port) });
    try {
      const { c, rest } = await upgradedClient(h.port);
      const got: Buffer[] = [rest];
      c.on('data', (d: Buffer) => got.push(d));
      const ended = new Promise<void>((resolve) => c.on('end', resolve));
      c.resume();
      await ended;
      c.end();
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      expect(Buffer.concat(got).length).toBe(304);
      expect(codes(h.events)).toContain('frame.truncated');
      const end = h.events.at(-1);
      expect(end?.type === 'end' && [end.reason, end.bytes.s2c]).toEqual(['tcp-fin', SWITCHED.length + 304]);
    } finally {
      await h.close();
      up.server.close();
    }
  });

  it('passes a vanishing client on to the server as a reset and ends the connection as tcp-rst', async () => {
    let serverSaw = '';
    const serverClosed = new Promise<void>((resolve) => {
      void rawServer((s) => {
        s.on('data', (d) => {
          if (!serverSaw) s.write(SWITCHED);
          serverSaw += d.toString('latin1');
        });
        s.on('error', (e: NodeJS.ErrnoException) => {
          serverSaw += `[${e.code}]`;
        });
        s.on('close', () => resolve());
      }).then((up) => {
        upPort = up.port;
        servers.push(up.server);
        changed();
      });
    });
    let upPort = 0;
    const servers: Server[] = [];
    await until(() => upPort !== 0, 'upstream');
    const h = await startProxy({ target: target(upPort) });
    try {
      const { c } = await upgradedClient(h.port);
      c.write(encodeFrame({ opcode: 1, payload: Buffer.from('half a mess'), mask: true }).subarray(0, 8));
      await until(
        () => h.streamEvents.filter((e) => e.kind === 'data' && e.dir === 'c2s').length === 2,
        'the partial frame',
      );
      c.resetAndDestroy();
      await serverClosed;
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      expect(serverSaw).toMatch(/\[ECONNRESET\]$/);
      const end = h.events.at(-1);
      expect(end?.type === 'end' && end.reason).toBe('tcp-rst');
      expect(codes(h.events)).toEqual(expect.arrayContaining(['frame.truncated', 'tcp.rst']));
    } finally {
      await h.close();
      servers.forEach((s) => s.close());
    }
  });

  it('keeps relaying, unaltered, a connection whose decoding throws; reports it once; decodes the others', async () => {
    const echo = await startEchoServer();
    const h = await startProxy({ target: target(echo.port) });
    let thrown = 0;
    const original = (h.proxy as unknown as { options: { onEvent: (e: unknown) => void } }).options;
    const onEvent = original.onEvent;
    // a consumer bug on connection 1 only, from its first data event on
    (original as { onEvent: (e: { kind: string; conn: number }) => void }).onEvent = (e) => {
      if (e.conn === 1 && e.kind === 'data') {
        thrown++;
        throw new Error('decoder bug');
      }
      onEvent(e);
    };
    try {
      const ws1 = await openClient(`ws://127.0.0.1:${h.port}/`);
      const big = randomBytes(300_000);
      for (let i = 0; i < 3; i++) {
        ws1.send(big);
        expect(sha(await nextMessage(ws1))).toBe(sha(big));
      }
      const ws2 = await openClient(`ws://127.0.0.1:${h.port}/`);
      ws2.send('second');
      expect((await nextMessage(ws2)).toString()).toBe('second');
      ws1.close();
      ws2.close();
      // the first never showed a byte of WebSocket, so the second is the first connection shown
      await until(() => h.events.some((e) => e.type === 'end'), 'the end of the second');
      expect(thrown).toBe(1);
      expect(h.problems).toHaveLength(1);
      expect(h.problems[0]).toMatch(
        /^null: client 127\.0\.0\.1:\d+: internal error while decoding \(the connection is still relayed, no longer shown\): Error: decoder bug/,
      );
      expect(
        h.events.filter((e): e is FrameEvent => e.type === 'frame').map((f) => `${f.conn} ${f.text ?? f.frame.opcode}`),
      ).toEqual(['1 second', '1 second', '1 8', '1 8']);
    } finally {
      await h.close();
      await echo.close();
    }
  });

  it('serves 200 concurrent connections, numbered 1 to 200, each decoded on its own', async () => {
    const echo = await startEchoServer();
    const h = await startProxy({ target: target(echo.port) });
    try {
      const clients = await Promise.all(Array.from({ length: 200 }, () => openClient(`ws://127.0.0.1:${h.port}/`)));
      await Promise.all(
        clients.map(async (ws, i) => {
          for (let m = 0; m < 3; m++) {
            ws.send(`client ${i} message ${m}`);
            expect((await nextMessage(ws)).toString()).toBe(`client ${i} message ${m}`);
          }
          ws.close(1000);
        }),
      );
      await until(() => h.events.filter((e) => e.type === 'end').length === 200, '200 ends');
      const conns = h.events
        .filter((e) => e.type === 'connection')
        .map((e) => e.conn)
        .sort((a, b) => a - b);
      expect(conns).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      // every connection carried one client's messages only, in order, echoed
      const byConn = new Map<number, string[]>();
      for (const e of h.events)
        if (e.type === 'frame' && e.text !== undefined) byConn.set(e.conn, [...(byConn.get(e.conn) ?? []), e.text]);
      for (const texts of byConn.values()) {
        const who = /^client (\d+) /.exec(texts[0])![1];
        expect(texts).toEqual([0, 0, 1, 1, 2, 2].map((m) => `client ${who} message ${m}`));
      }
      expect(byConn.size).toBe(200);
      expect(
        h.events.filter((e) => e.type === 'end').every((e) => e.type === 'end' && e.reason === 'close-handshake'),
      ).toBe(true);
      expect(h.problems).toEqual([]);
    } finally {
      await h.close();
      await echo.close();
    }
  }, 20_000);

  it('relays a client that does not speak HTTP at all and shows it as plain TCP', async () => {
    const up = await rawServer((s) => s.on('data', (d) => s.write(Buffer.from(d).reverse())).on('end', () => s.end()));
    const h = await startProxy({ target: target(up.port) });
    try {
      const c = connect({ host: '127.0.0.1', port: h.port });
      c.write(Buffer.from([0x16, 0x03, 0x01, 0x00]));
      const back = await new Promise<Buffer>((resolve) => c.once('data', resolve));
      expect([...back]).toEqual([0x00, 0x01, 0x03, 0x16]);
      c.end();
      await until(() => h.events.length > 0, 'the note');
      expect(h.events.map((e) => [e.type, e.conn])).toEqual([['diagnostic', null]]);
      const note = h.events[0];
      expect(note.type === 'diagnostic' && note.diagnostic.message).toMatch(
        /^127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ \(127\.0\.0\.1:\d+\): not HTTP: the client's first bytes are 16 03 01 00 \(a TLS handshake: the client speaks TLS\); relayed as plain TCP, not decoded$/,
      );
    } finally {
      await h.close();
      up.server.close();
    }
  });
});
