// Oracle: tshark dissects every fixture and, frame by frame, its opcode, FIN, RSV bits, mask,
// masking key, payload length and unmasked payload must equal `wsinspect FILE --json`; so must
// the inflated text/data of every message and the close code and reason. tshark runs twice:
// with decompression off (the payload bytes as sent) and on (what the application received).
// Where tshark is wrong (fragmented compressed messages) ours is held to the generator's truth.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';
import { runTshark, tsharkVersion, type TsharkFrame } from '../helpers/tshark-pdml.js';
import { describeWithTool, toolMissing } from '../helpers/tools.js';
import { expected, FIXTURES, type Expected, type ExpectedMessage } from './helpers/capture-harness.js';

const FILES = readdirSync(FIXTURES)
  .filter((n) => /\.pcap(ng)?$/.test(n))
  .sort();

type Dir = 'c2s' | 's2c';
interface OurFrame {
  conn: number;
  dir: Dir;
  index: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  masked: boolean;
  opcode: number;
  maskKey: string | null;
  payloadLength: number;
  payload: string;
  compressed: boolean;
  text?: string;
  closeCode?: number;
  closeReason?: string;
}
interface OurMessage {
  conn: number;
  dir: Dir;
  opcode: number;
  lastFrame: number;
  frames: number;
  compressed: boolean;
  text?: string;
  data?: string;
}
interface OurConnection {
  conn: number;
  clientPort: number;
  serverPort: number;
  frames: Record<Dir, OurFrame[]>;
}
interface Ours {
  connections: OurConnection[];
  messages: Map<string, OurMessage>;
}

const port = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));
const utf8Hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
const sha256Hex = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const isData = (opcode: number): boolean => opcode <= 2;

function readOurs(file: string): Ours {
  // no truncation: the oracle compares every payload byte
  const r = runCli([join(FIXTURES, file), '--json', '--max-payload', String(64 * 1024 * 1024)]);
  if (r.status !== 0) throw new Error(`wsinspect ${file} --json exited with ${String(r.status)}: ${r.stderr}`);
  const ours: Ours = { connections: [], messages: new Map() };
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as { type: string; conn: number; client: string; server: string } & OurFrame &
      OurMessage;
    if (e.type === 'connection')
      ours.connections.push({
        conn: e.conn,
        clientPort: port(e.client),
        serverPort: port(e.server),
        frames: { c2s: [], s2c: [] },
      });
    else if (e.type === 'frame') ours.connections.find((c) => c.conn === e.conn)!.frames[e.dir].push(e);
    else if (e.type === 'message') ours.messages.set(`${e.conn}:${e.lastFrame}`, e);
  }
  return ours;
}

/** A capture that starts after the handshake needs tshark told where WebSocket is, as we are not. */
function decodeAsPort(truth: Expected): number | undefined {
  return truth.connections.some((c) => c.streams.c2s.skipped > 0 || c.streams.s2c.skipped > 0)
    ? truth.serverPort
    : undefined;
}

/**
 * tshark 4.0 IS WRONG on fragmented compressed messages: it reassembles the fragments and
 * shows the still-compressed bytes as the text, and because it never fed them to its inflater
 * its LZ77 window no longer matches the sender's, so with context takeover every later
 * compressed message in that direction fails to inflate ("Decompression failed") or is
 * garbled. These messages (per direction, by position among the data messages) are checked
 * against the generator's ground truth instead of tshark's inflation.
 */
function tsharkWrongMessages(truth: Expected, clientPort: number, dir: Dir): Set<number> {
  const conn = truth.connections.find((c) => c.clientPort === clientPort);
  const wrong = new Set<number>();
  let lost = false;
  (conn?.messages ?? [])
    .filter((m) => m.dir === dir && isData(m.opcode))
    .forEach((m, k) => {
      if (m.compressed === true && (m.fragments ?? 1) > 1) lost = true;
      if (lost && m.compressed === true) wrong.add(k);
    });
  return wrong;
}

function countTsharkWrong(file: string): number {
  const truth = expected(file);
  return truth.connections.reduce(
    (n, c) =>
      n + tsharkWrongMessages(truth, c.clientPort, 'c2s').size + tsharkWrongMessages(truth, c.clientPort, 's2c').size,
    0,
  );
}

// ---- frame by frame ----------------------------------------------------------------------

function compareHeader(where: string, o: OurFrame, t: TsharkFrame, out: string[]): void {
  const ourRsv = (o.rsv1 ? 4 : 0) | (o.rsv2 ? 2 : 0) | (o.rsv3 ? 1 : 0);
  const pairs: [string, unknown, unknown][] = [
    ['opcode', o.opcode, t.opcode],
    ['fin', o.fin, t.fin],
    ['rsv', ourRsv, t.rsv],
    ['masked', o.masked, t.masked],
    ['maskKey', o.maskKey, t.maskKey],
    ['payloadLength', o.payloadLength, t.payloadLength],
  ];
  for (const [field, ours, theirs] of pairs)
    if (ours !== theirs) out.push(`${where}: ${field} ours=${String(ours)} tshark=${String(theirs)}`);
  if (o.opcode === 8 && o.closeCode !== t.closeCode)
    out.push(`${where}: closeCode ours=${String(o.closeCode)} tshark=${String(t.closeCode)}`);
  if (o.opcode === 8 && o.closeReason !== undefined && utf8Hex(o.closeReason) !== t.closeReason)
    out.push(`${where}: closeReason ours=${utf8Hex(o.closeReason)} tshark=${String(t.closeReason)}`);
}

