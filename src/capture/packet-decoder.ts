// Captured packets → StreamEvents: link layer, IP (fragments through the reassembler),
// TCP, then the connection table. The file readers (pcapng here, pcap through the
// pcap-parser adapter in sources/) feed it one packet at a time as (bytes, offset, length)
// so no view is made per packet. Layer rule: capture/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { StreamEvent, Timestamp } from '../session/events.js';
import type { CaptureLimits } from './capture-limits.js';
import type { CaptureSummary } from './capture-tally.js';
import { ConnectionTable } from './connection-table.js';
import { parseKeyLog } from './tls/key-log.js';
import type { TlsKeys } from './tls/tls-keys.js';

/** pcapng Decryption Secrets Block type of an NSS key log: "TLSK". */
const SECRETS_TLS_KEY_LOG = 0x544c534b;
import { IpReassembler } from './ip-reassembler.js';
import { ipHeaderOffset, isSupportedLinkType } from './link-layer.js';
import { ParseStatus, TcpSegment, parseTcpIp } from './tcp-ip-parser.js';
import type { PacketPosition } from './tcp-reassembler.js';

/** What a capture-file reader produces. */
export interface PacketSink {
  /** Secrets from the capture itself (a pcapng Decryption Secrets Block). */
  secrets?(type: number, data: Uint8Array): void;
  /** Declares a capture interface; returns the index packet() takes. */
  addInterface(linkType: number, snaplen: number): number;
  /**
   * One packet: bytes[offset, offset + capturedLength) as captured (originalLength on the wire);
   * `record` is the file offset of its record (pcap record header, pcapng block).
   */
  packet(
    iface: number,
    time: Timestamp,
    bytes: Uint8Array,
    offset: number,
    capturedLength: number,
    originalLength: number,
    record: number,
  ): void;
  /** A problem of the capture file itself (truncated, malformed record). */
  fileDiagnostic(d: Diagnostic, time: Timestamp): void;
}

export class PacketDecoder implements PacketSink {
  private readonly linkTypes: number[] = [];
  private readonly warned: boolean[] = [];
  private readonly segment = new TcpSegment();
  private readonly table: ConnectionTable;
  private readonly fragments: IpReassembler;
  private lastTime: Timestamp = null;
  private ended = false;
  /** The packet being decoded: its number (1-based over every packet record) and record offset. */
  readonly position: PacketPosition = { packet: 0, record: -1 };

  constructor(
    limits: CaptureLimits,
    private readonly onEvent: (event: StreamEvent) => void,
    decodeAs: readonly number[],
    /** Told the time of the first packet that has one, before anything of that packet is decoded. */
    private onFirstTime: ((time: number) => void) | null = null,
    tlsKeys?: TlsKeys,
  ) {
    this.table = new ConnectionTable(limits, onEvent, decodeAs, this.position, tlsKeys);
    this.fragments = new IpReassembler(limits, (d, time) => this.fileDiagnostic(d, time));
  }

  /** A TLS key log in the capture (secrets type TLSK) joins the one given (--keylog). */
  secrets(type: number, data: Uint8Array): void {
    if (type !== SECRETS_TLS_KEY_LOG) return;
    parseKeyLog(
      Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1'),
      this.table.tlsKeys.secrets,
    );
  }

  /** The snap length is not needed: cuts show as IP lengths longer than what was captured. */
  addInterface(linkType: number): number {
    this.linkTypes.push(linkType);
    this.warned.push(false);
    return this.linkTypes.length - 1;
  }

  packet(
    iface: number,
    time: Timestamp,
    bytes: Uint8Array,
    offset: number,
    capturedLength: number,
    _originalLength: number,
    record: number,
  ): void {
    // Every packet record counts, as Wireshark numbers them, whatever it turns out to hold.
    this.position.packet += 1;
    this.position.record = record;
    if (time !== null) {
      if (this.onFirstTime !== null) {
        this.onFirstTime(time);
        this.onFirstTime = null;
      }
      this.lastTime = time;
      // One comparison per packet: nextExpiry is Infinity while no IP datagram is held.
      if (time >= this.fragments.nextExpiry) this.fragments.expire(time);
    }
    const linkType = this.linkTypes[iface];
    if (linkType === undefined) {
      this.fileDiagnostic(
        diagnostic('capture.block.malformed', `packet for undeclared interface ${iface}; skipped`),
        time,
      );
      return;
    }
    const end = offset + capturedLength;
    const ip = ipHeaderOffset(linkType, bytes, offset, end);
    if (ip < 0) {
      if (!isSupportedLinkType(linkType)) this.unsupported(iface, linkType, time);
      return;
    }
    const seg = this.segment;
    const status = parseTcpIp(bytes, ip, end, seg);
    if (status === ParseStatus.tcp) this.table.segment(seg, time);
    else if (status === ParseStatus.fragment && this.fragments.fragment(seg, time)) this.table.segment(seg, time);
  }

  /** A problem with no time of its own (a record cut short) takes that of the last packet read. */
  fileDiagnostic(d: Diagnostic, time: Timestamp): void {
    this.onEvent({ kind: 'diagnostic', conn: null, diagnostic: d, time: time ?? this.lastTime });
  }

  /** What the capture held besides WebSocket, so far. */
  summary(): CaptureSummary {
    return this.table.tally.summary(this.position.packet);
  }

  /** End of input: incomplete IP datagrams are reported, every connection still open is flushed and ended. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.fragments.end(this.lastTime);
    this.table.endAll(this.lastTime);
  }

  private unsupported(iface: number, linkType: number, time: Timestamp): void {
    if (this.warned[iface]) return;
    this.warned[iface] = true;
    const text = `link type ${linkType} on interface ${iface} is not supported; its packets are skipped`;
    this.fileDiagnostic(diagnostic('capture.linktype.unsupported', text), time);
  }
}
