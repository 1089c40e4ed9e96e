// A capture byte stream → StreamEvents: recognises the format from the magic number,
// reads its records (pcapng and classic pcap with our own readers, or classic pcap with
// a reader supplied from outside such as the pcap-parser adapter in sources/) and
// decodes the packets. Fed chunks of any size.
// Layer rule: capture/ — pure: no I/O, no timers; events go out through the callback.
import { concatBytes } from '../protocol/bytes.js';
import type { StreamEvent } from '../session/events.js';
import type { CaptureSummary } from './capture-tally.js';
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from './capture-limits.js';
import { notACapture, sniffCaptureFormat, type CaptureFormat } from './capture-format.js';
import { PacketDecoder } from './packet-decoder.js';
import type { KeyLogSecrets } from './tls/key-log.js';
import { tlsKeys } from './tls/tls-keys.js';
import { PcapngReader } from './pcapng-reader.js';
import { PcapReader } from './pcap-reader.js';
import type { PcapFormat, PcapReaderFactory, RecordReader } from './record-reader.js';

export interface CaptureDecoderOptions {
  /** Ports whose connections are decoded as WebSocket without a handshake (--decode-as). */
  readonly decodeAs?: readonly number[];
  readonly limits?: Partial<CaptureLimits>;
  /** Reader for classic pcap files; default: our own PcapReader. */
  readonly pcapReader?: PcapReaderFactory;
  /** TLS secrets (NSS key log) for decrypting wss; pcapng secrets blocks add to this map. */
  readonly keyLog?: KeyLogSecrets;
  /** --tls-detail: TLS connections log their records (TlsInfo.records). */
  readonly tlsDetail?: boolean;
  /** Told the time of the capture's first (timestamped) packet, before anything of it is decoded. */
  readonly onFirstPacketTime?: (time: number) => void;
}

export class CaptureDecoder {
  private readonly packets: PacketDecoder;
  private readonly limits: CaptureLimits;
  private reader: RecordReader | null = null;
  private head = new Uint8Array(0);
  private detected: CaptureFormat | null = null;

  constructor(
    onEvent: (event: StreamEvent) => void,
    private readonly options: CaptureDecoderOptions = {},
  ) {
    this.limits = { ...DEFAULT_CAPTURE_LIMITS, ...options.limits };
    this.packets = new PacketDecoder(
      this.limits,
      onEvent,
      options.decodeAs ?? [],
      options.onFirstPacketTime ?? null,
      // a copy: secrets blocks in the capture add to it, and the caller's map stays as given
      tlsKeys(new Map(options.keyLog ?? []), options.tlsDetail === true),
    );
  }

  /** The recognised format, once 4 bytes were pushed. */
  get format(): CaptureFormat | null {
    return this.detected;
  }

  /** What the capture held besides WebSocket (TCP connections, packets, TLS), so far. */
  summary(): CaptureSummary {
    return this.packets.summary();
  }

  /** Throws WsinspectError('capture.format-unknown') when the input is not a capture. */
  push(input: Uint8Array): void {
    // A plain Uint8Array view of a Buffer: every data event is a subarray of the chunk,
    // and Buffer's subarray (species constructor) costs several times more per packet.
    const chunk =
      input.constructor === Uint8Array ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    if (this.reader !== null) {
      this.reader.push(chunk);
      return;
    }
    const head = this.head.length === 0 ? chunk : concatBytes([this.head, chunk]);
    const format = sniffCaptureFormat(head);
    if (format === null) {
      this.head = head.slice();
      return;
    }
    this.detected = format;
    this.head = new Uint8Array(0);
    this.reader =
      format.kind === 'pcapng' ? new PcapngReader(this.packets, this.limits.maxRecordBytes) : this.pcapReader(format);
    this.reader.push(head);
  }

  /** End of input: reports a cut record, then ends every open connection. */
  end(): void {
    if (this.reader === null) throw notACapture(this.head);
    this.reader.end();
    this.packets.end();
  }

  private pcapReader(format: PcapFormat): RecordReader {
    const factory = this.options.pcapReader;
    return factory === undefined
      ? new PcapReader(format, this.packets, this.limits)
      : factory(format, this.packets, this.limits);
  }
}
