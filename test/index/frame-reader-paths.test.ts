// The ways a frame is decoded again by offset, each on a capture that forces it: frames split
// over several segments that arrive out of order and retransmitted; a compressed connection
// with context takeover from a deflate checkpoint and from its direction's first frame; a
// capture cut short; TLS, which falls back to reading from the start of the file and says so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameReader } from '../../src/index/frame-reader.js';
import { pcapOf } from '../capture/helpers/capture-harness.js';
import { readTcpRecords, type TcpRecord } from '../capture/helpers/tcp-packets.js';
import { expectRedecoded, indexOf } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'wsinspect-index-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every data segment after the handshakes cut in three, sent 3, 1, 2, then 1 again (a retransmission). */
function scrambled(name: string): string {
  const records = readTcpRecords(readFileSync(join(FIXTURES, name)));
  const out: TcpRecord[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const key = `${r.sport}>${r.dport}`;
    const first = !seen.has(key) && r.payload.length > 0;
    if (r.payload.length > 0) seen.add(key);
    if (first || r.payload.length < 6) {
      out.push(r);
      continue;
    }
    const n = r.payload.length;
    const cuts = [0, Math.floor(n / 3), Math.floor((2 * n) / 3), n];
    const piece = (i: number): TcpRecord => ({
      ...r,
      seq: (r.seq + cuts[i]) >>> 0,
      payload: r.payload.slice(cuts[i], cuts[i + 1]),
    });
    out.push(piece(2), piece(0), piece(1), piece(0));
  }
  const path = join(dir, `scrambled-${name}`);
  writeFileSync(path, pcapOf(out));
  return path;
}

function cut(name: string, fraction: number): string {
  const bytes = readFileSync(join(FIXTURES, name));
  const path = join(dir, `cut-${fraction}-${name.replace('/', '-')}`);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  return path;
}

describe('decoding again by offset', () => {
  for (const name of ['plain.pcap', 'fragmented.pcap', 'deflate.pcap', 'lengths.pcap']) {
    it(`${name} with segments cut in three, out of order and retransmitted`, async () => {
      const hows = await expectRedecoded(scrambled(name), { checkpointEvery: 1, checkpointSpacing: 0 });
      expect(hows['frame offset'] ?? 0).toBeGreaterThan(0);
    });
  }

  it('deflate.pcap: compressed messages from a checkpoint, and from the first frame without checkpoints', async () => {
    const path = join(FIXTURES, 'deflate.pcap');
    const withCheckpoints = await expectRedecoded(path, { checkpointEvery: 1, checkpointSpacing: 0 });
    expect(withCheckpoints['message checkpoint']).toBeGreaterThan(0);
    const without = await expectRedecoded(path, { checkpointEvery: 0 });
    expect(without['message direction-start']).toBeGreaterThan(0);
    expect(without['message checkpoint']).toBeUndefined();
  });

  for (const name of ['deflate.pcap', 'fragmented.pcap', 'plain.pcapng', 'lengths.pcap']) {
    for (const fraction of [0.5, 0.83]) {
      it(`${name} cut at ${fraction * 100}% of its bytes`, async () => {
        await expectRedecoded(cut(name, fraction), { checkpointEvery: 1, checkpointSpacing: 0 });
      });
    }
  }

  it('TLS: read from the start of the file, with the reason said', async () => {
    const path = join(FIXTURES, 'tls', 'tls13.pcap');
    const hows = await expectRedecoded(path, { fallback: true });
    expect(Object.keys(hows).every((h) => h.endsWith('file-start'))).toBe(true);
    const { state, keyLog } = await indexOf(path);
    const reader = new FrameReader(path, state, { keyLog });
    const got = await reader.frame(0);
    await reader.close();
    expect(got.fallback).toMatch(/^TLS/);
  });
});
