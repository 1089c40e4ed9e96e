// The matrix of DESIGN.md: one scenario — a handshake, then client frames, then server
// frames — delivered as a pcapng, as a classic pcap, as hex (one direction at a time, with
// --handshake), and through the live proxy, must yield the same JSON events. A flawed
// handshake (Sec-WebSocket-Key, no Upgrade) must be told a WebSocket alike by both.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PcapngWriter } from '../src/capture/pcapng-writer.js';
import { writePcap } from './capture/helpers/capture-writer.js';
import { startProxyCli, interrupt, stdoutShows } from './cli/proxy-cli.js';
import { buildFrame, concatBytes } from './helpers/frame-builder.js';
import { runCli } from './helpers/cli-run.js';

const enc = (s: string) => new TextEncoder().encode(s);
const deflated = (s: string) => {
  const d = deflateRawSync(enc(s), { finishFlush: constants.Z_SYNC_FLUSH });
  return d.subarray(0, d.length - 4);
};

const REQUEST = enc(
  [
    'GET /matrix HTTP/1.1',
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Extensions: permessage-deflate',
    '',
    '',
  ].join('\r\n'),
);
const RESPONSE = enc(
  [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    'Sec-WebSocket-Extensions: permessage-deflate',
    '',
    '',
  ].join('\r\n'),
);
const K = (n: number) => [n, n + 1, n + 2, n + 3];
const CLIENT_FRAMES = concatBytes(
  buildFrame({ rsv1: true, payload: deflated('compressed hello, compressed hello'), maskingKey: K(1) }),
  buildFrame({ fin: false, payload: 'frag', maskingKey: K(5) }),
  buildFrame({ opcode: 9, payload: 'are you there?', maskingKey: K(9) }),
  buildFrame({ opcode: 0, payload: 'mented ✓', maskingKey: K(13) }),
  buildFrame({ opcode: 2, payload: new Uint8Array(300).map((_, i) => i), maskingKey: K(17) }),
  buildFrame({ opcode: 8, payload: concatBytes(Uint8Array.of(0x03, 0xe8), enc('bye')), maskingKey: K(21) }),
);
const SERVER_FRAMES = concatBytes(
  buildFrame({ rsv1: true, payload: deflated('compressed hello, compressed hello') }),
  buildFrame({ opcode: 10, payload: 'are you there?' }),
  buildFrame({ opcode: 2, payload: new Uint8Array(70000).map((_, i) => (i * 31) & 0xff) }),
  buildFrame({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8) }),
);

/** A handshake, then client frames, then server frames. */
interface Scenario {
  readonly request: Uint8Array;
  readonly response: Uint8Array;
  readonly clientFrames: Uint8Array;
  readonly serverFrames: Uint8Array;
}
const SCENARIO: Scenario = {
  request: REQUEST,
  response: RESPONSE,
  clientFrames: CLIENT_FRAMES,
  serverFrames: SERVER_FRAMES,
};

/**
 * A client that sends a Sec-WebSocket-Key but no Upgrade (a mistake the decoder names), is
 * answered 101 all the same and talks WebSocket: an upgrade attempt for every source alike.
 */
const KEY_ONLY: Scenario = {
  request: enc(
    ['GET /key-only HTTP/1.1', 'Host: 127.0.0.1', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', ''].join('\r\n'),
  ),
  response: enc(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      '',
      '',
    ].join('\r\n'),
  ),
  clientFrames: buildFrame({ payload: 'key, no upgrade', maskingKey: K(3) }),
  serverFrames: buildFrame({ payload: 'answered anyway' }),
};

const steps = (s: Scenario): { dir: 'c2s' | 's2c'; bytes: Uint8Array }[] => [
  { dir: 'c2s', bytes: s.request },
  { dir: 's2c', bytes: s.response },
  { dir: 'c2s', bytes: s.clientFrames },
  { dir: 's2c', bytes: s.serverFrames },
];

type Json = Record<string, unknown>;
const lines = (s: string): Json[] =>
  s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);

/**
 * What must agree: everything but time, addresses, the packets a capture carried them in
 * (none for hex and the proxy), and the per-source connection/end lines.
 */
function comparable(events: Json[]): Json[] {
  return events
    .filter((e) => e.type === 'frame' || e.type === 'message' || e.type === 'handshake')
    .map(({ ts: _ts, conn: _conn, packet: _p, lastPacket: _lp, ...rest }) => rest);
}

/** The packets of each frame, message and handshake of a capture. */
const packets = (events: Json[]): unknown[] =>
  events.filter((e) => e.type !== 'connection' && e.type !== 'end').map((e) => [e.type, e.packet, e.lastPacket]);

function scenarioPcapng(scenario: Scenario = SCENARIO): Uint8Array {
  const w = new PcapngWriter();
  const ends = {
    clientIp: Uint8Array.of(127, 0, 0, 1),
    clientPort: 50000,
    serverIp: Uint8Array.of(127, 0, 0, 1),
    serverPort: 8080,
  };
  const parts = [w.header('wsinspect matrix test'), w.open(1, ends, 1000)];
  steps(scenario).forEach((s, i) => parts.push(w.data(1, s.dir, s.bytes, 1000 + (i + 1) / 10)));
  parts.push(w.fin(1, 'c2s', 1001), w.fin(1, 's2c', 1001.1));
  return concatBytes(...parts);
}