/** The frame's own unmasked wire payload as tshark shows it, or undefined for a first fragment (known only from the last). */
function ownPayload(t: TsharkFrame): string | undefined {
  if (t.opcode === 9) return t.ping ?? '';
  if (t.opcode === 10) return t.pong ?? '';
  if (t.opcode === 8)
    return t.closeCode === undefined ? '' : t.closeCode.toString(16).padStart(4, '0') + (t.closeReason ?? '');
  if (t.opcode === 0 && !t.fin) return t.continuation;
  if (t.fragments !== undefined) return t.fragments.at(-1);
  if (t.fin && (t.opcode === 1 || t.opcode === 2)) return t.text ?? t.data ?? '';
  return undefined;
}

/** Headers and the payload bytes as sent, against tshark with decompression off. */
function compareWire(where: string, ours: OurFrame[], raw: TsharkFrame[], out: string[]): number {
  const checked = new Set<number>();
  let message: number[] = [];
  raw.forEach((t, i) => {
    const o = ours[i]!;
    const at = `${where} frame #${o.index} (packet ${t.packet})`;
    compareHeader(at, o, t, out);
    if (o.opcode === 1 || o.opcode === 2) message = [i];
    else if (o.opcode === 0) message.push(i);
    if (t.fragments !== undefined) {
      if (t.fragments.length !== message.length)
        out.push(`${at}: tshark reassembled ${t.fragments.length} fragments, ours ${message.length}`);
      t.fragments.forEach((hex, k) => {
        const f = ours[message[k] ?? -1];
        if (f?.payload !== hex) out.push(`${at}: fragment ${k + 1} payload ours=${String(f?.payload)} tshark=${hex}`);
        checked.add(message[k] ?? -1);
      });
    }
    const own = ownPayload(t);
    if (own === undefined) return;
    if (o.payload !== own) out.push(`${at}: payload ours=${o.payload} tshark=${own}`);
    checked.add(i);
  });
  ours.forEach((o, i) => {
    if (!checked.has(i)) out.push(`${where} frame #${o.index}: tshark showed no payload to compare`);
  });
  return checked.size;
}

/** What the application received (after inflation), against tshark with decompression on. */
function compareMessages(
  where: string,
  conn: OurConnection,
  dir: Dir,
  ours: Ours,
  inflated: TsharkFrame[],
  truth: Expected,
  r: OracleResult,
): void {
  const wrong = tsharkWrongMessages(truth, conn.clientPort, dir);
  const sent = (truth.connections.find((c) => c.clientPort === conn.clientPort)?.messages ?? []).filter(
    (m) => m.dir === dir && isData(m.opcode),
  );
  let ordinal = 0;
  inflated.forEach((t, i) => {
    const o = conn.frames[dir][i]!;
    if (!isData(o.opcode) || !o.fin) return;
    const m = ours.messages.get(`${conn.conn}:${o.index}`);
    const at = `${where} message ${ordinal + 1} (frames to #${o.index}, packet ${t.packet})`;
    const got = m === undefined ? undefined : m.text !== undefined ? utf8Hex(m.text) : (m.data ?? '');
    const theirs = t.text ?? t.data ?? '';
    if (got === undefined) r.mismatches.push(`${at}: no message event`);
    else if (wrong.has(ordinal)) {
      checkAgainstTruth(at, got, o, sent[ordinal], r.truthMismatches);
      r.byTruth += 1;
      if (theirs !== got) r.tsharkGarbled += 1;
    } else {
      if (got !== theirs)
        r.mismatches.push(
          `${at}: data ours=${got} tshark=${theirs}${t.decompressionFailed ? ' (tshark: decompression failed)' : ''}`,
        );
      if (o.text !== undefined && utf8Hex(o.text) !== theirs)
        r.mismatches.push(`${at}: frame text ours=${o.text} tshark=${theirs}`);
      r.byTshark += 1;
    }
    ordinal += 1;
  });
}

function checkAgainstTruth(
  at: string,
  got: string,
  frame: OurFrame,
  sent: ExpectedMessage | undefined,
  out: string[],
): void {
  if (sent === undefined) {
    out.push(`${at}: the generator sent no such message`);
    return;
  }
  if (got.length / 2 !== sent.length || sha256Hex(got) !== sent.sha256)
    out.push(`${at}: ours (${got.length / 2} bytes) differs from what the generator sent (${sent.length} bytes)`);
  if (sent.text !== undefined && got !== utf8Hex(sent.text)) out.push(`${at}: text differs from the generator's`);
  if (frame.text !== undefined && utf8Hex(frame.text) !== got) out.push(`${at}: frame text differs from the message`);
}

