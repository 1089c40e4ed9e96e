// Types for pcap-parser 0.2.1 (the package ships none): the parts the adapter uses.
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';

  export interface PcapGlobalHeader {
    magicNumber: number;
    majorVersion: number;
    minorVersion: number;
    gmtOffset: number;
    timestampAccuracy: number;
    snapshotLength: number;
    linkLayerType: number;
  }

  export interface PcapPacketHeader {
    timestampSeconds: number;
    /** Microseconds, or nanoseconds in a nanosecond file (pcap-parser does not know those). */
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }

  export interface PcapPacket {
    header: PcapPacketHeader;
    data: Buffer;
  }

  /** The parser only calls pause, resume and on('data' | 'error' | 'end'). */
  export interface PcapInput {
    pause(): unknown;
    resume(): unknown;
    on(event: string, listener: (arg: Buffer | Error) => void): unknown;
  }

  export interface PcapParser extends EventEmitter {
    on(event: 'globalHeader', listener: (header: PcapGlobalHeader) => void): this;
    on(event: 'packetHeader', listener: (header: PcapPacketHeader) => void): this;
    on(event: 'packet', listener: (packet: PcapPacket) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'end', listener: () => void): this;
  }

  export function parse(input: string | PcapInput): PcapParser;
}