/** The same packets as classic pcap: Ethernet frames out of the pcapng's Enhanced Packet Blocks. */
function asPcap(pcapng: Uint8Array): Uint8Array {
  const dv = new DataView(pcapng.buffer, pcapng.byteOffset, pcapng.length);
  const packets: { time: number; data: Uint8Array }[] = [];
  for (let at = 0; at < pcapng.length;) {
    const type = dv.getUint32(at, true);
    const length = dv.getUint32(at + 4, true);
    if (type === 6) {
      const micros = dv.getUint32(at + 12, true) * 2 ** 32 + dv.getUint32(at + 16, true);
      packets.push({ time: micros / 1e6, data: pcapng.subarray(at + 28, at + 28 + dv.getUint32(at + 20, true)) });
    }
    at += length;
  }
  return writePcap(packets, { linkType: 1 });
}

/** A server and a client that replay a scenario over real sockets, each step once the previous one arrived. */
async function replayThroughProxy(args: string[], scenario: Scenario = SCENARIO): Promise<Json[]> {
  const { request, response, clientFrames, serverFrames } = scenario;
  const expectFrom = (socket: Socket, count: number) =>
    new Promise<void>((resolve) => {
      let got = 0;
      const onData = (b: Buffer) => {
        got += b.length;
        if (got >= count) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
    });
  const server = createServer((socket) => {
    void (async () => {
      await expectFrom(socket, request.length);
      socket.write(response);
      await expectFrom(socket, clientFrames.length);
      socket.end(serverFrames);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream = (server.address() as { port: number }).port;
  const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${upstream}`, '--json', ...args]);
  try {
    const client = connect(proxy.port, '127.0.0.1');
    client.write(request);
    await expectFrom(client, response.length);
    client.write(clientFrames);
    await expectFrom(client, serverFrames.length);
    client.end();
    await new Promise((resolve) => client.once('close', resolve));
    await stdoutShows(proxy, (out) => out.includes('"type":"end"'), 'the end event');
  } finally {
    expect(await interrupt(proxy)).toBe(0);
    server.close();
  }
  return lines(proxy.stdout());
}

describe('one scenario, every input path, the same events', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-matrix-'));
  const pcapng = join(dir, 'scenario.pcapng');
  const pcap = join(dir, 'scenario.pcap');
  const handshake = join(dir, 'handshake.txt');
  writeFileSync(pcapng, scenarioPcapng());
  writeFileSync(pcap, asPcap(scenarioPcapng()));
  writeFileSync(handshake, concatBytes(REQUEST, RESPONSE));
  const reference = comparable(lines(runCli([pcapng, '--json']).stdout));

  it('the pcapng decodes the whole scenario cleanly', () => {
    expect(reference.filter((e) => e.type === 'frame')).toHaveLength(10);
    expect(reference.filter((e) => e.type === 'message').map((m) => m.text ?? m.length)).toEqual([
      'compressed hello, compressed hello',
      'fragmented ✓',
      300,
      'compressed hello, compressed hello',
      70000,
    ]);
    expect(reference.flatMap((e) => e.diagnostics as unknown[])).toEqual([]);
  });

  it('classic pcap gives the same events, in the same packets', () => {
    const fromPcap = lines(runCli([pcap, '--json']).stdout);
    expect(comparable(fromPcap)).toEqual(reference);
    expect(packets(fromPcap)).toEqual(packets(lines(runCli([pcapng, '--json']).stdout)));
    expect(packets(fromPcap).every((p) => typeof (p as unknown[])[1] === 'number')).toBe(true);
  });

  it('hex, one direction at a time with --handshake, gives the same frames and messages', () => {
    const withoutIndex = (events: Json[], d: string) =>
      events
        .filter((e) => e.dir === d && e.type !== 'handshake')
        .map(({ index: _i, firstFrame: _f, lastFrame: _l, ...rest }) => rest);
    for (const [from, d, bytes] of [
      ['client', 'c2s', CLIENT_FRAMES],
      ['server', 's2c', SERVER_FRAMES],
    ] as const) {
      const out = runCli(['hex', '--json', '--handshake', handshake, '--from', from, '-'], {
        input: Buffer.from(bytes).toString('hex'),
      });
      expect(out.status).toBe(0);
      expect(withoutIndex(comparable(lines(out.stdout)), d)).toEqual(withoutIndex(reference, d));
    }
  });

  it('the live proxy gives the same events, and its --write recording too', async () => {
    const recording = join(dir, 'recorded.pcapng');
    expect(comparable(await replayThroughProxy(['--write', recording]))).toEqual(reference);
    expect(comparable(lines(runCli([recording, '--json']).stdout))).toEqual(reference);
  }, 20_000);
});

describe('an upgrade attempt with Sec-WebSocket-Key but no Upgrade decodes alike from a capture and the proxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-matrix-key-'));
  const pcapng = join(dir, 'key-only.pcapng');
  writeFileSync(pcapng, scenarioPcapng(KEY_ONLY));
  const reference = comparable(lines(runCli([pcapng, '--json']).stdout));

  it('the capture shows the handshake, with the missing Upgrade named, and both frames', () => {
    const handshake = reference.filter((e) => e.type === 'handshake');
    expect(handshake.map((h) => h.side)).toEqual(['request', 'response']);
    expect((handshake[0].diagnostics as { code: string }[]).map((d) => d.code)).toContain('handshake.upgrade.missing');
    expect(reference.filter((e) => e.type === 'message').map((m) => m.text)).toEqual([
      'key, no upgrade',
      'answered anyway',
    ]);
  });

  it('the live proxy, and its --write recording, give the same events', async () => {
    const recording = join(dir, 'key-only-recorded.pcapng');
    expect(comparable(await replayThroughProxy(['--write', recording], KEY_ONLY))).toEqual(reference);
    expect(comparable(lines(runCli([recording, '--json']).stdout))).toEqual(reference);
  }, 20_000);
});
