// TCP reassembly, one case per pathology, each built by rewriting the packets of a real
// capture (plain.pcap): the reassembled streams must still equal what the generator's
// server read and wrote, with the gaps, diagnostics and end reasons the case implies.
import { describe, expect, it } from 'vitest';
import { byConnection, decode, expected, fixture, pcapOf, sha256, type ConnResult } from './helpers/capture-harness.js';
import { ACK, FIN, PSH, RST, SYN, readTcpRecords, type TcpRecord } from './helpers/tcp-packets.js';

const records = readTcpRecords(fixture('plain.pcap'));
const truth = expected('plain.pcap').connections[0];
const SERVER = 18080;
const isC2s = (r: TcpRecord): boolean => r.dport === SERVER;
/** The HTTP Upgrade request: the first client data segment (158 bytes). */
const REQUEST = records.findIndex((r) => isC2s(r) && r.payload.length > 0);
/** The first WebSocket frame the client sent (the segment after the request). */
const FIRST_FRAME = records.findIndex((r, i) => i > REQUEST && isC2s(r) && r.payload.length > 0);

function run(rs: readonly TcpRecord[], limits?: Record<string, number>): ConnResult {
  const conns = [...byConnection(decode(pcapOf(rs), limits === undefined ? {} : { limits })).values()];
  expect(conns).toHaveLength(1);
  return conns[0];
}

function expectTruth(conn: ConnResult): void {
  expect(sha256(conn.c2s)).toBe(truth.streams.c2s.sha256);
  expect(sha256(conn.s2c)).toBe(truth.streams.s2c.sha256);
}

/** Splits a segment at payload offsets, each piece with its own sequence number. */
function split(r: TcpRecord, cuts: readonly number[]): TcpRecord[] {
  const edges = [0, ...cuts, r.payload.length];
  return edges
    .slice(1)
    .map((end, i) => ({ ...r, seq: (r.seq + edges[i]) >>> 0, payload: r.payload.slice(edges[i], end) }));
}

function piece(r: TcpRecord, from: number, to: number, patch?: (p: Uint8Array) => void): TcpRecord {
  const payload = r.payload.slice(from, to);
  patch?.(payload);
  return { ...r, seq: (r.seq + from) >>> 0, payload };
}

function lastIndex(rs: readonly TcpRecord[], test: (r: TcpRecord) => boolean): number {
  for (let i = rs.length - 1; i >= 0; i -= 1) if (test(rs[i])) return i;
  return -1;
}

function replaceAt(rs: readonly TcpRecord[], index: number, replacement: readonly TcpRecord[]): TcpRecord[] {
  return [...rs.slice(0, index), ...replacement, ...rs.slice(index + 1)];
}

