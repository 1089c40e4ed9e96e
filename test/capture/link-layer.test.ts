// Each supported link type carries the same real conversation (plain.pcap rebuilt with
// another link header) to the same byte streams; an unsupported one is reported once.
import { describe, expect, it } from 'vitest';
import { byConnection, decode, expected, fixture, globalCodes, pcapOf, sha256 } from './helpers/capture-harness.js';
import { readTcpRecords } from './helpers/tcp-packets.js';

const records = readTcpRecords(fixture('plain.pcap'));
const truth = expected('plain.pcap').connections[0];
const MAC = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

const IPV4_HEADERS: [string, number, number[]][] = [
  ['Ethernet', 1, [...MAC, 0x08, 0x00]],
  ['Ethernet with an 802.1Q tag', 1, [...MAC, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00]],
  ['Ethernet with QinQ (802.1ad + 802.1Q)', 1, [...MAC, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00]],
  ['Ethernet with pre-standard QinQ (0x9100)', 1, [...MAC, 0x91, 0x00, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00]],
  ['Linux cooked SLL', 113, [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00]],
  ['Linux cooked SLL2', 276, [0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0]],
  ['BSD loopback, little-endian host', 0, [2, 0, 0, 0]],
  ['BSD loopback, big-endian host', 0, [0, 0, 0, 2]],
  ['OpenBSD loop', 108, [0, 0, 0, 2]],
  ['raw IP', 101, []],
  ['raw IPv4', 228, []],
];

function expectPlainStreams(bytes: Uint8Array): void {
  const events = decode(bytes);
  expect(globalCodes(events)).toEqual([]);
  const [conn] = byConnection(events).values();
  expect(sha256(conn.c2s)).toBe(truth.streams.c2s.sha256);
  expect(sha256(conn.s2c)).toBe(truth.streams.s2c.sha256);
}

describe('link layers', () => {
  for (const [name, linkType, header] of IPV4_HEADERS) {
    it(`${name} (link type ${linkType})`, () => {
      expectPlainStreams(pcapOf(records, { linkType, linkHeader: new Uint8Array(header) }));
    });
  }

  const IPV6_HEADERS: [string, number, number[]][] = [
    ['Ethernet', 1, [...MAC, 0x86, 0xdd]],
    ['BSD loopback (macOS AF_INET6 = 30)', 0, [30, 0, 0, 0]],
    ['BSD loopback (FreeBSD AF_INET6 = 28, big-endian)', 0, [0, 0, 0, 28]],
    ['raw IPv6', 229, []],
    ['Linux cooked SLL2', 276, [0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0]],
  ];
  for (const [name, linkType, header] of IPV6_HEADERS) {
    it(`IPv6 over ${name} (link type ${linkType})`, () => {
      expectPlainStreams(pcapOf(records, { linkType, linkHeader: new Uint8Array(header), ipv6: {} }));
    });
  }

  it('the real -i any capture is SLL2', () => {
    const bytes = fixture('any-sll2.pcap');
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(20, true)).toBe(276);
    expect(byConnection(decode(bytes)).size).toBe(1);
  });

  it('skips frames that carry no IP (ARP) silently', () => {
    const arp = new Uint8Array([...MAC, 0x08, 0x06, ...new Array(28).fill(0)]);
    const bytes = pcapOf(records, {});
    const events = decode(bytes);
    const withArp = decode(new Uint8Array([...bytes, ...frameRecord(arp)]));
    expect(withArp).toEqual(events);
  });

  it('reports an unsupported link type once and decodes nothing from it', () => {
    const events = decode(pcapOf(records, { linkType: 147, linkHeader: new Uint8Array([1, 2, 3, 4]) }));
    expect(globalCodes(events)).toEqual(['capture.linktype.unsupported']);
    expect(events.filter((e) => e.kind === 'open')).toEqual([]);
  });
});

/** A classic pcap record (little-endian) for one frame, to append to a file. */
function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 2e9, true);
  dv.setUint32(8, data.length, true);
  dv.setUint32(12, data.length, true);
  out.set(data, 16);
  return out;
}
