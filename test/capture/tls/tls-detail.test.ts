// --tls-detail: the TLS records under decrypted frames. The record log of every connection is
// checked against tshark's dissection with the same key log (packet, direction, outer and
// inner content type, length, record by record); the keys and sequence numbers against what
// RFC 8446 says they must be (KeyUpdate: the next generation, sequence numbers from 0); and
// the CLI's view: the records of each frame carry exactly its bytes, once.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../../src/capture/tls/key-log.js';
import { readCapture } from '../../../src/pipeline/read-capture.js';
import type { ConnectionEvent, TlsRecordNote } from '../../../src/session/events.js';
import { ROOT, runCli } from '../../helpers/cli-run.js';
import { describeWithTool } from '../../helpers/tools.js';

const DIR = join(ROOT, 'fixtures', 'tls');
const FIXTURES = [
  { name: 'tls13', ports: [18443, 18444] },
  { name: 'tls12', ports: [18453, 18454] },
  { name: 'keyupdate', ports: [18463] },
  { name: 'python', ports: [18503] },
  { name: 'chromium', ports: [18493] },
];

const port = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

async function connections(name: string): Promise<ConnectionEvent[]> {
  const keyLog = parseKeyLog(readFileSync(join(DIR, `${name}.keys`), 'latin1')).secrets;
  const input = Readable.from([readFileSync(join(DIR, `${name}.pcap`))]);
  const out: ConnectionEvent[] = [];
  for await (const ev of readCapture(input, { keyLog, tlsDetail: true })) if (ev.type === 'connection') out.push(ev);
  return out;
}

interface RecordRow {
  packet: number;
  src: number;
  outer: number;
  inner: number;
  length: number;
}

function ourRows(conns: ConnectionEvent[]): RecordRow[] {
  const rows: (RecordRow & { n: number })[] = [];
  for (const c of conns) {
    const log = c.tls?.records;
    expect(log, `connection ${c.conn} has a record log`).toBeDefined();
    for (const dir of ['c2s', 's2c'] as const)
      for (const r of log![dir])
        rows.push({
          packet: r.packet,
          src: port(dir === 'c2s' ? c.client : c.server),
          outer: r.outerType,
          inner: r.innerType,
          length: r.wireLength - 5,
          n: r.number,
        });
  }
  rows.sort((a, b) => a.packet - b.packet || a.src - b.src || a.n - b.n);
  return rows.map(({ n: _n, ...r }) => r);
}

function tsharkRows(name: string, ports: readonly number[], clients: ReadonlySet<number>): RecordRow[] {
  const args = ['-r', join(DIR, `${name}.pcap`), '-o', `tls.keylog_file:${join(DIR, `${name}.keys`)}`];
  for (const p of ports) args.push('-d', `tcp.port==${p},tls`);
  args.push('-Y', 'tls', '-T', 'json', '--no-duplicate-keys');
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  expect(r.status, r.stderr).toBe(0);
  const rows: RecordRow[] = [];
  const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  for (const pkt of JSON.parse(r.stdout) as { _source: { layers: Record<string, unknown> } }[]) {
    const layers = pkt._source.layers as Record<string, any>;
    const packet = Number(list(layers.frame)[0]['frame.number']);
    const tcp = list(layers.tcp)[0];
    const src = Number(tcp['tcp.srcport']);
    const dst = Number(tcp['tcp.dstport']);
    if (!clients.has(src) && !clients.has(dst)) continue;
    for (const tls of list(layers.tls))
      for (const rec of list(tls['tls.record'])) {
        const inner = Number(rec['tls.record.content_type']);
        rows.push({
          packet,
          src,
          outer: rec['tls.record.opaque_type'] === undefined ? inner : Number(rec['tls.record.opaque_type']),
          inner,
          length: Number(rec['tls.record.length']),
        });
      }
  }
  return rows;
}

describeWithTool('tshark', '--tls-detail record log against tshark', () => {
  for (const f of FIXTURES)
    it(`${f.name}: every record of every decrypted connection, as tshark dissects it`, async () => {
      const conns = await connections(f.name);
      expect(conns.length).toBeGreaterThan(0);
      const clients = new Set(conns.map((c) => port(c.client)));
      const ours = ourRows(conns);
      expect(ours.length).toBeGreaterThan(8);
      expect(ours).toEqual(tsharkRows(f.name, f.ports, clients));
    });
});

