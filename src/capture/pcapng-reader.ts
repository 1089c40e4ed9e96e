// Our own incremental pcapng block reader (no maintained npm library exists): Section
// Header Blocks in either byte order and several per file, Interface Description Blocks
// (link type, snaplen, if_tsresol, if_tsoffset), Enhanced, Simple and obsolete Packet
// Blocks; other blocks are skipped. Spec: draft-ietf-opsawg-pcapng. Layer rule: capture/ —
// pure; fed chunks of any size, it copies only a block that straddles two chunks.
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import { u16, u32, u32be, u32le } from './byte-reader.js';
import { PartialRecord } from './partial-record.js';
import { badByteOrderMagic, PCAPNG_SHB } from './capture-format.js';
import type { PacketSink } from './packet-decoder.js';
import { MICROSECONDS, resolutionFromTsresol, ticksToSeconds, type TickResolution } from './timestamp.js';

const BLOCK_IDB = 0x00000001;
const BLOCK_OPB = 0x00000002;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
/** Decryption Secrets Block (pcapng §4.7), as `editcap --inject-secrets` writes it. */
const BLOCK_DSB = 0x0000000a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** Bytes needed to know a block's length: type, length, and an SHB's byte-order magic. */
const HEAD = 12;

interface InterfaceInfo {
  readonly index: number;
  readonly resolution: TickResolution;
  readonly offsetSeconds: number;
  readonly snaplen: number;
}

export class PcapngReader {
  private littleEndian = true;
  private interfaces: InterfaceInfo[] = [];
  /** File offset of the first byte not yet consumed (start of the pending block). */
  private offset = 0;
  private carry: PartialRecord | null = null;
  private stopped = false;

  constructor(
    private readonly sink: PacketSink,
    private readonly maxRecordBytes: number,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    let pos = this.carry === null ? 0 : this.fillCarry(chunk);
    if (this.carry !== null || this.stopped) return;
    while (chunk.length - pos >= HEAD) {
      const length = this.blockLength(chunk, pos);
      if (length < 0) return;
      if (chunk.length - pos < length) break;
      this.block(chunk, pos, length);
      pos += length;
      this.offset += length;
    }
    if (pos < chunk.length) this.startCarry(chunk.subarray(pos));
  }

  /** End of input: a pending partial block means the file was cut. */
  end(): void {
    if (this.stopped || this.carry === null) return;
    const of = this.carry.headerComplete ? ` has ${this.carry.have} of its ${this.carry.size} bytes` : ' is incomplete';
    const text = `capture cut at byte ${this.offset + this.carry.have}: the block starting at byte ${this.offset}${of}`;
    this.sink.fileDiagnostic(diagnostic('capture.truncated', text), null);
    this.carry = null;
  }

  private startCarry(rest: Uint8Array): void {
    const size = rest.length >= HEAD ? this.blockLength(rest, 0) : null;
    if (size !== null && size < 0) return;
    this.carry = new PartialRecord(rest, size, HEAD);
  }

  /** Completes the straddling block from the chunk; returns how much of the chunk it took. */
  private fillCarry(chunk: Uint8Array): number {
    const { taken, record, invalid } = this.carry!.fill(chunk, (header) => this.blockLength(header, 0));
    if (invalid) this.carry = null;
    if (record !== null) {
      this.carry = null;
      this.block(record, 0, record.length);
      this.offset += record.length;
    }
    return taken;
  }

  /** Total length of the block at p (HEAD bytes available), or -1 after stopping. */
  private blockLength(b: Uint8Array, p: number): number {
    if (u32le(b, p) === PCAPNG_SHB) {
      // The byte-order magic decides how this section, including this length, is read.
      if (u32le(b, p + 8) === BYTE_ORDER_MAGIC) this.littleEndian = true;
      else if (u32be(b, p + 8) === BYTE_ORDER_MAGIC) this.littleEndian = false;
      else if (this.offset === 0) throw badByteOrderMagic(b.subarray(p + 8, p + 12));
      else return this.stop(`section header at byte ${this.offset} has no valid byte-order magic`);
    }
    const length = u32(b, p + 4, this.littleEndian);
    if (length < HEAD || length % 4 !== 0 || length > this.maxRecordBytes) {
      return this.stop(`block at byte ${this.offset} declares length ${length}`);
    }
    return length;
  }

  private stop(why: string): number {
    this.stopped = true;
    this.carry = null;
    this.sink.fileDiagnostic(diagnostic('capture.block.malformed', `${why}; the rest of the file is skipped`), null);
    return -1;
  }

