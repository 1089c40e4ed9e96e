// Test helper: decodes capture bytes through the real CaptureDecoder (with the
// pcap-parser reader) in chunks of chosen sizes, and gathers the StreamEvents per
// connection: concatenated data per direction, gaps, end, diagnostics.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaptureSourceOptions } from '../../../src/sources/capture-source.js';
import type { StreamEvent } from '../../../src/session/events.js';
import { createCaptureDecoder } from '../../../src/sources/capture-source.js';
import { buildPacket, type BuildOptions, type TcpRecord } from './tcp-packets.js';
import { writePcap } from './capture-writer.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures');

export function fixture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, file)));
}

export interface ExpectedStream {
  readonly length: number;
  readonly sha256: string;
  readonly skipped: number;
}
export interface ExpectedMessage {
  readonly dir: 'c2s' | 's2c';
  readonly opcode: number;
  readonly length: number;
  readonly sha256: string;
  readonly text?: string;
  readonly hex?: string;
  readonly compressed?: boolean;
  readonly fragments?: number;
}
export interface ExpectedConnection {
  readonly clientPort: number;
  readonly serverPort: number;
  readonly streams: { readonly c2s: ExpectedStream; readonly s2c: ExpectedStream };
  readonly messages: readonly ExpectedMessage[];
}
export interface Expected {
  readonly fixture: string;
  readonly host: string;
  readonly serverPort: number;
  readonly connections: readonly ExpectedConnection[];
}

export function expected(file: string): Expected {
  return JSON.parse(readFileSync(join(FIXTURES, `${file}.expected.json`), 'utf8')) as Expected;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface DecodeOptions extends Omit<CaptureSourceOptions, 'onProgress'> {
  /** One size for every chunk, or a list cycled through. */
  readonly chunks?: number | readonly number[];
}

export function decode(bytes: Uint8Array, o: DecodeOptions = {}): StreamEvent[] {
  const events: StreamEvent[] = [];
  const decoder = createCaptureDecoder((e) => events.push(e), o);
  const sizes = o.chunks === undefined ? [bytes.length || 1] : typeof o.chunks === 'number' ? [o.chunks] : o.chunks;
  for (let at = 0, k = 0; at < bytes.length; k += 1) {
    const n = Math.max(1, sizes[k % sizes.length]);
    decoder.push(bytes.slice(at, at + n));
    at += n;
  }
  decoder.end();
  return events;
}

export interface ConnResult {
  readonly conn: number;
  client: string;
  server: string;
  detectedBy: string;
  c2s: Uint8Array;
  s2c: Uint8Array;
  gaps: { dir: string; length: number }[];
  /** Directions whose stream finished (an `end` with a dir: FIN reached), in order. */
  finished: string[];
  /** The connection's final `end` (no dir). */
  end: Extract<StreamEvent, { kind: 'end' }> | null;
  codes: string[];
}

export function byConnection(events: readonly StreamEvent[]): Map<number, ConnResult> {
  const out = new Map<number, ConnResult>();
  const parts = new Map<string, Uint8Array[]>();
  for (const e of events) {
    if (e.kind === 'open') {
      out.set(e.conn, {
        conn: e.conn,
        client: e.endpoints.client,
        server: e.endpoints.server,
        detectedBy: e.detectedBy,
        c2s: new Uint8Array(0),
        s2c: new Uint8Array(0),
        gaps: [],
        finished: [],
        end: null,
        codes: [],
      });
      continue;
    }
    if (e.conn === null) continue;
    const r = out.get(e.conn);
    if (r === undefined) throw new Error(`event for connection ${e.conn} before its open: ${e.kind}`);
    if (r.end !== null) throw new Error(`event for connection ${e.conn} after its end: ${e.kind}`);
    if ((e.kind === 'data' || e.kind === 'gap') && r.finished.includes(e.dir))
      throw new Error(`${e.kind} after the ${e.dir} stream finished`);
    if (e.kind === 'data') {
      const key = `${e.conn}:${e.dir}`;
      parts.set(key, [...(parts.get(key) ?? []), e.bytes.slice()]);
    } else if (e.kind === 'gap') r.gaps.push({ dir: e.dir, length: e.length });
    else if (e.kind === 'end' && e.dir !== undefined) r.finished.push(e.dir);
    else if (e.kind === 'end') r.end = e;
    else if (e.kind === 'diagnostic') r.codes.push(e.diagnostic.code);
  }
  for (const r of out.values()) {
    r.c2s = Buffer.concat(parts.get(`${r.conn}:c2s`) ?? []);
    r.s2c = Buffer.concat(parts.get(`${r.conn}:s2c`) ?? []);
  }
  return out;
}

/** Codes of diagnostics that belong to no connection (capture file, TLS, fragments). */
export function globalCodes(events: readonly StreamEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'diagnostic' && e.conn === null ? [e.diagnostic.code] : []));
}

/** Rebuilds records as an Ethernet pcap. */
export function pcapOf(records: readonly TcpRecord[], o: BuildOptions & { linkType?: number } = {}): Uint8Array {
  return writePcap(
    records.map((r) => ({ time: r.time, data: buildPacket(r, o) })),
    { linkType: o.linkType ?? 1 },
  );
}
