// Oracle: tshark with the same key log (`-o tls.keylog_file:F`) decrypts the wss fixtures and
// dissects their WebSocket frames; frame by frame, opcode, FIN, mask, masking key, payload
// length, the packet the frame ends in and its unmasked payload must equal `wsinspect FILE
// --keylog F --json`: every connection of every fixture, but those without keys (neither
// decodes them) and with a CCM suite (named, not decrypted, by wsinspect).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../helpers/cli-run.js';
import { runTshark } from '../../helpers/tshark-pdml.js';
import { describeWithTool } from '../../helpers/tools.js';

const DIR = join(ROOT, 'fixtures', 'tls');
/** The fixtures and their servers' ports (not 443: tshark is told they are TLS). */
const FIXTURES = [
  { name: 'tls13', ports: [18443, 18444] },
  { name: 'tls12', ports: [18453, 18454] },
  { name: 'keyupdate', ports: [18463] },
  { name: 'keepalive', ports: [18483] },
  { name: 'chromium', ports: [18493] },
  { name: 'python', ports: [18503] },
  { name: '0rtt', ports: [18513] },
];

interface Row {
  ports: string;
  opcode: number;
  fin: boolean;
  masked: boolean;
  maskKey: string | null;
  payloadLength: number;
  packet: number;
  payload: string;
}

const port = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

/** Our frames, and the client ports of connections we name as not decrypted (CCM suites). */
function ours(name: string): { rows: Row[]; unsupported: Set<number> } {
  const r = runCli([join(DIR, `${name}.pcap`), '--keylog', join(DIR, `${name}.keys`), '--json']);
  expect(r.status).toBe(0);
  const conns = new Map<number, { client: number; server: number }>();
  const rows: Row[] = [];
  const unsupported = new Set<number>();
  for (const line of r.stdout.trim().split('\n')) {
    const ev = JSON.parse(line);
    if (ev.type === 'diagnostic' && ev.code === 'tls.unsupported-cipher')
      unsupported.add(Number(/:(\d+) →/.exec(ev.message)![1]));
    if (ev.type === 'connection') conns.set(ev.conn, { client: port(ev.client), server: port(ev.server) });
    if (ev.type !== 'frame') continue;
    const c = conns.get(ev.conn)!;
    const [src, dst] = ev.dir === 'c2s' ? [c.client, c.server] : [c.server, c.client];
    rows.push({
      ports: `${src}>${dst}`,
      opcode: ev.opcode,
      fin: ev.fin,
      masked: ev.masked,
      maskKey: ev.maskKey,
      payloadLength: ev.payloadLength,
      packet: ev.lastPacket,
      payload: ev.payload,
    });
  }
  return { rows, unsupported };
}

function theirs(name: string, ports: readonly number[]): Row[] {
  const extraArgs = ['-o', `tls.keylog_file:${join(DIR, `${name}.keys`)}`];
  for (const p of ports) extraArgs.push('-d', `tcp.port==${p},tls`);
  return runTshark(join(DIR, `${name}.pcap`), { decompress: false, extraArgs }).map((f) => ({
    ports: `${f.srcPort}>${f.dstPort}`,
    opcode: f.opcode,
    fin: f.fin,
    masked: f.masked,
    maskKey: f.maskKey,
    payloadLength: f.payloadLength,
    packet: f.packet,
    payload: payloadHex(f),
  }));
}

/** tshark's unmasked payload (the helper gives every value as hex): text, data, control payloads. */
function payloadHex(f: ReturnType<typeof runTshark>[number]): string {
  if (f.text !== undefined) return f.text;
  if (f.data !== undefined) return f.data;
  if (f.closeCode !== undefined) return f.closeCode.toString(16).padStart(4, '0') + (f.closeReason ?? '');
  return f.ping ?? f.pong ?? '';
}

describeWithTool('tshark', 'tshark oracle on wss fixtures', () => {
  for (const { name, ports } of FIXTURES) {
    it(`${name}: every frame agrees with tshark's decryption`, () => {
      const { rows, unsupported } = ours(name);
      // a suite wsinspect names as unsupported (CCM), tshark may decrypt: those connections aside
      const expected = theirs(name, ports).filter((f) => !f.ports.split('>').some((p) => unsupported.has(Number(p))));
      expect(expected.length).toBeGreaterThanOrEqual(4);
      expect(rows).toEqual(expected);
    });
  }
});
