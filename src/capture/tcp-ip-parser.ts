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
  /** IPv4 identification or IPv6 fragment id, for fragment diagnostics. */
  fragmentId = 0;
  /** For a fragment: true when it is the first piece (offset 0). */
  firstFragment = false;
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
  out.fragmentId = u16be(b, ip + 4);
  // More-fragments flag or a non-zero offset: this datagram is a fragment (RFC 791).
  const fragment = u16be(b, ip + 6);
  if ((fragment & 0x3fff) !== 0) {
    out.firstFragment = (fragment & 0x1fff) === 0;
    return ParseStatus.fragment;
  }
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
  let next = b[ip + 6];
  let p = ip + 40;
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
      case 44: { // fragment (§4.5): offset or M flag set means a piece of a datagram
        out.fragmentId = u32be(b, p + 4);
        const fragment = u16be(b, p + 2);
        if ((fragment & 0xfff9) !== 0) {
          out.firstFragment = (fragment & 0xfff8) === 0;
          return ParseStatus.fragment;
        }
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
