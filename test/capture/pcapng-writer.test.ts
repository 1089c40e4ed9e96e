// The proxy's pcapng writer: block structure, TCP sequence/acknowledgement numbers across
// segmentation and 32-bit wrap-around, checksums, IPv6 — checked by a small parser here, by
// tshark where installed (an independent reader) and by wsinspect's own capture reader.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SEGMENT_PAYLOAD, PcapngWriter, type TcpEndpoints } from '../../src/capture/pcapng-writer.js';
import type { StreamEvent } from '../../src/session/events.js';
import { readCapture } from '../../src/sources/capture-source.js';
import { itWithTool } from '../helpers/tools.js';

const V4: TcpEndpoints = {
  clientIp: Uint8Array.of(127, 0, 0, 1),
  clientPort: 50000,
  serverIp: Uint8Array.of(127, 0, 0, 2),
  serverPort: 8080,
};
const V6: TcpEndpoints = {
  clientIp: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
  clientPort: 50001,
  serverIp: Uint8Array.of(127, 0, 0, 1),
  serverPort: 9000,
};

interface Packet {
  time: number;
  v6: boolean;
  ipTotal: number;
  srcPort: number;
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
}

/** Walks SHB/IDB/EPB blocks and decodes each EPB's Ethernet/IP/TCP headers. */
function parse(file: Buffer): { blocks: number[]; packets: Packet[] } {
  const blocks: number[] = [];
  const packets: Packet[] = [];
  for (let at = 0; at < file.length;) {
    const type = file.readUInt32LE(at);
    const length = file.readUInt32LE(at + 4);
    expect(file.readUInt32LE(at + length - 4)).toBe(length);
    blocks.push(type);
    if (type === 6) {
      const caplen = file.readUInt32LE(at + 20);
      const frame = file.subarray(at + 28, at + 28 + caplen);
      const time = (file.readUInt32LE(at + 12) * 2 ** 32 + file.readUInt32LE(at + 16)) / 1e6;
      const v6 = frame.readUInt16BE(12) === 0x86dd;
      const ip = 14;
      const tcp = ip + (v6 ? 40 : 20);
      const ipTotal = v6 ? 40 + frame.readUInt16BE(ip + 4) : frame.readUInt16BE(ip + 2);
      expect(ipTotal).toBe(frame.length - 14);
      packets.push({
        time,
        v6,
        ipTotal,
        srcPort: frame.readUInt16BE(tcp),
        seq: frame.readUInt32BE(tcp + 4),
        ack: frame.readUInt32BE(tcp + 8),
        flags: frame[tcp + 13],
        payload: frame.subarray(tcp + 20),
      });
    }
    at += length;
  }
  return { blocks, packets };
}

const HANDSHAKE_REQ =
  'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const HANDSHAKE_RES =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

/** A masked client text frame "Hello", an unmasked server binary frame of `size` bytes. */
function conversation(writer: PcapngWriter, conn: number, ends: TcpEndpoints, size: number): Buffer {
  const big = Buffer.alloc(size, 0x5a);
  const header = Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(size, 6);
  return Buffer.concat([
    writer.open(conn, ends, 1000.000001),
    writer.data(conn, 'c2s', Buffer.from(HANDSHAKE_REQ), 1000.1),
    writer.data(conn, 's2c', Buffer.from(HANDSHAKE_RES), 1000.2),
    writer.data(conn, 'c2s', Buffer.from('818537fa213d7f9f4d5158', 'hex'), 1000.3),
    writer.data(conn, 's2c', Buffer.concat([header, big]), 1000.4),
    writer.fin(conn, 'c2s', 1000.5),
    writer.fin(conn, 's2c', 1000.6),
  ]);
}

function checkSequences(packets: Packet[], clientPort: number): void {
  const next = new Map<string, number>();
  for (const p of packets) {
    const dir = p.srcPort === clientPort ? 'c2s' : 's2c';
    const other = dir === 'c2s' ? 's2c' : 'c2s';
    if (p.flags & 0x02) {
      next.set(dir, (p.seq + 1) >>> 0);
      continue;
    }
    expect(p.seq).toBe(next.get(dir));
    if (p.flags & 0x10) expect(p.ack).toBe(next.get(other));
    next.set(dir, (p.seq + p.payload.length + (p.flags & 0x01 ? 1 : 0)) >>> 0);
  }
}