  private block(b: Uint8Array, p: number, length: number): void {
    const le = this.littleEndian;
    if (u32(b, p + length - 4, le) !== length) {
      this.malformed(`block at byte ${this.offset}: trailing length differs from leading length ${length}`);
    }
    switch (u32(b, p, le)) {
      case PCAPNG_SHB:
        this.interfaces = [];
        return; // interface ids restart per section
      case BLOCK_IDB:
        this.interfaceBlock(b, p, length);
        return;
      case BLOCK_EPB:
        this.packetBlock(b, p, length, u32(b, p + 8, le));
        return;
      case BLOCK_OPB:
        this.packetBlock(b, p, length, u16(b, p + 8, le));
        return;
      case BLOCK_SPB:
        this.simplePacket(b, p, length);
        return;
      case BLOCK_DSB:
        this.secretsBlock(b, p, length);
        return;
      default:
        return; // name resolution, statistics, custom…: nothing to decode here
    }
  }

  private interfaceBlock(b: Uint8Array, p: number, length: number): void {
    if (length < 20) {
      this.malformed(`interface block at byte ${this.offset} is too short`);
      return;
    }
    const le = this.littleEndian;
    const linkType = u16(b, p + 8, le);
    const snaplen = u32(b, p + 12, le);
    let resolution = MICROSECONDS; // pcapng: if_tsresol absent → 10^-6
    let offsetSeconds = 0;
    for (let o = p + 16; o + 4 <= p + length - 4;) {
      const code = u16(b, o, le);
      const optLength = u16(b, o + 2, le);
      if (code === OPT_END) break;
      if (code === OPT_IF_TSRESOL && optLength >= 1) resolution = resolutionFromTsresol(b[o + 4]);
      if (code === OPT_IF_TSOFFSET && optLength >= 8) {
        const [hi, lo] = le ? [u32(b, o + 8, le), u32(b, o + 4, le)] : [u32(b, o + 4, le), u32(b, o + 8, le)];
        offsetSeconds = (hi | 0) * 4294967296 + lo;
      }
      o += 4 + ((optLength + 3) & ~3);
    }
    this.interfaces.push({ index: this.sink.addInterface(linkType, snaplen), resolution, offsetSeconds, snaplen });
  }

  /** EPB and OPB share the layout after the interface id field. */
  private packetBlock(b: Uint8Array, p: number, length: number, interfaceId: number): void {
    const le = this.littleEndian;
    const info = this.interfaces[interfaceId];
    const capturedLength = u32(b, p + 20, le);
    if (info === undefined || length < 32 || capturedLength > length - 32) {
      this.malformed(
        `packet block at byte ${this.offset} ${info === undefined ? `names unknown interface ${interfaceId}` : 'is inconsistent'}`,
      );
      return;
    }
    const time = ticksToSeconds(u32(b, p + 12, le), u32(b, p + 16, le), info.resolution) + info.offsetSeconds;
    this.sink.packet(info.index, time, b, p + 28, capturedLength, u32(b, p + 24, le), this.offset);
  }

  /** SPB: no timestamp and no interface id; it belongs to interface 0 (pcapng §4.4). */
  private simplePacket(b: Uint8Array, p: number, length: number): void {
    const info = this.interfaces[0];
    if (info === undefined || length < 16) {
      this.malformed(`simple packet block at byte ${this.offset} without an interface`);
      return;
    }
    const originalLength = u32(b, p + 8, this.littleEndian);
    let capturedLength = Math.min(originalLength, length - 16);
    if (info.snaplen > 0) capturedLength = Math.min(capturedLength, info.snaplen);
    this.sink.packet(info.index, null, b, p + 12, capturedLength, originalLength, this.offset);
  }

  /** DSB: secrets type, secrets length, the secrets (a TLS key log for type TLSK). */
  private secretsBlock(b: Uint8Array, p: number, length: number): void {
    const secretsLength = length >= 20 ? u32(b, p + 12, this.littleEndian) : -1;
    if (secretsLength < 0 || secretsLength > length - 20) {
      this.malformed(`decryption secrets block at byte ${this.offset} is inconsistent`);
      return;
    }
    this.sink.secrets?.(u32(b, p + 8, this.littleEndian), b.subarray(p + 16, p + 16 + secretsLength));
  }

  private malformed(text: string): void {
    this.sink.fileDiagnostic(diagnostic('capture.block.malformed', text), null);
  }
}
