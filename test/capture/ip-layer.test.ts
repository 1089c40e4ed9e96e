// IPv4 with options, IPv6 with extension headers, and what the parser reads from an IP
// fragment, on the packets of a real capture (reassembly itself: ip-fragments.test.ts).
import { describe, expect, it } from 'vitest';
import { ParseStatus, TcpSegment, parseReassembled, parseTcpIp } from '../../src/capture/tcp-ip-parser.js';
import { byConnection, decode, expected, fixture, globalCodes, pcapOf, sha256 } from './helpers/capture-harness.js';
import { buildPacket, readTcpRecords } from './helpers/tcp-packets.js';

const records = readTcpRecords(fixture('plain.pcap'));
const truth = expected('plain.pcap').connections[0];
const ETH_V6 = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x86, 0xdd]);

function streams(bytes: Uint8Array): { c2s: string; s2c: string; codes: string[] } {
  const events = decode(bytes);
  const [conn] = byConnection(events).values();
  return { c2s: sha256(conn.c2s), s2c: sha256(conn.s2c), codes: globalCodes(events) };
}

const plain = { c2s: truth.streams.c2s.sha256, s2c: truth.streams.s2c.sha256, codes: [] };

describe('IPv4', () => {
  it('skips options by the header length (IHL)', () => {
    expect(streams(pcapOf(records, { ipOptions: new Uint8Array([1, 1, 1, 0]) }))).toEqual(plain);
    // Record Route with room for two addresses, padded: 12 bytes of options
    const recordRoute = new Uint8Array([7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(streams(pcapOf(records, { ipOptions: recordRoute }))).toEqual(plain);
  });

  it('a first fragment (MF set) whose datagram never completes: ip.fragment at the end, a gap where its data was', () => {
    const i = records.findIndex((r) => r.payload.length > 0 && r.dport === 18080 && r.payload[0] !== 0x47);
    const events = decodeFragmented(records, i);
    expect(globalCodes(events)).toEqual(['ip.fragment']);
    const d = events.find((e) => e.kind === 'diagnostic')!;
    expect(d.kind === 'diagnostic' && d.diagnostic.message).toBe(
      'IPv4 datagram 127.0.0.1 → 127.0.0.1 (id 0x0): the capture ended before it was complete; ' +
        `its last fragment never came, so its length is unknown: ${20 + records[i].payload.length} bytes received; its TCP segment is lost`,
    );
    const [conn] = byConnection(events).values();
    expect(conn.gaps).toEqual([{ dir: 'c2s', length: records[i].payload.length }]);
  });

  it('a fragment: its id, offset (8-byte units), MF, protocol and data are read; non-TCP protocols are not', () => {
    const r = records.find((x) => x.payload.length > 0)!;
    const packet = buildPacket(r, { fragmentField: 0x2000 | 3 });
    packet[14 + 4] = 0xbe;
    packet[14 + 5] = 0xef;
    const seg = new TcpSegment();
    expect(parseTcpIp(packet, 14, packet.length, seg)).toBe(ParseStatus.fragment);
    expect({
      id: seg.fragmentId,
      offset: seg.fragmentOffset,
      more: seg.moreFragments,
      protocol: seg.fragmentProtocol,
    }).toEqual({ id: 0xbeef, offset: 24, more: true, protocol: 6 });
    expect({ at: seg.payloadOffset, length: seg.payloadLength, missing: seg.payloadMissing }).toEqual({
      at: 34,
      length: 20 + r.payload.length,
      missing: 0,
    });
    expect(parseTcpIp(packet, 14, packet.length - 5, seg)).toBe(ParseStatus.fragment);
    expect({ length: seg.payloadLength, missing: seg.payloadMissing }).toEqual({
      length: 15 + r.payload.length,
      missing: 5,
    });
    packet[14 + 9] = 17; // UDP
    expect(parseTcpIp(packet, 14, packet.length, seg)).toBe(ParseStatus.notTcp);
  });
});

/** plain.pcap with packet `index` marked as the first of several fragments (MF set). */
function decodeFragmented(rs: typeof records, index: number): ReturnType<typeof decode> {
  const before = pcapOf(rs.slice(0, index), {});
  const frag = pcapOf([rs[index]], { fragmentField: 0x2000 }).subarray(24);
  const after = pcapOf(rs.slice(index + 1), {}).subarray(24);
  return decode(new Uint8Array([...before, ...frag, ...after]));
}

describe('IPv6', () => {
  it('reads TCP directly after the fixed header', () => {
    expect(streams(pcapOf(records, { linkHeader: ETH_V6, ipv6: {} }))).toEqual(plain);
  });

  it('walks hop-by-hop, routing, destination options and an atomic fragment header', () => {
    const ext = new Uint8Array([
      43,
      0,
      1,
      4,
      0,
      0,
      0,
      0, // hop-by-hop → routing; PadN
      60,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // routing (type 0, no segments left) → destination options
      44,
      1,
      1,
      12,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // destination options, 16 bytes → fragment
      6,
      0,
      0,
      0,
      0,
      0,
      0,
      1, // fragment header: offset 0, M clear (atomic) → TCP
    ]);
    expect(streams(pcapOf(records, { linkHeader: ETH_V6, ipv6: { extensionHeaders: ext, firstNext: 0 } }))).toEqual(
      plain,
    );
  });

  it('every packet the first fragment of one datagram (one id, M set): they overlap, the datagram is discarded (RFC 5722)', () => {
    const ext = new Uint8Array([6, 0, 0, 1, 0, 0, 0, 7]); // M set: first of several
    const events = decode(pcapOf(records, { linkHeader: ETH_V6, ipv6: { extensionHeaders: ext, firstNext: 44 } }));
    // both directions share the key (fd00::7f00:1 both ways, id 7): one datagram, one report
    expect(events.flatMap((e) => (e.kind === 'diagnostic' ? [e.diagnostic.message] : []))).toEqual([
      'IPv6 datagram fd00::7f00:1 → fd00::7f00:1 (id 0x7): the fragment at bytes 0–20 overlaps another fragment (RFC 5722); the datagram is discarded, its TCP segment is lost',
    ]);
    expect(byConnection(events).size).toBe(0);
  });

  it('a fragment header: id, offset, M and the first header of the fragmentable part; UDP and ICMPv6 are not ours', () => {
    const r = records.find((x) => x.payload.length > 0)!;
    const packet = buildPacket(r, {
      linkHeader: ETH_V6,
      ipv6: { extensionHeaders: new Uint8Array([60, 0, 0x01, 0x01, 0xca, 0xfe, 0xf0, 0x0d]), firstNext: 44 },
    });
    const seg = new TcpSegment();
    expect(parseTcpIp(packet, 14, packet.length, seg)).toBe(ParseStatus.fragment);
    expect({
      id: seg.fragmentId,
      offset: seg.fragmentOffset,
      more: seg.moreFragments,
      protocol: seg.fragmentProtocol,
      at: seg.payloadOffset,
    }).toEqual({ id: 0xcafef00d, offset: 32 * 8, more: true, protocol: 60, at: 14 + 48 }); // 0x0101: offset 32 units, M set
    for (const next of [17, 58, 59]) {
      packet[14 + 40] = next;
      expect(parseTcpIp(packet, 14, packet.length, seg)).toBe(ParseStatus.notTcp);
    }
  });
});

describe('a reassembled datagram', () => {
  const r = records.find((x) => x.payload.length > 0)!;
  const tcp = buildPacket(r).subarray(14 + 20);

  it('is parsed from [source][destination][fragmentable part]: IPv4 TCP, or the rest of the IPv6 header chain', () => {
    const seg = new TcpSegment();
    const v4 = new Uint8Array([127, 0, 0, 1, 10, 0, 0, 2, ...tcp]);
    expect(parseReassembled(v4, 4, 6, v4.length, seg)).toBe(ParseStatus.tcp);
    expect({
      src: seg.srcAddress,
      dst: seg.dstAddress,
      sport: seg.srcPort,
      seq: seg.seq,
      at: seg.payloadOffset,
      length: seg.payloadLength,
    }).toEqual({ src: 0, dst: 4, sport: r.sport, seq: r.seq, at: 8 + 20, length: r.payload.length });
    const v6 = new Uint8Array([...new Uint8Array(32), 6, 0, 1, 4, 0, 0, 0, 0, ...tcp]); // destination options → TCP
    expect(parseReassembled(v6, 16, 60, v6.length, seg)).toBe(ParseStatus.tcp);
    expect({ dst: seg.dstAddress, at: seg.payloadOffset, length: seg.payloadLength }).toEqual({
      dst: 16,
      at: 32 + 8 + 20,
      length: r.payload.length,
    });
    expect(parseReassembled(v4, 4, 17, v4.length, seg)).toBe(ParseStatus.notTcp);
    expect(parseReassembled(v4, 4, 6, 8 + 10, seg)).toBe(ParseStatus.malformed);
  });
});
