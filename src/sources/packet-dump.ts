// Packets pasted into `wsinspect hex`: what `tshark -x` prints (a "Frame (84 bytes):" heading
// per data source, several packets separated by blank lines, derived blocks such as
// "Unmasked data" and "Reassembled TCP") and Wireshark's "Copy as Hex Dump" of a whole packet.
// The WebSocket bytes are the TCP payload: found here under Ethernet, Linux SLL/SLL2, BSD
// loopback or raw IP, IPv4/IPv6 and TCP, and said in a note.
// Layer rule: sources/ — input parsing, no WebSocket decoding.
import { ipHeaderOffset, LinkType } from '../capture/link-layer.js';
import { parseTcpIp, ParseStatus, TcpSegment } from '../capture/tcp-ip-parser.js';
import { parseHexText } from './hex-text.js';

export interface HexInput {
  /** The bytes to decode as WebSocket frames. */
  readonly bytes: Uint8Array;
  /** What was done to the input to get them (empty when the input was the bytes). */
  readonly notes: readonly string[];
}

/** A "Frame (84 bytes):" / "Reassembled TCP (1234 bytes):" heading line of tshark -x. */
const HEADING = /^\s*([A-Za-z][^:()]*?)\s*\((\d+) bytes?\):\s*$/;

interface Block {
  title: string | null;
  text: string[];
}

/** Each packet's blocks, or null when the text has no tshark headings and no blank-line-separated dumps. */
function splitTsharkDump(text: string): Block[][] | null {
  const packets: Block[][] = [];
  let packet: Block[] = [];
  let sawHeading = false;
  for (const line of text.split(/\r?\n/)) {
    const heading = HEADING.exec(line);
    if (heading !== null) {
      sawHeading = true;
      packet.push({ title: heading[1], text: [] });
    } else if (line.trim() === '') {
      if (packet.length > 0) packets.push(packet);
      packet = [];
    } else {
      if (packet.length === 0) packet.push({ title: null, text: [] });
      packet[packet.length - 1].text.push(line);
    }
  }
  if (packet.length > 0) packets.push(packet);
  return sawHeading || packets.length > 1 ? packets : null;
}

interface Payload {
  readonly bytes: Uint8Array;
  readonly layers: string;
}

const LINK_CANDIDATES: readonly [number, string][] = [
  [LinkType.ethernet, 'Ethernet'],
  [LinkType.linuxSll2, 'Linux SLL2'],
  [LinkType.linuxSll, 'Linux SLL'],
  [LinkType.null, 'loopback'],
  [LinkType.raw, 'raw IP'],
];

/**
 * The TCP payload when `b` is a whole packet: a link layer that leads to an IP header whose
 * lengths account for every byte (Ethernet may add up to 46 bytes of padding), carrying TCP.
 * Null when the bytes are not a packet (WebSocket frames almost never pass these checks).
 */
export function tcpPayloadOfPacket(b: Uint8Array): Payload | null {
  const seg = new TcpSegment();
  for (const [linkType, name] of LINK_CANDIDATES) {
    const ip = ipHeaderOffset(linkType, b, 0, b.length);
    if (ip < 0) continue;
    if (parseTcpIp(b, ip, b.length, seg) !== ParseStatus.tcp || seg.payloadMissing > 0) continue;
    const end = seg.payloadOffset + seg.payloadLength;
    const tail = b.length - end;
    if (tail < 0 || tail > (linkType === LinkType.ethernet ? 46 : 0)) continue;
    if (seg.payloadOffset - ip < (seg.addressLength === 4 ? 40 : 60)) continue;
    const ipName = seg.addressLength === 4 ? 'IPv4' : 'IPv6';
    return {
      bytes: b.subarray(seg.payloadOffset, end),
      layers: `${name} › ${ipName} › TCP ${seg.srcPort} → ${seg.dstPort}`,
    };
  }
  return null;
}

const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;

/**
 * The bytes of `wsinspect hex` input, from any form parseHexText reads, a tshark -x dump of
 * one or more packets, or a whole packet: WebSocket frames are then taken from the TCP
 * payload (tshark's "Reassembled TCP" block where it printed one), and a note says so.
 */
export function readHexInput(text: string, label: string): HexInput {
  const packets = splitTsharkDump(text);
  if (packets === null) {
    const bytes = parseHexText(text, label);
    const payload = tcpPayloadOfPacket(bytes);
    if (payload === null) return { bytes, notes: [] };
    return {
      bytes: payload.bytes,
      notes: [
        `the input is a whole packet (${payload.layers}): decoding its ${plural(payload.bytes.length, 'byte')} of TCP payload`,
      ],
    };
  }
  const parts: Uint8Array[] = [];
  const layers = new Set<string>();
  let fromPackets = 0;
  let reassembled = 0;
  let empty = 0;
  const ignored = new Set<string>();
  for (const packet of packets) {
    const frame = packet.find((b) => b.title === null || /^frame$/i.test(b.title));
    const whole = packet.find((b) => b.title !== null && /^reassembled tcp$/i.test(b.title));
    for (const b of packet) if (b !== frame && b !== whole && b.title !== null) ignored.add(b.title);
    if (whole !== undefined) {
      parts.push(parseHexText(whole.text.join('\n'), `${label} (${whole.title})`));
      reassembled++;
      continue;
    }
    if (frame === undefined) continue;
    const bytes = parseHexText(frame.text.join('\n'), label);
    const payload = tcpPayloadOfPacket(bytes);
    if (payload === null) {
      parts.push(bytes);
      continue;
    }
    layers.add(payload.layers.replace(/ TCP .*/, ' TCP'));
    if (payload.bytes.length === 0) empty++;
    else parts.push(payload.bytes);
    fromPackets++;
  }
  const bytes = new Uint8Array(Buffer.concat(parts));
  const total = bytes.length;
  const notes: string[] = [];
  if (fromPackets > 0 || reassembled > 0) {
    const how = [
      fromPackets > 0 ? `the TCP payload of ${plural(fromPackets, 'packet')} (${[...layers].join(', ')})` : '',
      reassembled > 0 ? `${plural(reassembled, '"Reassembled TCP" block')}` : '',
    ].filter((s) => s !== '');
    notes.push(
      `the input is a tshark -x dump of ${plural(packets.length, 'packet')}: decoding ${how.join(' and ')}, ${plural(total, 'byte')} in order`,
    );
  }
  if (empty > 0) notes.push(`${plural(empty, 'packet')} carried no TCP payload (ACK or handshake) and added nothing`);
  if (ignored.size > 0)
    notes.push(
      `ignored tshark's derived blocks (${[...ignored].join(', ')}): they are decoded here from the wire bytes`,
    );
  return { bytes, notes };
}