describe('PcapngWriter', () => {
  it('writes SHB, IDB and a handshake, data and FINs with consistent sequence numbers', () => {
    const w = new PcapngWriter();
    const file = Buffer.concat([w.header('test'), conversation(w, 1, V4, 200_000)]);
    const { blocks, packets } = parse(file);
    expect(blocks.slice(0, 2)).toEqual([0x0a0d0d0a, 1]);
    expect(packets.slice(0, 3).map((p) => p.flags)).toEqual([0x02, 0x12, 0x10]);
    expect(packets[0].time).toBeCloseTo(1000.000001, 6);
    checkSequences(packets, V4.clientPort);
    expect(Math.max(...packets.map((p) => p.payload.length))).toBe(MAX_SEGMENT_PAYLOAD);
    expect(Math.max(...packets.map((p) => p.ipTotal))).toBe(65535);
    const s2c = Buffer.concat(packets.filter((p) => p.srcPort === V4.serverPort).map((p) => p.payload));
    expect(s2c.length).toBe(HANDSHAKE_RES.length + 10 + 200_000);
    expect(packets.slice(-4).map((p) => p.flags)).toEqual([0x11, 0x10, 0x11, 0x10]);
  });

  it('keeps sequence numbers right across the 32-bit wrap-around', () => {
    const w = new PcapngWriter();
    // find a connection whose server sequence numbers start within 1 MB of 2^32
    let conn = 1;
    for (; conn < 1_000_000; conn++) {
      const synAck = parse(Buffer.concat([w.header('t'), w.open(conn, V4, 1)])).packets[1];
      w.forget(conn);
      if (synAck.seq > 2 ** 32 - (1 << 20)) break;
    }
    const w2 = new PcapngWriter();
    const { packets } = parse(Buffer.concat([w2.header('t'), conversation(w2, conn, V4, 2 << 20)]));
    checkSequences(packets, V4.clientPort);
    expect(packets.some((p) => p.srcPort === V4.serverPort && p.seq < 1 << 22)).toBe(true);
  });

  it('writes IPv6 (an IPv4 peer becomes IPv4-mapped)', () => {
    const w = new PcapngWriter();
    const { packets } = parse(Buffer.concat([w.header('t'), conversation(w, 3, V6, 100)]));
    expect(packets.length).toBeGreaterThan(3);
    expect(packets.every((p) => p.v6)).toBe(true);
    checkSequences(packets, V6.clientPort);
  });

  it('gives a RST from the side that had not finished', () => {
    const w = new PcapngWriter();
    w.open(4, V4, 1);
    w.fin(4, 's2c', 2);
    const rst = parse(Buffer.concat([w.header('t'), w.reset(4, 3)])).packets[0];
    expect([rst.srcPort, rst.flags]).toEqual([V4.clientPort, 0x14]);
  });

  it("is read back by wsinspect's capture reader as the same conversation", async () => {
    const w = new PcapngWriter();
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-pcapng-'));
    const path = join(dir, 'conv.pcapng');
    writeFileSync(path, Buffer.concat([w.header('t'), conversation(w, 1, V4, 70_000), conversation(w, 2, V6, 10)]));
    const events: StreamEvent[] = [];
    await readCapture(path, (e) => events.push(e));
    const opens = events.filter((e) => e.kind === 'open');
    expect(opens.map((e) => e.kind === 'open' && e.endpoints)).toEqual([
      { client: '127.0.0.1:50000', server: '127.0.0.2:8080' },
      { client: '[::1]:50001', server: '[::ffff:127.0.0.1]:9000' },
    ]);
    const bytes = (conn: number, dir: 'c2s' | 's2c') =>
      events.reduce((n, e) => n + (e.kind === 'data' && e.conn === conn && e.dir === dir ? e.bytes.length : 0), 0);
    expect(bytes(1, 's2c')).toBe(HANDSHAKE_RES.length + 10 + 70_000);
    expect(bytes(2, 'c2s')).toBe(HANDSHAKE_REQ.length + 11);
    expect(events.filter((e) => e.kind === 'gap' || e.kind === 'diagnostic')).toEqual([]);
  });

  itWithTool('tshark', "passes tshark's checksum and TCP analysis and dissects the WebSocket frames", () => {
    const w = new PcapngWriter();
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-pcapng-'));
    const path = join(dir, 'conv.pcapng');
    writeFileSync(path, Buffer.concat([w.header('t'), conversation(w, 1, V4, 150_000), conversation(w, 2, V6, 300)]));
    const fields = (filter: string, ...names: string[]) =>
      execFileSync(
        'tshark',
        [
          '-r',
          path,
          '-o',
          'tcp.check_checksum:TRUE',
          '-o',
          'ip.check_checksum:TRUE',
          '-d',
          'tcp.port==8080,http',
          '-d',
          'tcp.port==9000,http',
          '-Y',
          filter,
          '-T',
          'fields',
          ...names.flatMap((n) => ['-e', n]),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      ).trim();
    expect(fields('tcp.checksum.status != 1 || ip.checksum.status == 2 || tcp.analysis.flags', 'frame.number')).toBe(
      '',
    );
    expect(
      fields('websocket', 'websocket.opcode', 'websocket.mask', 'websocket.payload_length_ext_64').split('\n'),
    ).toEqual(['1\t1\t', '2\t0\t150000', '1\t1\t', '2\t0\t300']);
  });
});
