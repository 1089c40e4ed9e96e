// The reverse proxy with real ws clients and servers: verbatim relay in both directions
// (hashes of what each end sent and received, at message and at byte level), and the live
// decode of the same traffic.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { FrameEvent, MessageEvent } from '../../../src/session/events.js';
import {
  closed,
  nextMessage,
  openClient,
  sha,
  startEchoServer,
  startProxy,
  until,
  type Harness,
} from './proxy-harness.js';

const target = (port: number) => ({ tls: false, host: '127.0.0.1', port, label: `127.0.0.1:${port}` });
const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20];

/** A deterministic payload that deflate can shrink but not to nothing. */
function payload(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = ((x >>> 24) % 16) + 97;
  }
  return b;
}

function decodedMessages(h: Harness, dir: 'c2s' | 's2c'): string[] {
  return h.events.filter((e): e is MessageEvent => e.type === 'message' && e.dir === dir).map((m) => sha(m.data));
}

function diagnosticCodes(h: Harness): string[] {
  return h.events.flatMap((e) =>
    e.type === 'frame' || e.type === 'message'
      ? e.diagnostics.map((d) => d.code)
      : e.type === 'diagnostic'
        ? [e.diagnostic.code]
        : [],
  );
}

describe('reverse proxy (ws://)', () => {
  it('relays a plain conversation and decodes it', async () => {
    const echo = await startEchoServer();
    const h = await startProxy({ target: target(echo.port) });
    try {
      const ws = await openClient(`ws://127.0.0.1:${h.port}/chat`);
      ws.send('hello through the proxy');
      expect((await nextMessage(ws)).toString()).toBe('hello through the proxy');
      ws.close(1000, 'done');
      await closed(ws);
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      const types = h.events.map((e) => e.type);
      expect(types[0]).toBe('connection');
      expect(types.filter((t) => t === 'handshake')).toHaveLength(2);
      const frames = h.events.filter((e): e is FrameEvent => e.type === 'frame');
      expect(frames.map((f) => `${f.dir}:${f.frame.opcode}`)).toEqual(['c2s:1', 's2c:1', 'c2s:8', 's2c:8']);
      expect(frames[0].text).toBe('hello through the proxy');
      expect(diagnosticCodes(h)).toEqual([]);
      const end = h.events.at(-1);
      expect(end?.type === 'end' && end.reason).toBe('close-handshake');
      expect(h.problems).toEqual([]);
    } finally {
      await h.close();
      await echo.close();
    }
  });

  for (const compress of [false, true]) {
    it(`${compress ? 'compressed' : 'plain'} messages of 0 B to 16 MB arrive intact both ways and decode to the same bytes`, async () => {
      const deflate = compress ? { threshold: 0 } : false;
      const echo = await startEchoServer(deflate);
      const h = await startProxy({ target: target(echo.port) });
      try {
        const ws = await openClient(`ws://127.0.0.1:${h.port}/`, { perMessageDeflate: deflate });
        const sent: string[] = [];
        const back: string[] = [];
        // compressing 16 MB in ws takes seconds: the compressed run stops at 1 MB
        for (const [i, size] of SIZES.filter((s) => !compress || s <= 1 << 20).entries()) {
          const data = payload(size, i + 1);
          sent.push(sha(data));
          ws.send(data, { binary: i % 2 === 0 });
          back.push(sha(await nextMessage(ws)));
        }
        ws.close(1000);
        await closed(ws);
        await until(() => h.events.some((e) => e.type === 'end'), 'end event');
        expect(echo.received).toEqual(sent);
        expect(back).toEqual(sent);
        expect(decodedMessages(h, 'c2s')).toEqual(sent);
        expect(decodedMessages(h, 's2c')).toEqual(sent);
        const frames = h.events.filter((e): e is FrameEvent => e.type === 'frame' && e.frame.opcode !== 8);
        expect(frames.length).toBeGreaterThanOrEqual(2 * sent.length);
        expect(frames.every((f) => f.compressed === compress)).toBe(true);
        expect(diagnosticCodes(h)).toEqual([]);
      } finally {
        await h.close();
        await echo.close();
      }
    }, 20_000);
  }

  it('relays fragmented messages (compressed and not) and reassembles them', async () => {
    const echo = await startEchoServer({ threshold: 0 });
    const h = await startProxy({ target: target(echo.port) });
    try {
      const ws = await openClient(`ws://127.0.0.1:${h.port}/`, { perMessageDeflate: { threshold: 0 } });
      const parts = ['frag-one ', 'frag-two ', 'frag-three'];
      for (const compress of [false, true]) {
        parts.forEach((p, i) => ws.send(p, { fin: i === parts.length - 1, compress }));
        expect((await nextMessage(ws)).toString()).toBe(parts.join(''));
      }
      ws.close();
      await closed(ws);
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      const fragmented = h.events.filter((e): e is MessageEvent => e.type === 'message' && e.dir === 'c2s');
      expect(fragmented.map((m) => [m.frames, m.compressed, m.text])).toEqual([
        [3, false, parts.join('')],
        [3, true, parts.join('')],
      ]);
      expect(diagnosticCodes(h)).toEqual([]);
    } finally {
      await h.close();
      await echo.close();
    }
  });

  it('forwards raw bytes verbatim in both directions, in any chunking, with half-close passed through', async () => {
    const toServer = randomBytes(3 << 20);
    const toClient = randomBytes(2 << 20);
    const serverGot: Buffer[] = [];
    const clientGot: Buffer[] = [];
    let serverDone!: () => void;
    const serverFinished = new Promise<void>((resolve) => {
      serverDone = resolve;
    });
    const server = createServer({ allowHalfOpen: true }, (s: Socket) => {
      s.on('data', (d: Buffer) => serverGot.push(d));
      // the server answers only after the client's FIN: proves the half-close came through
      s.on('end', () => {
        writeChunked(s, toClient);
        s.end(serverDone);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const h = await startProxy({ target: target((server.address() as AddressInfo).port) });
    try {
      const c = connect({ host: '127.0.0.1', port: h.port, allowHalfOpen: true });
      c.on('data', (d: Buffer) => clientGot.push(d));
      const clientFinished = new Promise<void>((resolve) => c.on('end', resolve));
      c.on('connect', () => {
        writeChunked(c, toServer);
        c.end();
      });
      await Promise.all([serverFinished, clientFinished]);
      await until(() => h.streamEvents.some((e) => e.kind === 'end' && e.dir === undefined), 'final end');
      expect(sha(Buffer.concat(serverGot))).toBe(sha(toServer));
      expect(sha(Buffer.concat(clientGot))).toBe(sha(toClient));
      const observed = (dir: 'c2s' | 's2c') =>
        sha(Buffer.concat(h.streamEvents.flatMap((e) => (e.kind === 'data' && e.dir === dir ? [e.bytes] : []))));
      expect(observed('c2s')).toBe(sha(toServer));
      expect(observed('s2c')).toBe(sha(toClient));
      const ends = h.streamEvents
        .filter((e) => e.kind === 'end')
        .map((e) => e.kind === 'end' && `${e.dir ?? 'both'}:${e.reason}`);
      expect(ends).toEqual(['c2s:tcp-fin', 's2c:tcp-fin', 'both:tcp-fin']);
    } finally {
      await h.close();
      server.close();
    }
  }, 20_000);
});

/** Writes in pieces of varying size (1 byte to 100 KB) so the relay sees every kind of chunking. */
function writeChunked(socket: Socket, data: Buffer): void {
  let at = 0;
  let n = 1;
  while (at < data.length) {
    const size = Math.min(data.length - at, n);
    socket.write(data.subarray(at, at + size));
    at += size;
    n = n >= 100_000 ? 1 : n * 7 + 3;
  }
}
