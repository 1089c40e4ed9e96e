// Test helper: runs tshark on a capture and reads its PDML dissection into one record per
// WebSocket frame. PDML keeps document order, so every field can be tied to the frame it
// belongs to even when one TCP packet carries several frames (which `-T fields` cannot).
import { spawnSync } from 'node:child_process';

/** One WebSocket frame as tshark dissected it. Byte values are lower-case hex. */
export interface TsharkFrame {
  readonly packet: number;
  readonly srcPort: number;
  readonly dstPort: number;
  fin: boolean;
  /** RSV1..RSV3 as tshark's 3-bit field: RSV1 = 4, RSV2 = 2, RSV3 = 1. */
  rsv: number;
  opcode: number;
  masked: boolean;
  maskKey: string | null;
  /** The declared length, with the 16- or 64-bit extension resolved. */
  payloadLength: number;
  /** Text payload (unmasked; inflated when decompression is on; reassembled on a last fragment). */
  text?: string;
  /** Binary payload, from the `data` dissector that follows the frame (same rules as text). */
  data?: string;
  ping?: string;
  pong?: string;
  closeCode?: number;
  closeReason?: string;
  /** A middle fragment's own unmasked payload. */
  continuation?: string;
  /** On a last fragment: every fragment's unmasked payload, first to last. */
  fragments?: string[];
  decompressionFailed: boolean;
}

export interface TsharkOptions {
  /** tshark's `websocket.decompress` preference: false shows the compressed bytes as sent. */
  readonly decompress: boolean;
  /** `-d tcp.port==PORT,websocket`, for a capture that starts after the handshake. */
  readonly decodeAsPort?: number;
  /** More options before the filter (a TLS key log: `-o tls.keylog_file:F`, `-d tcp.port==P,tls`). */
  readonly extraArgs?: readonly string[];
}

export function tsharkVersion(): string {
  return spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
}

export function runTshark(file: string, o: TsharkOptions): TsharkFrame[] {
  const args = ['-n', '-r', file, '-o', `websocket.decompress:${o.decompress ? 'TRUE' : 'FALSE'}`];
  if (o.decodeAsPort !== undefined) args.push('-d', `tcp.port==${o.decodeAsPort},websocket`);
  args.push(...(o.extraArgs ?? []), '-Y', 'websocket', '-T', 'pdml');
  // latin1: tshark writes undecodable text bytes raw; every value read below is hex or digits
  const r = spawnSync('tshark', args, { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} exited with ${String(r.status)}: ${r.stderr}`);
  return parsePdml(r.stdout);
}

// A tag, with quoted attribute values that may hold '>' and newlines.
const TAG = /<(\/?)(packet|proto|field)((?:\s+[\w.:-]+="[^"]*")*)\s*(\/?)>/g;
const ATTR = /([\w.:-]+)="([^"]*)"/g;

function attributes(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of text.matchAll(ATTR)) m.set(a[1]!, a[2]!);
  return m;
}

interface PacketState {
  packet: number;
  srcPort: number;
  dstPort: number;
  current: TsharkFrame | null;
}

export function parsePdml(xml: string): TsharkFrame[] {
  const frames: TsharkFrame[] = [];
  let p: PacketState = { packet: 0, srcPort: 0, dstPort: 0, current: null };
  for (const t of xml.matchAll(TAG)) {
    const [, closing, tag, attrText] = t;
    if (closing) continue;
    const a = attributes(attrText!);
    const name = a.get('name') ?? '';
    if (tag === 'packet') p = { packet: 0, srcPort: 0, dstPort: 0, current: null };
    else if (tag === 'proto' && name === 'websocket') {
      p.current = {
        packet: p.packet,
        srcPort: p.srcPort,
        dstPort: p.dstPort,
        fin: false,
        rsv: 0,
        opcode: -1,
        masked: false,
        maskKey: null,
        payloadLength: -1,
        decompressionFailed: false,
      };
      frames.push(p.current);
    } else if (tag === 'field') readField(p, name, a);
  }
  return frames;
}

function readField(p: PacketState, name: string, a: Map<string, string>): void {
  const show = a.get('show') ?? '';
  const value = a.get('value') ?? '';
  if (name === 'num' && p.packet === 0) p.packet = Number(show);
  else if (name === 'tcp.srcport' && p.srcPort === 0) p.srcPort = Number(show);
  else if (name === 'tcp.dstport' && p.dstPort === 0) p.dstPort = Number(show);
  else if (p.current !== null) readWebSocketField(p.current, name, show, value);
}

// Fields after a frame's own <proto> (tshark's reassembly wrapper, the data dissector) still
// belong to that frame: the next frame starts only at the next websocket <proto>.
function readWebSocketField(f: TsharkFrame, name: string, show: string, value: string): void {
  switch (name) {
    case 'websocket.fin':
      f.fin = show === '1';
      break;
    case 'websocket.rsv':
      f.rsv = Number(show);
      break;
    case 'websocket.opcode':
      f.opcode = Number(show);
      break;
    case 'websocket.mask':
      f.masked = show === '1';
      break;
    case 'websocket.masking_key':
      f.maskKey = value;
      break;
    case 'websocket.payload_length':
      f.payloadLength = Number(show);
      break;
    case 'websocket.payload_length_ext_16':
    case 'websocket.payload_length_ext_64':
      f.payloadLength = Number(show);
      break;
    case 'websocket.payload.text':
      f.text = value;
      break;
    case 'data.data':
      f.data = value;
      break;
    case 'websocket.payload.ping':
      f.ping = value;
      break;
    case 'websocket.payload.pong':
      f.pong = value;
      break;
    case 'websocket.payload.close.status_code':
      f.closeCode = Number(show);
      break;
    case 'websocket.payload.close.reason':
      f.closeReason = value;
      break;
    case 'websocket.payload.continue':
      f.continuation = value;
      break;
    case 'websocket.fragment':
      (f.fragments ??= []).push(value);
      break;
    case 'websocket.decompression.failed.expert':
      f.decompressionFailed = true;
      break;
    default:
      break;
  }
}

/**
 * Every packet's timestamp as tshark reads it (`frame.time_epoch`), in microseconds since the
 * epoch, rounded half up from tshark's nanoseconds as wsinspect rounds. Integers: exact to compare.
 */
export function tsharkPacketMicros(file: string): number[] {
  const args = ['-n', '-r', file, '-T', 'fields', '-e', 'frame.time_epoch'];
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} exited with ${String(r.status)}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^(\d+)\.(\d{1,9})$/.exec(l.trim());
      if (m === null) throw new Error(`tshark time ${JSON.stringify(l)} is not seconds.fraction`);
      return Number(m[1]) * 1e6 + Math.round(Number(m[2].padEnd(9, '0')) / 1000);
    });
}
