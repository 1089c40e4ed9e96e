// `wsinspect proxy --write FILE.pcapng`: the recording of a live session is read by tshark
// (where installed) and by `wsinspect read` into the same frames the proxy showed live, and
// Ctrl-C with a connection still open finishes both the output and the file.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';
import { requireTool } from '../helpers/tools.js';
import { closed, nextMessage, openClient, startEchoServer, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, jsonLines, startProxyCli } from './proxy-cli.js';

/** The fields both decoders agree on, for one frame as --json prints it. */
function frameKey(f: Record<string, unknown>): string {
  return [f.dir, f.opcode, f.fin ? 1 : 0, f.masked ? 1 : 0, f.rsv1 ? 1 : 0, f.payloadLength].join(' ');
}

describe('wsinspect proxy --write', () => {
  it('records a session that tshark and wsinspect read into the frames shown live', async (ctx) => {
    const echo = await startEchoServer({ threshold: 0 });
    const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-write-')), 'session.pcapng');
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--json', '--write', file]);
    try {
      const ws = await openClient(`ws://127.0.0.1:${proxy.port}/rec`, { perMessageDeflate: { threshold: 0 } });
      ws.send('recorded text', { compress: false });
      await nextMessage(ws);
      ws.send('compressed compressed compressed');
      await nextMessage(ws);
      ws.send(Buffer.alloc(200_000, 7), { compress: false });
      await nextMessage(ws);
      ['one ', 'two ', 'three'].forEach((p, i) => ws.send(p, { fin: i === 2, compress: false }));
      await nextMessage(ws);
      ws.ping('ping?');
      ws.close(1000, 'bye');
      await closed(ws);
      await until(() => proxy.stdout().includes('"type":"end"'), 'the end event');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    const live = jsonLines(proxy.stdout()).filter((e) => e.type === 'frame');
    expect(live.map((f) => f.opcode)).toEqual([1, 1, 1, 1, 2, 2, 1, 0, 0, 1, 9, 8, 10, 8]);

    const read = runCli(['read', file, '--json']);
    expect(read.status).toBe(0);
    const replayed = jsonLines(read.stdout).filter((e) => e.type === 'frame');
    // a capture also says which packets carried each frame; the live proxy has no packets
    const strip = (f: Record<string, unknown>) => ({ ...f, ts: undefined, packet: undefined, lastPacket: undefined });
    expect(replayed.map(strip)).toEqual(live.map(strip));
    expect(replayed.every((f) => typeof f.packet === 'number' && typeof f.lastPacket === 'number')).toBe(true);
    replayed.forEach((f, i) => expect(f.ts as number).toBeCloseTo(live[i].ts as number, 5));

    requireTool(ctx, 'tshark'); // the independent reader
    const rows = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-Y',
        'websocket',
        '-T',
        'fields',
        '-e',
        'tcp.srcport',
        '-e',
        'websocket.opcode',
        '-e',
        'websocket.fin',
        '-e',
        'websocket.mask',
        '-e',
        'websocket.rsv',
        '-e',
        'websocket.payload_length',
        '-e',
        'websocket.payload_length_ext_16',
        '-e',
        'websocket.payload_length_ext_64',
        '-o',
        'tcp.check_checksum:TRUE',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const serverPort = String(echo.port);
    const sharkFrames = rows
      .trim()
      .split('\n')
      .flatMap((row) => {
        const [port, ...cols] = row.split('\t');
        const lists = cols.map((c) => c.split(','));
        const ext16 = lists[5];
        const ext64 = lists[6];
        let i16 = 0;
        let i64 = 0;
        return lists[0].map((opcode, i) => {
          const short = Number(lists[4][i]);
          const length = short === 126 ? Number(ext16[i16++]) : short === 127 ? Number(ext64[i64++]) : short;
          const rsv1 = (parseInt(lists[3][i], 16) & 0x4) !== 0;
          return [
            port === serverPort ? 's2c' : 'c2s',
            Number(opcode),
            Number(lists[1][i]),
            Number(lists[2][i]),
            rsv1 ? 1 : 0,
            length,
          ].join(' ');
        });
      });
    expect(sharkFrames).toEqual(live.map(frameKey));
  }, 20_000);

  it('on Ctrl-C ends open connections as input-ended and leaves a complete recording', async (ctx) => {
    const echo = await startEchoServer();
    const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-write-')), 'open.pcapng');
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--json', '--write', file]);
    const ws = await openClient(`ws://127.0.0.1:${proxy.port}/`);
    ws.send('still open');
    await nextMessage(ws);
    const gone = closed(ws);
    expect(await interrupt(proxy)).toBe(0);
    await gone;
    await echo.close();
    const events = jsonLines(proxy.stdout());
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'input-ended', frames: { c2s: 1, s2c: 1 } });
    const read = runCli(['read', file, '--json']);
    expect(read.status).toBe(0);
    expect(
      jsonLines(read.stdout)
        .filter((e) => e.type === 'frame')
        .map((f) => f.text),
    ).toEqual(['still open', 'still open']);
    requireTool(ctx, 'tshark');
    const r = spawnSync('tshark', ['-r', file, '-Y', 'websocket'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/cut short|appears to be damaged/);
  }, 20_000);

  it('numbers connections as wsinspect FILE does, and ends the ones open at Ctrl-C with FINs tshark sees', async (ctx) => {
    const server = await startEchoServer();
    const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-write-')), 'numbers.pcapng');
    const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${server.port}`, '--json', '--write', file]);
    let open: Awaited<ReturnType<typeof openClient>> | undefined;
    try {
      const first = await openClient(`ws://127.0.0.1:${proxy.port}/one`);
      first.send('first');
      await nextMessage(first);
      first.close(1000);
      await closed(first);
      // between the two WebSocket connections: one that is not WebSocket (the live view names it in a note)
      await rawExchange(proxy.port, Buffer.from('not http at all\r\n\r\n'));
      open = await openClient(`ws://127.0.0.1:${proxy.port}/two`);
      open.send('still open at Ctrl-C');
      await nextMessage(open);
      await until(() => (proxy.stdout().match(/"type":"message"/g) ?? []).length === 4, 'four messages');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await server.close();
    }
    const liveConns = jsonLines(proxy.stdout()).filter((e) => e.type === 'connection');
    const read = runCli(['read', file, '--json']);
    expect(read.status).toBe(0);
    const fileConns = jsonLines(read.stdout).filter((e) => e.type === 'connection');
    // the same numbers for the same clients: 1 and 2 in both (the proxy used to show 1 and 3)
    expect(liveConns.map((c) => [c.conn, c.client])).toEqual(fileConns.map((c) => [c.conn, c.client]));
    expect(liveConns.map((c) => c.conn)).toEqual([1, 2]);
    expect(
      jsonLines(read.stdout)
        .filter((e) => e.type === 'end')
        .map((e) => [e.conn, e.reason]),
    ).toEqual([
      [1, 'close-handshake'],
      [2, 'tcp-fin'],
    ]);

    requireTool(ctx, 'tshark'); // the independent reader: every TCP conversation ends with a FIN from each side (or a RST)
    const fields = (filter: string) =>
      execFileSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.srcport'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .trim()
        .split('\n')
        .filter((l) => l !== '');
    const streams = new Set(fields('tcp.flags.syn == 1 && tcp.flags.ack == 0').map((l) => l.split('\t')[0]));
    expect(streams.size).toBe(3);
    const finSides = new Set(fields('tcp.flags.fin == 1 || tcp.flags.reset == 1'));
    for (const stream of streams) {
      const ends = [...finSides].filter((l) => l.split('\t')[0] === stream);
      expect([stream, ends.length]).toEqual([stream, 2]);
    }
    const openPort = String(liveConns[1].client).split(':')[1];
    expect([...finSides].some((l) => l.endsWith(`\t${openPort}`))).toBe(true);
  }, 20_000);
});

/** Sends bytes on a new connection, half-closes, and resolves when the connection is closed. */
function rawExchange(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end(bytes));
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.resume();
  });
}
