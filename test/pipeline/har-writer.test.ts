// --har FILE: every capture fixture written as a HAR and read back gives the same messages
// (direction, order, text, data), and the file has the fields HAR 1.2 and DevTools' importer need.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'wsinspect-harw-'));
const lines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
/** Messages in order within each connection (a HAR lists connection by connection). */
const messages = (s: string) =>
  lines(s)
    .filter((e) => e.type === 'message')
    .map((e) => [e.conn, e.dir, e.opcode, e.text ?? e.data] as const)
    .sort((a, b) => Number(a[0]) - Number(b[0]));

describe('--har FILE', () => {
  const captures = readdirSync(join(ROOT, 'fixtures')).filter((f) => /\.pcap(ng)?$/.test(f));

  it.each(captures)('%s → HAR → read back: the same messages, in the same order within each connection', (name) => {
    const har = join(dir, `${name}.har`);
    const first = runCli([join(ROOT, 'fixtures', name), '--json', '--har', har]);
    expect([first.status, first.stderr]).toEqual([0, '']);
    const back = runCli([har, '--json']);
    expect([back.status, back.stderr]).toEqual([0, '']);
    expect(messages(back.stdout)).toEqual(messages(first.stdout));
    const doc = JSON.parse(readFileSync(har, 'utf8')) as {
      log: { version: string; creator: { name: string }; entries: Record<string, unknown>[] };
    };
    expect(doc.log.version).toBe('1.2');
    expect(doc.log.creator.name).toBe('wsinspect');
    const conns = lines(first.stdout).filter((e) => e.type === 'connection').length;
    expect(doc.log.entries).toHaveLength(conns);
    for (const e of doc.log.entries) {
      for (const field of ['startedDateTime', 'time', 'request', 'response', 'cache', 'timings'])
        expect(e, field).toHaveProperty(field);
      expect(e._resourceType).toBe('websocket');
      expect(Array.isArray(e._webSocketMessages)).toBe(true);
    }
  });

  it('binary as base64, the close in _webSocketClose, the URL from Host and path', () => {
    const har = join(dir, 'close.har');
    expect(runCli([join(ROOT, 'fixtures', 'close-reason.pcap'), '--har', har, '-s']).status).toBe(0);
    const entry = (JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: Record<string, unknown>[] } }).log
      .entries[0] as { request: { url: string }; _webSocketClose: { code: number; reason: string } };
    expect(entry.request.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    expect(entry._webSocketClose.code).toBe(4001);
    const plain = join(dir, 'plain.har');
    runCli([join(ROOT, 'fixtures', 'plain.pcap'), '--har', plain, '-s']);
    const sent = (
      JSON.parse(readFileSync(plain, 'utf8')) as {
        log: { entries: { _webSocketMessages: { opcode: number; data: string }[] }[] };
      }
    ).log.entries[0]._webSocketMessages;
    const binary = sent.find((m) => m.opcode === 2);
    expect(binary?.data).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('an unwritable destination is one line before any reading, and no file is left behind', () => {
    const r = runCli([join(ROOT, 'fixtures', 'plain.pcap'), '--har', join(dir, 'no', 'such', 'dir.har')]);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^wsinspect: --har: cannot write .*dir\.har: /);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it('a directory as the destination is one line before any reading, not a crash at the end', () => {
    const r = runCli([join(ROOT, 'fixtures', 'plain.pcap'), '--har', dir]);
    expect([r.status, r.stdout, r.stderr]).toEqual([
      2,
      '',
      `wsinspect: --har: cannot write ${dir}: it is a directory\n`,
    ]);
  });
});