interface OracleResult {
  /** Where ours and tshark differ. */
  mismatches: string[];
  /** Where tshark is known wrong: where ours and the generator's ground truth differ. */
  truthMismatches: string[];
  frames: number;
  /** Frames whose unmasked payload was compared with tshark's. */
  payloads: number;
  /** Messages whose inflated data was compared with tshark's, and with the ground truth. */
  byTshark: number;
  byTruth: number;
  /** Of the latter, how many tshark actually got wrong (reported, not asserted: a fixed tshark may agree). */
  tsharkGarbled: number;
}

function oracle(file: string): OracleResult {
  const truth = expected(file);
  const path = join(FIXTURES, file);
  const decodeAs = decodeAsPort(truth);
  const raw = runTshark(path, { decompress: false, decodeAsPort: decodeAs });
  const inflated = runTshark(path, { decompress: true, decodeAsPort: decodeAs });
  const ours = readOurs(file);
  const r: OracleResult = {
    mismatches: [],
    truthMismatches: [],
    frames: 0,
    payloads: 0,
    byTshark: 0,
    byTruth: 0,
    tsharkGarbled: 0,
  };
  const claimed = new Set<TsharkFrame>();
  for (const conn of ours.connections) {
    for (const dir of ['c2s', 's2c'] as const) {
      const [src, dst] = dir === 'c2s' ? [conn.clientPort, conn.serverPort] : [conn.serverPort, conn.clientPort];
      const mine = (list: TsharkFrame[]): TsharkFrame[] => list.filter((t) => t.srcPort === src && t.dstPort === dst);
      const [rawDir, inflatedDir, oursDir] = [mine(raw), mine(inflated), conn.frames[dir]];
      rawDir.forEach((t) => claimed.add(t));
      const where = `${file} conn ${conn.conn} ${dir}`;
      if (rawDir.length !== oursDir.length || inflatedDir.length !== oursDir.length) {
        r.mismatches.push(
          `${where}: ${oursDir.length} frames ours, tshark ${rawDir.length} (raw) / ${inflatedDir.length} (inflated)`,
        );
        continue;
      }
      r.frames += oursDir.length;
      r.payloads += compareWire(where, oursDir, rawDir, r.mismatches);
      compareMessages(where, conn, dir, ours, inflatedDir, truth, r);
    }
  }
  for (const t of raw)
    if (!claimed.has(t))
      r.mismatches.push(
        `${file}: tshark frame in packet ${t.packet} (${t.srcPort}→${t.dstPort}) is on no connection of ours`,
      );
  return r;
}

const results = new Map<string, OracleResult>();
const resultFor = (file: string): OracleResult => results.get(file) ?? results.set(file, oracle(file)).get(file)!;

describeWithTool('tshark', `tshark oracle (${toolMissing('tshark') === null ? tsharkVersion() : 'no tshark'})`, () => {
  it('corked.pcap: tshark too sees several WebSocket frames in one TCP packet, both directions', () => {
    const frames = runTshark(join(FIXTURES, 'corked.pcap'), { decompress: false });
    const perPacket = new Map<number, TsharkFrame[]>();
    for (const t of frames) perPacket.set(t.packet, [...(perPacket.get(t.packet) ?? []), t]);
    const { serverPort } = expected('corked.pcap');
    for (const fromServer of [false, true]) {
      const most = Math.max(
        ...[...perPacket.values()].filter((l) => (l[0]!.srcPort === serverPort) === fromServer).map((l) => l.length),
      );
      expect(most).toBeGreaterThanOrEqual(7);
    }
  });

  for (const file of FILES) {
    const wrong = countTsharkWrong(file);
    const except = wrong > 0 ? ` — except ${wrong} compressed message(s) where tshark is wrong, see below` : '';
    it(`${file}: every frame's opcode, FIN, RSV, mask, key, length and unmasked payload, and every message's inflated data, match tshark${except}`, () => {
      const r = resultFor(file);
      expect(r.mismatches).toEqual([]);
      expect(r.frames).toBeGreaterThan(0);
      expect(r.payloads).toBe(r.frames);
      expect(r.byTshark + r.byTruth).toBeGreaterThan(0);
    });
    if (wrong === 0) continue;
    it(`${file}: TSHARK IS WRONG on fragmented compressed messages (shows them still compressed, then loses its inflate context): our ${wrong} message(s) match the generator's ground truth`, () => {
      const r = resultFor(file);
      console.info(
        `${file}: tshark garbled ${r.tsharkGarbled} of the ${r.byTruth} compressed messages checked against the ground truth`,
      );
      expect(r.truthMismatches).toEqual([]);
      expect(r.byTruth).toBe(wrong);
    });
  }
});
