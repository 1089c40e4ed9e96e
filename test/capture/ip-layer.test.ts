// IPv4 with options, IPv6 with extension headers, and IP fragments (reported, skipped),
// on the packets of a real capture.
import { describe, expect, it } from 'vitest';
import { byConnection, decode, expected, fixture, globalCodes, pcapOf, sha256 } from './helpers/capture-harness.js';
import { readTcpRecords } from './helpers/tcp-packets.js';

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

  it('reports a fragment with ip.fragment and leaves a gap where its data was', () => {
    const i = records.findIndex((r) => r.payload.length > 0 && r.dport === 18080 && r.payload[0] !== 0x47);
    const events = decodeFragmented(records, i);
    expect(globalCodes(events)).toEqual(['ip.fragment']);
    const [conn] = byConnection(events).values();
    expect(conn.gaps).toEqual([{ dir: 'c2s', length: records[i].payload.length }]);
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
      43, 0, 1, 4, 0, 0, 0, 0, // hop-by-hop → routing; PadN
      60, 0, 0, 0, 0, 0, 0, 0, // routing (type 0, no segments left) → destination options
      44, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // destination options, 16 bytes → fragment
      6, 0, 0, 0, 0, 0, 0, 1, // fragment header: offset 0, M clear (atomic) → TCP
    ]);
    expect(streams(pcapOf(records, { linkHeader: ETH_V6, ipv6: { extensionHeaders: ext, firstNext: 0 } }))).toEqual(plain);
  });

  it('reports a real IPv6 fragment', () => {
    const ext = new Uint8Array([6, 0, 0, 1, 0, 0, 0, 7]); // M set: first of several
    const events = decode(pcapOf(records, { linkHeader: ETH_V6, ipv6: { extensionHeaders: ext, firstNext: 44 } }));
    expect(new Set(globalCodes(events))).toEqual(new Set(['ip.fragment']));
    expect(byConnection(events).size).toBe(0);
  });
});
