// IPv4 (with options), IPv6 (with extension headers) and the TCP header, parsed into one
// reused scratch record so the per-packet path allocates nothing. Lengths come from the
// IP header, not the capture, so snap-length cuts are seen as missing bytes.
// Layer rule: capture/ — pure.
import { u16be, u32be } from './byte-reader.js';

export const ParseStatus = {
  tcp: 0,
  notTcp: 1,
  fragment: 2,
  malformed: 3,
} as const;
export type ParseStatus = (typeof ParseStatus)[keyof typeof ParseStatus];

export const TcpFlag = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10 } as const;

/** One parsed TCP segment; fields are overwritten by every parse. */
export class TcpSegment {
  bytes: Uint8Array = new Uint8Array(0);
  /** 4 (IPv4) or 16 (IPv6). */
  addressLength = 4;
  srcAddress = 0;
  dstAddress = 0;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  payloadOffset = 0;
  /** Payload bytes present in the capture. */
  payloadLength = 0;
  /** Payload bytes the IP header announces but the snap length cut off. */
  payloadMissing = 0;
  /**
   * For a fragment (ParseStatus.fragment), read by the IpReassembler: the IPv4
   * identification or IPv6 fragment id, where the piece goes in the datagram (bytes), the
   * M flag, and the protocol (IPv4) or first header of the fragmentable part (IPv6). The
   * piece's data is payloadOffset/payloadLength/payloadMissing.
   */
  fragmentId = 0;
  fragmentOffset = 0;
  moreFragments = false;
  fragmentProtocol = 0;
}

const PROTO_TCP = 6;

/** Parses IP + TCP at b[ipOff, end). */
export function parseTcpIp(b: Uint8Array, ipOff: number, end: number, out: TcpSegment): ParseStatus {
  if (end - ipOff < 1) return ParseStatus.malformed;
  out.bytes = b;
  const version = b[ipOff] >> 4;
  if (version === 4) return parseIpv4(b, ipOff, end, out);
  if (version === 6) return parseIpv6(b, ipOff, end, out);
  return ParseStatus.notTcp;
}

function parseIpv4(b: Uint8Array, ip: number, end: number, out: TcpSegment): ParseStatus {
  if (end - ip < 20) return ParseStatus.malformed;
  const headerLength = (b[ip] & 0x0f) * 4; // RFC 791: IHL counts 32-bit words, options included
  if (headerLength < 20 || end - ip < headerLength) return ParseStatus.malformed;
  if (b[ip + 9] !== PROTO_TCP) return ParseStatus.notTcp;
  out.addressLength = 4;
  out.srcAddress = ip + 12;
  out.dstAddress = ip + 16;
  // More-fragments flag or a non-zero offset: this datagram is a fragment (RFC 791 §3.1).
  const fragment = u16be(b, ip + 6);
  if ((fragment & 0x3fff) !== 0) return ipv4Fragment(b, ip, headerLength, end, fragment, out);
  let total = u16be(b, ip + 2);
  // Segmentation offload makes Linux record outgoing packets with total length 0.
  if (total === 0) total = end - ip;
  if (total < headerLength) return ParseStatus.malformed;
  return parseTcp(b, ip + headerLength, ip + total, end, out);
}

function parseIpv6(b: Uint8Array, ip: number, end: number, out: TcpSegment): ParseStatus {
  if (end - ip < 40) return ParseStatus.malformed;
  out.addressLength = 16;
  out.srcAddress = ip + 8;
  out.dstAddress = ip + 24;
  const payloadLength = u16be(b, ip + 4);
  // A zero payload length is a jumbogram (RFC 2675): take what was captured.
  const declaredEnd = payloadLength === 0 ? end : ip + 40 + payloadLength;
  return walkIpv6(b, b[ip + 6], ip + 40, declaredEnd, end, out);
}

/** Follows the IPv6 header chain from header type `next` at b[p] to TCP (RFC 8200 §4). */
function walkIpv6(
  b: Uint8Array,
  next: number,
  p: number,
  declaredEnd: number,
  end: number,
  out: TcpSegment,
): ParseStatus {
  for (;;) {
    if (next === PROTO_TCP) return parseTcp(b, p, declaredEnd, end, out);
    if (end - p < 8) return next === 59 ? ParseStatus.notTcp : ParseStatus.malformed;
    switch (next) {
      case 0: // hop-by-hop options (RFC 8200 §4.3)
      case 43: // routing (§4.4)
      case 60: // destination options (§4.6)
        next = b[p];
        p += (b[p + 1] + 1) * 8;
        break;
      case 44: {
        // fragment (§4.5): offset or M flag set means a piece of a datagram
        const fragment = u16be(b, p + 2);
        if ((fragment & 0xfff9) !== 0) return ipv6Fragment(b, p, declaredEnd, end, fragment, out);
        // RFC 6946: an atomic fragment (offset 0, M clear) is processed on its own
        next = b[p];
        p += 8;
        break;
      }
      case 51: // authentication header (RFC 4302): length in 4-byte words minus 2
        next = b[p];
        p += (b[p + 1] + 2) * 4;
        break;
      default:
        return ParseStatus.notTcp;
    }
  }
}

