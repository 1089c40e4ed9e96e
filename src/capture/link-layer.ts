// Link-layer headers in front of IP: which offset the IP header starts at for each
// supported LINKTYPE (tcpdump.org link-layer header types). Non-IP frames (ARP, LLDP…)
// give -1 and are skipped silently. Layer rule: capture/ — pure, no allocation.
import { u16be, u32be, u32le } from './byte-reader.js';

export const LinkType = {
  null: 0, // BSD loopback: 4-byte address family in the capturing host's byte order
  ethernet: 1,
  raw: 101,
  loop: 108, // OpenBSD loopback: address family in network byte order
  linuxSll: 113,
  ipv4: 228,
  ipv6: 229,
  linuxSll2: 276,
} as const;

const SUPPORTED = new Set<number>(Object.values(LinkType));

export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED.has(linkType);
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q
const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad service tag
const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ

/** BSD AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
function isIpFamily(family: number): boolean {
  return family === 2 || family === 24 || family === 28 || family === 30;
}

function isIpEthertype(type: number): boolean {
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6;
}

/** Offset of the IP header within b[off, end), or -1 when the frame does not carry IP. */
export function ipHeaderOffset(linkType: number, b: Uint8Array, off: number, end: number): number {
  switch (linkType) {
    case LinkType.ethernet:
      return ethernetPayload(b, off, end);
    case LinkType.linuxSll: // SLL: protocol (an EtherType) at byte 14 of a 16-byte header
      return end - off >= 16 && isIpEthertype(u16be(b, off + 14)) ? off + 16 : -1;
    case LinkType.linuxSll2: // SLL2: protocol at byte 0 of a 20-byte header
      return end - off >= 20 && isIpEthertype(u16be(b, off)) ? off + 20 : -1;
    case LinkType.null: {
      if (end - off < 4) return -1;
      // The family is in the byte order of the machine that captured, which the file
      // does not record: a value below 2^16 read one way is the right reading.
      const le = u32le(b, off);
      return isIpFamily(le < 0x10000 ? le : u32be(b, off)) ? off + 4 : -1;
    }
    case LinkType.loop:
      return end - off >= 4 && isIpFamily(u32be(b, off)) ? off + 4 : -1;
    case LinkType.raw:
    case LinkType.ipv4:
    case LinkType.ipv6:
      return end > off ? off : -1;
    default:
      return -1;
  }
}

function ethernetPayload(b: Uint8Array, off: number, end: number): number {
  let p = off + 12;
  // 802.1Q / 802.1ad tags (several for QinQ) each add 4 bytes before the real EtherType.
  while (p + 2 <= end) {
    const type = u16be(b, p);
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
      p += 4;
      continue;
    }
    return isIpEthertype(type) ? p + 2 : -1;
  }
  return -1;
}
