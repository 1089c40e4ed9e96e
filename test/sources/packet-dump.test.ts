// `wsinspect hex` takes what tshark -x prints and Wireshark's "Copy as Hex Dump" of a whole
// packet: the frames are taken from the TCP payload (or tshark's "Reassembled TCP" block) and
// decode exactly as the capture they came from.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHexInput, tcpPayloadOfPacket } from '../../src/sources/packet-dump.js';
import { parseHexText } from '../../src/sources/hex-text.js';
import { ROOT, runCli } from '../helpers/cli-run.js';
import { describeWithTool } from '../helpers/tools.js';

// Wireshark "Copy as Hex Dump" / tshark -x of one server packet of fixtures/plain.pcap:
// Ethernet, IPv4, TCP 18080 → 53264 carrying 81 05 "hello".
const ONE_PACKET = `0000  00 00 00 00 00 00 00 00 00 00 00 00 08 00 45 00   ..............E.
0010  00 3b f4 b3 40 00 40 06 48 07 7f 00 00 01 7f 00   .;..@.@.H.......
0020  00 01 46 a0 d0 10 a2 68 5e d0 41 21 3b d9 80 18   ..F....h^.A!;...
0030  00 40 fe 2f 00 00 01 01 08 0a f1 e3 5f 46 b1 7f   .@./........_F..
0040  dd 77 81 05 68 65 6c 6c 6f                        .w..hello`;

describe('a whole packet pasted into hex', () => {
  it('finds the TCP payload under Ethernet/IPv4/TCP and says so', () => {
    const input = readHexInput(ONE_PACKET, 'stdin');
    expect(Buffer.from(input.bytes).toString('hex')).toBe('810568656c6c6f');
    expect(input.notes).toEqual([
      'the input is a whole packet (Ethernet › IPv4 › TCP 18080 → 53264): decoding its 7 bytes of TCP payload',
    ]);
    const r = runCli(['hex', '-s', '-'], { input: ONE_PACKET });
    expect(r.stdout).toContain('← #1 text FIN 5 bytes "hello"');
    expect(r.stdout).toContain('the input is a whole packet (Ethernet › IPv4 › TCP 18080 → 53264)');
    expect(r.status).toBe(0);
  });

  it('frame bytes are never taken for a packet', () => {
    for (const hex of [
      '81 05 48 65 6c 6c 6f',
      'c1 85 43 02 0a cf 71 36 3e cb 43',
      '45 00 00 14 00 00 00 00 40 06 00 00 7f 00 00 01 7f 00 00 01',
    ]) {
      const input = readHexInput(hex, 'arg');
      expect(input.notes).toEqual([]);
      expect(input.bytes).toEqual(parseHexText(hex));
    }
    expect(tcpPayloadOfPacket(new Uint8Array(0))).toBeNull();
  });

  it('a packet cut short (lengths that do not add up) is decoded as given, not guessed at', () => {
    const cut = ONE_PACKET.split('\n').slice(0, 4).join('\n');
    expect(readHexInput(cut, 'stdin').notes).toEqual([]);
  });
});

/** (direction, opcode, fin, payload length, payload hex) of every frame in NDJSON output. */
function frames(ndjson: string): string[] {
  return ndjson
    .split('\n')
    .filter((l) => l.startsWith('{"type":"frame"'))
    .map((l) => JSON.parse(l) as { dir: string; opcode: number; fin: boolean; payloadLength: number; payload: string })
    .map((f) => `${f.dir} ${f.opcode} ${f.fin} ${f.payloadLength} ${f.payload}`);
}

describeWithTool('tshark', 'tshark -x output piped into hex decodes as the capture does', () => {
  it.each([
    ['plain.pcap', 'Ethernet › IPv4 › TCP', 0],
    ['any-sll2.pcap', 'Linux SLL2 › IPv4 › TCP', 0],
    ['ipv6.pcap', 'Ethernet › IPv6 › TCP', 0],
    ['lengths.pcap', 'Ethernet › IPv4 › TCP', 2],
    ['fragmented.pcap', 'Ethernet › IPv4 › TCP', 0],
  ])(
    '%s',
    (name, layers, reassembled) => {
      const file = join(ROOT, 'fixtures', name);
      const dump = execFileSync('tshark', ['-r', file, '-Y', 'websocket', '-x'], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      expect(dump).toMatch(/^Frame \(\d+ bytes\):$/m);
      const fromDump = runCli(['hex', '--json', '--max-payload', '200000', '-'], { input: dump });
      expect(fromDump.status).toBe(0);
      const fromCapture = runCli([file, '--json', '--max-payload', '200000']);
      const want = frames(fromCapture.stdout);
      expect(want.length).toBeGreaterThan(8);
      expect(frames(fromDump.stdout)).toEqual(want);
      const text = runCli(['hex', '-s', '-'], { input: dump }).stdout;
      expect(text).toContain(`(${layers})`);
      if (reassembled > 0) expect(text).toContain(`${reassembled} "Reassembled TCP" blocks`);
      expect(text).toContain("ignored tshark's derived blocks (Unmasked data");
    },
    60_000,
  );
});
