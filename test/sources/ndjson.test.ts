// wsinspect's own --json output read back: every fixture's messages survive the round trip
// (capture → --json → wsinspect FILE.ndjson --json), and broken lines are diagnostics.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'wsinspect-ndjson-'));
const lines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const messageKey = (e: Record<string, unknown>) =>
  JSON.stringify([e.conn, e.dir, e.opcode, e.text ?? e.data, e.length, e.frames, e.firstFrame, e.ts]);

describe('NDJSON (wsinspect --json) read back', () => {
  const captures = readdirSync(join(ROOT, 'fixtures')).filter((f) => /\.pcap(ng)?$/.test(f));

  it.each(captures)('%s: the same connections, handshakes and messages come back', (name) => {
    const first = runCli([join(ROOT, 'fixtures', name), '--json']);
    expect(first.status).toBe(0);
    const file = join(dir, `${name}.ndjson`);
    writeFileSync(file, first.stdout);
    const back = runCli([file, '--json']);
    expect([back.status, back.stderr]).toEqual([0, '']);
    const a = lines(first.stdout);
    const b = lines(back.stdout);
    const of = (evs: Record<string, unknown>[], type: string) => evs.filter((e) => e.type === type);
    expect(of(b, 'message').map(messageKey)).toEqual(of(a, 'message').map(messageKey));
    expect(of(b, 'connection').map((e) => [e.conn, e.client, e.server, e.source])).toEqual(
      of(a, 'connection').map((e) => [e.conn, e.client, e.server, 'ndjson']),
    );
    // handshakes are parsed again: the same verdicts
    const verdict = (e: Record<string, unknown>) => [e.conn, e.side, e.acceptValid, e.path, e.status];
    expect(of(b, 'handshake').map(verdict)).toEqual(of(a, 'handshake').map(verdict));
    expect(of(b, 'end').map((e) => [e.conn, e.reason, e.messages])).toEqual(
      of(a, 'end').map((e) => [e.conn, e.reason, e.messages]),
    );
    const frames = of(a, 'frame').length;
    if (frames > 0) expect(of(b, 'diagnostic').some((e) => e.code === 'ndjson.messages-only')).toBe(true);
  });

  it('a line that is not JSON, or an event missing its fields, is a diagnostic and reading goes on', () => {
    const good = runCli([join(ROOT, 'fixtures', 'plain.pcap'), '--json']).stdout;
    const [head, ...rest] = good.split('\n');
    const text = [
      head,
      '{"type":"message","conn":1,',
      '{"type":"message","conn":1,"dir":"up","opcode":1}',
      ...rest,
    ].join('\n');
    const file = join(dir, 'broken.ndjson');
    writeFileSync(file, text);
    const r = runCli([file, '--json']);
    expect(r.status).toBe(0);
    const ev = lines(r.stdout);
    const broken = ev.filter((e) => e.code === 'recording.malformed').map((e) => e.message);
    expect(broken).toEqual([
      `line at byte ${head.length + 1} is not JSON; skipped`,
      `line at byte ${head.length + 1 + '{"type":"message","conn":1,'.length + 1}: a message without dir or opcode 1/2; skipped`,
    ]);
    expect(ev.filter((e) => e.type === 'message').length).toBe(lines(good).filter((e) => e.type === 'message').length);
  });

  it('a recording made with -Y (messages without their connection events) lists them and says nothing more', () => {
    const recorded = runCli([join(ROOT, 'fixtures', 'plain.pcap'), '--json', '--messages', '-Y', 'opcode == text']);
    expect(recorded.stdout).not.toContain('"type":"connection"');
    const file = join(dir, 'filtered.ndjson');
    writeFileSync(file, recorded.stdout);
    const r = runCli([file, '-s']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('text message from 1 frame (frame #1), 5 B: "hello"');
  });

  it('a recording without any connection says so, as a recording, not as a HAR', () => {
    const file = join(dir, 'frames-only.ndjson');
    writeFileSync(file, '{"type":"frame","conn":1}\n{"type":"message"}\n');
    const r = runCli([file, '-s']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`wsinspect: ${file}: no WebSocket connection in this recording\n`);
  });
});