describe('TCP reassembly (plain.pcap rewritten)', () => {
  it('baseline: the capture as recorded', () => {
    const conn = run(records);
    expectTruth(conn);
    expect(conn.codes).toEqual([]);
  });

  it('reorder: segments arriving 3, 1, 2 are put back in order', () => {
    const [a, b, c] = split(records[REQUEST], [50, 100]);
    const conn = run(replaceAt(records, REQUEST, [c, a, b]));
    expectTruth(conn);
    expect(conn.gaps).toEqual([]);
    expect(conn.codes).toEqual([]);
  });

  it('overlap with the same bytes (held data and delivered data): dropped quietly', () => {
    const r = records[REQUEST];
    const L = r.payload.length;
    const conn = run(replaceAt(records, REQUEST, [piece(r, 60, L), piece(r, 0, 100), piece(r, 30, 80)]));
    expectTruth(conn);
    expect(conn.codes.filter((c) => c !== 'tcp.retransmission')).toEqual([]);
  });

  it('overlap with conflicting bytes over held data: tcp.overlap.conflict, first seen kept', () => {
    const r = records[REQUEST];
    const forged = piece(r, 0, 100, (p) => p.fill(0x58, 70, 80));
    const conn = run(replaceAt(records, REQUEST, [piece(r, 60, r.payload.length), forged]));
    expectTruth(conn);
    expect(conn.codes).toEqual(['tcp.overlap.conflict']);
  });

  it('overlap with conflicting bytes over delivered data: tcp.overlap.conflict, first seen kept', () => {
    const r = records[REQUEST];
    const forged = piece(r, 0, 60, (p) => p.fill(0x58, 10, 14));
    const conn = run(replaceAt(records, REQUEST, [r, forged]));
    expectTruth(conn);
    expect(conn.codes).toEqual(['tcp.overlap.conflict']);
  });

  it('retransmission: an exact copy is dropped with a tcp.retransmission note', () => {
    const conn = run(replaceAt(records, FIRST_FRAME, [records[FIRST_FRAME], records[FIRST_FRAME]]));
    expectTruth(conn);
    expect(conn.codes).toEqual(['tcp.retransmission']);
  });

  it('keep-alive probe (one old byte) is not data and not a conflict', () => {
    const r = records[FIRST_FRAME];
    const probe = { ...r, seq: (r.seq - 1) >>> 0, payload: new Uint8Array([0]), flags: ACK };
    const conn = run(replaceAt(records, FIRST_FRAME, [probe, r]));
    expectTruth(conn);
    expect(conn.codes).toEqual([]);
  });

  it('gap: a segment never captured becomes a gap of its length, then decoding goes on', () => {
    const lost = records[FIRST_FRAME];
    const conn = run(replaceAt(records, FIRST_FRAME, []));
    expect(conn.gaps).toEqual([{ dir: 'c2s', length: lost.payload.length }]);
    const c2sTruthLength = truth.streams.c2s.length;
    expect(conn.c2s.length).toBe(c2sTruthLength - lost.payload.length);
    expect(sha256(conn.s2c)).toBe(truth.streams.s2c.sha256);
    expect(conn.end?.reason).toBe('tcp-fin');
  });

  it('gap at the end of input: held data is flushed after the hole', () => {
    const cutAt = records.findIndex((r, i) => i > FIRST_FRAME && isC2s(r) && r.payload.length > 0);
    const lost = records[FIRST_FRAME];
    // drop the segment and everything after the next client segment (no ACKs to tell)
    const conn = run(
      [...records.slice(0, FIRST_FRAME), ...records.slice(FIRST_FRAME + 1, cutAt + 1)].filter(
        (r) => isC2s(r) || r.payload.length > 0 || (r.flags & SYN) !== 0,
      ),
    );
    expect(conn.gaps).toEqual([{ dir: 'c2s', length: lost.payload.length }]);
    expect(conn.end?.reason).toBe('input-ended');
  });

  it('held bytes are bounded: past the limit the hole becomes a gap', () => {
    const [a, b, c] = split(records[REQUEST], [50, 100]);
    expect(b.payload.length + c.payload.length).toBeGreaterThan(100);
    const conn = run(replaceAt(records, REQUEST, [b, c, a]), { maxHeldBytesPerDirection: 100 });
    expect(conn.gaps).toEqual([{ dir: 'c2s', length: 50 }]);
    expect(conn.codes).toContain('tcp.retransmission'); // the late first piece is old by then
  });

  it('wrap-around: sequence numbers crossing 2^32 in both directions', () => {
    const c2sIsn = records[0].seq;
    const s2cIsn = records.find((r) => (r.flags & (SYN | ACK)) === (SYN | ACK))!.seq;
    const shiftC = (0x100000000 - 101 - c2sIsn) >>> 0; // client stream wraps 100 bytes into the request
    const shiftS = (0x100000000 - 3 - s2cIsn) >>> 0;
    const shifted = records.map((r) => {
      const [mine, theirs] = isC2s(r) ? [shiftC, shiftS] : [shiftS, shiftC];
      return { ...r, seq: (r.seq + mine) >>> 0, ack: r.ack === 0 ? 0 : (r.ack + theirs) >>> 0 };
    });
    expect(shifted.some((r) => r.seq < 100) && shifted.some((r) => r.seq > 0xffffff00)).toBe(true);
    // and reordered across the wrap, for good measure
    const [a, b, rest] = split(shifted[REQUEST], [90, 110]);
    expect(b.seq > 0xffffff00 && rest.seq < 100).toBe(true);
    const conn = run(replaceAt(shifted, REQUEST, [b, rest, a]));
    expectTruth(conn);
    expect(conn.gaps).toEqual([]);
  });

  it('missing SYN: the conversation starts at the first sequence number seen', () => {
    const conn = run(records.filter((r) => (r.flags & SYN) === 0));
    expectTruth(conn);
    expect(conn.detectedBy).toBe('handshake');
    expect(conn.client).toMatch(/:\d+$/);
    expect(conn.server).toBe(`127.0.0.1:${SERVER}`);
  });

  it('RST: the connection ends with tcp-rst, no direction having finished', () => {
    const firstFin = records.findIndex((r) => (r.flags & FIN) !== 0);
    const reset: TcpRecord = { ...records[firstFin], flags: RST | ACK, payload: new Uint8Array(0) };
    const conn = run([...records.slice(0, firstFin), reset]);
    expect(conn.end?.reason).toBe('tcp-rst');
    expect(conn.finished).toEqual([]);
    expectTruth(conn);
  });

  it('FIN: each direction finishes (end with dir) when its FIN is reached, then the connection ends', () => {
    const conn = run(records);
    const firstFin = records.find((r) => (r.flags & FIN) !== 0)!;
    expect(conn.finished).toEqual(isC2s(firstFin) ? ['c2s', 's2c'] : ['s2c', 'c2s']);
    expect(conn.end?.reason).toBe('tcp-fin');
  });

  it('FIN arriving before the last data: the end waits for the data', () => {
    const lastData = lastIndex(records, (r) => r.payload.length > 0 && !isC2s(r));
    const fin = records.findIndex((r, i) => i > lastData && !isC2s(r) && (r.flags & FIN) !== 0);
    const reordered = [...records];
    [reordered[lastData], reordered[fin]] = [reordered[fin], reordered[lastData]];
    const conn = run(reordered);
    expectTruth(conn);
    expect(conn.end?.reason).toBe('tcp-fin');
  });

  it('snap length: a cut packet gives its bytes, then a gap for the rest, with tcp.snaplen', () => {
    const r = records[FIRST_FRAME];
    const frames = pcapOf(records);
    // Rebuild the file by hand with the frame's capture cut 3 bytes into its payload.
    const cutRecords = decodeWithCut(r, 3);
    expect(cutRecords.gaps).toEqual([{ dir: 'c2s', length: r.payload.length - 3 }]);
    expect(cutRecords.codes).toContain('tcp.snaplen');
    expect(frames.length).toBeGreaterThan(0);
  });

  it('a new SYN on the same 4-tuple (port reuse) starts a new connection', () => {
    const later = records.map((r) => ({
      ...r,
      time: r.time + 10,
      seq: (r.seq + 7777) >>> 0,
      ack: r.ack === 0 ? 0 : (r.ack + 7777) >>> 0,
    }));
    const lastFin = lastIndex(records, (r) => (r.flags & FIN) !== 0);
    const events = decode(pcapOf([...records.slice(0, lastFin), ...later]));
    const conns = [...byConnection(events).values()];
    expect(conns).toHaveLength(2);
    expect(sha256(conns[1].c2s)).toBe(truth.streams.c2s.sha256);
  });

  it('PSH and pure ACKs of unknown connections create nothing', () => {
    const stray: TcpRecord = {
      ...records[0],
      sport: 40000,
      dport: 40001,
      flags: ACK | PSH,
      payload: new Uint8Array(0),
    };
    expect(decode(pcapOf([stray]))).toEqual([]);
  });
});

/** plain.pcap with one frame's capture cut `keep` bytes into its TCP payload. */
function decodeWithCut(r: TcpRecord, keep: number): ConnResult {
  const index = records.indexOf(r);
  const whole = pcapOf([r]).subarray(24);
  const headers = whole.length - 16 - r.payload.length;
  const cut = whole.slice(0, 16 + headers + keep);
  new DataView(cut.buffer).setUint32(8, headers + keep, true); // captured length; original stays
  const before = pcapOf(records.slice(0, index));
  const after = pcapOf(records.slice(index + 1)).subarray(24);
  return [...byConnection(decode(new Uint8Array([...before, ...cut, ...after]))).values()][0];
}
