// Classic pcap records read through pcap-parser, driven synchronously: the parser is
// handed a minimal stand-in for a stream whose 'data' listener we call ourselves, so each
// chunk is parsed before push() returns, in order, with no event-loop turn. This lives
// in sources/ because pcap-parser is an EventEmitter that schedules with nextTick.
import { parse, type PcapGlobalHeader, type PcapInput, type PcapPacket, type PcapPacketHeader } from 'pcap-parser';
import type { CaptureLimits } from '../capture/capture-limits.js';
import type { PcapFormat, RecordReader } from '../capture/record-reader.js';
import type { PacketSink } from '../capture/packet-decoder.js';
import { secondsFrom } from '../capture/timestamp.js';
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import { WsinspectError } from '../errors.js';

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** pcap-parser knows only the microsecond magic; a nanosecond file is fed with this one. */
const MICROSECOND_MAGIC_BE = [0xa1, 0xb2, 0xc3, 0xd4];

/** The stream stand-in: pcap-parser only registers listeners and pauses/resumes it. */
class SyncInput implements PcapInput {
  data: ((chunk: Buffer) => void) | null = null;
  pause(): void {}
  resume(): void {}
  on(event: string, listener: (arg: Buffer | Error) => void): this {
    if (event === 'data') this.data = listener as (chunk: Buffer) => void;
    return this;
  }
}

export function createPcapParserReader(format: PcapFormat, sink: PacketSink, limits: CaptureLimits): RecordReader {
  return new PcapParserReader(format, sink, limits);
}

class PcapParserReader implements RecordReader {
  private readonly input = new SyncInput();
  private iface = -1;
  /** Bytes handed to the parser, and bytes of complete records it has returned. */
  private fed = 0;
  private consumed = 0;
  private pendingRecord = -1;
  private stopped = false;

  constructor(
    private readonly format: PcapFormat,
    private readonly sink: PacketSink,
    private readonly limits: CaptureLimits,
  ) {
    const parser = parse(this.input);
    parser.on('globalHeader', (h) => this.globalHeader(h));
    parser.on('packetHeader', (h) => this.packetHeader(h));
    parser.on('packet', (p) => this.packet(p));
    parser.on('error', (e) => {
      throw new WsinspectError('capture.format-unknown', `not a readable pcap file: ${e.message}`);
    });
  }

  push(chunk: Uint8Array): void {
    if (this.stopped || chunk.length === 0) return;
    let buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.fed === 0 && this.format.nanosecond) {
      // pcap-parser rejects the nanosecond magic (a1b23c4d either order). Same layout
      // otherwise, so feed the microsecond magic in the file's byte order and read the
      // microsecond field as nanoseconds (see packet()).
      buffer = Buffer.from(buffer); // our copy: never write into the caller's bytes
      const magic = this.format.littleEndian ? [...MICROSECOND_MAGIC_BE].reverse() : MICROSECOND_MAGIC_BE;
      for (let i = 0; i < 4 && i < buffer.length; i += 1) buffer[i] = magic[i];
    }
    this.fed += buffer.length;
    this.input.data!(buffer);
  }

  end(): void {
    if (this.stopped || this.fed === this.consumed) return;
    const start = this.consumed;
    const what =
      this.iface < 0
        ? `the file header has ${this.fed} of its ${GLOBAL_HEADER} bytes`
        : this.pendingRecord >= 0
          ? `the packet record starting at byte ${start} has ${this.fed - start} of its ${this.pendingRecord} bytes`
          : `the record header starting at byte ${start} is incomplete`;
    this.sink.fileDiagnostic(diagnostic('capture.truncated', `capture cut at byte ${this.fed}: ${what}`), null);
  }

  private globalHeader(h: PcapGlobalHeader): void {
    // The link type field's upper bits carry FCS information (pcap format §LinkType).
    this.iface = this.sink.addInterface(h.linkLayerType & 0xffff, h.snapshotLength);
    this.consumed = GLOBAL_HEADER;
  }

  private packetHeader(h: PcapPacketHeader): void {
    if (this.stopped) return;
    // pcap-parser would buffer any length it is told; a corrupt length must not make it
    // hold the rest of the file in memory, and classic pcap has no way to resynchronise.
    if (h.capturedLength > this.limits.maxRecordBytes) {
      this.stopped = true;
      const text = `packet record at byte ${this.consumed} declares ${h.capturedLength} captured bytes; the rest of the file is skipped`;
      this.sink.fileDiagnostic(diagnostic('capture.block.malformed', text), null);
      this.input.data = null;
      return;
    }
    this.pendingRecord = RECORD_HEADER + h.capturedLength;
  }

  private packet(p: PcapPacket): void {
    if (this.stopped) return;
    const record = this.consumed;
    this.consumed += this.pendingRecord;
    this.pendingRecord = -1;
    const h = p.header;
    const time = secondsFrom(h.timestampSeconds, h.timestampMicroseconds, this.format.nanosecond ? 1e9 : 1e6);
    this.sink.packet(this.iface, time, p.data, 0, p.data.length, h.originalLength, record);
  }
}
