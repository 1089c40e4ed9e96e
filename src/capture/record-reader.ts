// The contract between the capture decoder and the readers of capture file records (our own
// pcap and pcapng readers, or a classic pcap reader supplied from outside such as the
// pcap-parser adapter in sources/). Kept apart so readers need not import the decoder.
// Layer rule: capture/ — plain types.
import type { CaptureFormat } from './capture-format.js';
import type { CaptureLimits } from './capture-limits.js';
import type { PacketSink } from './packet-decoder.js';

/** Something that turns file bytes into packets for a sink. */
export interface RecordReader {
  push(chunk: Uint8Array): void;
  end(): void;
}

export type PcapFormat = Extract<CaptureFormat, { kind: 'pcap' }>;

/** Makes the classic pcap reader (the pcap-parser adapter in sources/). */
export type PcapReaderFactory = (format: PcapFormat, sink: PacketSink, limits: CaptureLimits) => RecordReader;