function ipv4Fragment(
  b: Uint8Array,
  ip: number,
  headerLength: number,
  end: number,
  field: number,
  out: TcpSegment,
): ParseStatus {
  const total = u16be(b, ip + 2);
  if (total < headerLength) return ParseStatus.malformed;
  out.fragmentId = u16be(b, ip + 4);
  out.fragmentOffset = (field & 0x1fff) * 8; // RFC 791 §3.1: offset in 8-byte units
  out.moreFragments = (field & 0x2000) !== 0;
  out.fragmentProtocol = PROTO_TCP;
  return fragmentData(ip + headerLength, ip + total, end, out);
}

/** Header types that may start the fragmentable part of a packet that carries TCP. */
function mayLeadToTcp(next: number): boolean {
  return next === PROTO_TCP || next === 0 || next === 43 || next === 60 || next === 51;
}

function ipv6Fragment(
  b: Uint8Array,
  p: number,
  declaredEnd: number,
  end: number,
  field: number,
  out: TcpSegment,
): ParseStatus {
  // Every fragment names the first header of the fragmentable part (§4.5): UDP, ICMPv6… are not ours.
  if (!mayLeadToTcp(b[p])) return ParseStatus.notTcp;
  if (declaredEnd < p + 8) return ParseStatus.malformed;
  out.fragmentId = u32be(b, p + 4);
  out.fragmentOffset = field & 0xfff8; // the 13-bit offset in 8-byte units sits above 3 bits
  out.moreFragments = (field & 1) !== 0;
  out.fragmentProtocol = b[p];
  return fragmentData(p + 8, declaredEnd, end, out);
}

function fragmentData(data: number, declaredEnd: number, end: number, out: TcpSegment): ParseStatus {
  const capturedEnd = end < declaredEnd ? end : declaredEnd;
  out.payloadOffset = data;
  out.payloadLength = capturedEnd > data ? capturedEnd - data : 0;
  out.payloadMissing = declaredEnd - data - out.payloadLength;
  return ParseStatus.fragment;
}

/**
 * Parses a reassembled datagram laid out as b = [source address][destination address]
 * [fragmentable part up to end]: TCP for IPv4, the rest of the header chain for IPv6.
 */
export function parseReassembled(
  b: Uint8Array,
  addressLength: number,
  protocol: number,
  end: number,
  out: TcpSegment,
): ParseStatus {
  out.bytes = b;
  out.addressLength = addressLength;
  out.srcAddress = 0;
  out.dstAddress = addressLength;
  const start = 2 * addressLength;
  if (addressLength === 16) return walkIpv6(b, protocol, start, end, end, out);
  return protocol === PROTO_TCP ? parseTcp(b, start, end, end, out) : ParseStatus.notTcp;
}

function parseTcp(b: Uint8Array, tcp: number, declaredEnd: number, end: number, out: TcpSegment): ParseStatus {
  if (end - tcp < 20) return ParseStatus.malformed;
  const headerLength = (b[tcp + 12] >> 4) * 4; // RFC 9293 §3.1: data offset in 32-bit words
  if (headerLength < 20 || end - tcp < headerLength || declaredEnd < tcp + headerLength) {
    return ParseStatus.malformed;
  }
  out.srcPort = u16be(b, tcp);
  out.dstPort = u16be(b, tcp + 2);
  out.seq = u32be(b, tcp + 4);
  out.ack = u32be(b, tcp + 8);
  out.flags = b[tcp + 13];
  out.payloadOffset = tcp + headerLength;
  // Ethernet pads short frames and may carry an FCS: the IP length says where data ends.
  const capturedEnd = end < declaredEnd ? end : declaredEnd;
  out.payloadLength = capturedEnd - out.payloadOffset;
  out.payloadMissing = declaredEnd - capturedEnd;
  return ParseStatus.tcp;
}