describe('--tls-detail keys and sequence numbers', () => {
  it('KeyUpdate moves a side to the next generation, its sequence numbers from 0 again', async () => {
    const [conn] = await connections('keyupdate');
    const app = (dir: 'c2s' | 's2c'): TlsRecordNote[] =>
      conn.tls!.records![dir].filter((r) => r.outcome === 'decrypted' && r.key!.includes('TRAFFIC_SECRET_'));
    const c2s = app('c2s').map((r) => `${r.key}/${r.seq}`);
    expect(c2s).toEqual([
      'CLIENT_TRAFFIC_SECRET_0/0',
      'CLIENT_TRAFFIC_SECRET_0/1',
      'CLIENT_TRAFFIC_SECRET_0/2',
      'CLIENT_TRAFFIC_SECRET_1/0',
      'CLIENT_TRAFFIC_SECRET_1/1',
      'CLIENT_TRAFFIC_SECRET_2/0',
      'CLIENT_TRAFFIC_SECRET_2/1',
      'CLIENT_TRAFFIC_SECRET_2/2', // close_notify
    ]);
    // the KeyUpdate itself goes under the old key
    const updates = conn.tls!.records!.c2s.filter((r) => r.messages.includes('KeyUpdate'));
    expect(updates.map((r) => r.key)).toEqual(['CLIENT_TRAFFIC_SECRET_0', 'CLIENT_TRAFFIC_SECRET_1']);
    const hs = conn.tls!.records!.s2c.filter((r) => r.key === 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
    expect(hs.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(hs.flatMap((r) => r.messages)).toEqual([
      'EncryptedExtensions',
      'Certificate',
      'CertificateVerify',
      'Finished',
    ]);
  });

  it('TLS 1.2: the client and server write keys after ChangeCipherSpec, Finished at sequence number 0', async () => {
    const [conn] = await connections('tls12');
    const c2s = conn.tls!.records!.c2s;
    const ccs = c2s.findIndex((r) => r.outerType === 20);
    expect(ccs).toBeGreaterThan(0);
    expect(c2s[ccs + 1]).toMatchObject({
      key: 'client write key (from CLIENT_RANDOM)',
      seq: 0,
      messages: ['Finished'],
    });
    // application data: plaintext offsets follow one another with no hole
    const data = c2s.filter((r) => r.plainLength > 0);
    for (let i = 1; i < data.length; i++)
      expect(data[i].plainStart).toBe(data[i - 1].plainStart + data[i - 1].plainLength);
  });
});

describe('wsinspect FILE -V --tls-detail', () => {
  const args = (name: string) => [join(DIR, `${name}.pcap`), '--keylog', join(DIR, `${name}.keys`), '--no-color'];

  it("each frame's records carry exactly its bytes (a 40 KB message across many records too)", () => {
    const r = runCli([...args('tls13'), '-V', '--tls-detail', '--conn', '1,5']);
    expect(r.status).toBe(0);
    const sections = r.stdout.split(/^TLS records \(--tls-detail/m).slice(1);
    expect(sections.length).toBeGreaterThan(3);
    let multi = 0;
    for (const s of sections) {
      const body = s.split('\n\n')[0];
      const whole = /carries the whole frame \((\d+) bytes\)/.exec(body);
      if (whole !== null) continue;
      const parts = [...body.matchAll(/carries bytes (\d+)–(\d+) of this (\d+)-byte frame/g)];
      expect(parts.length, body).toBeGreaterThan(1);
      multi++;
      let next = 0;
      for (const [, from, to, size] of parts) {
        expect(Number(from)).toBe(next);
        next = Number(to) + 1;
        expect(Number(size)).toBeGreaterThan(next - 1);
      }
      expect(next).toBe(Number(parts[0][3]));
    }
    expect(multi).toBeGreaterThan(0);
    expect(r.stdout).toContain('TLS records before the WebSocket frames');
    expect(r.stdout).toContain('[ClientHello]');
  });

  it('a record without data (KeyUpdate) shows under the next frame, with --frame too, never under an earlier one', () => {
    for (const extra of [
      ['--frame', '1:3'],
      ['--conn', '1', '--dir', 'c2s'],
    ]) {
      const r = runCli([...args('keyupdate'), '-V', '--tls-detail', ...extra]);
      expect(r.status).toBe(0);
      const sections = r.stdout
        .split(/^TLS records \(--tls-detail/m)
        .slice(1)
        .map((x) => x.split('\n\n')[0]);
      const third = sections.find((x) => x.includes('record #7'))!;
      expect(third).toContain('record #6 (packet 16): application_data → inside: handshake, 5 + 22 bytes [KeyUpdate]');
      expect(third).toContain('key CLIENT_TRAFFIC_SECRET_1, sequence number 0');
      expect(third).not.toContain('record #8');
      expect(sections.filter((x) => x.includes('[KeyUpdate]'))).toHaveLength(extra[0] === '--frame' ? 1 : 2);
    }
  });

  it('without the flag -V is unchanged; the flag alone or with --json is refused in one line', () => {
    expect(runCli([...args('keyupdate'), '-V']).stdout).not.toContain('TLS records');
    for (const extra of [[], ['--json'], ['-V', '--json']]) {
      const r = runCli([...args('keyupdate'), '--tls-detail', ...extra]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('--tls-detail');
    }
  });

  it('works with --threads (the record log needs one thread: it is used)', () => {
    const one = runCli([...args('tls13'), '-V', '--tls-detail']);
    const many = runCli([...args('tls13'), '-V', '--tls-detail', '--threads', '2']);
    expect(many.status).toBe(0);
    expect(many.stdout).toBe(one.stdout);
  });
});
