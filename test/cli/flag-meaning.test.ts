// Every output flag a command accepts does what its name says, or is refused with a one-line
// reason: -s shortens handshakes too, --explain needs the full view, hex takes -V like the rest.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli-run.js';

const fixture = (name: string) => join(ROOT, 'fixtures', name);
const HELLO = ['81', '05', '48', '65', '6c', '6c', '6f'];

describe('output flags mean what they say', () => {
  it('-s on a capture listing: one line per opening handshake instead of its block', () => {
    const full = runCli([fixture('deflate.pcap')]);
    const short = runCli([fixture('deflate.pcap'), '-s']);
    expect([full.status, short.status]).toEqual([0, 0]);
    expect(full.stdout).toContain('Opening handshake: request');
    expect(short.stdout).not.toContain('Opening handshake');
    const lines = short.stdout.split('\n');
    expect(lines.filter((l) => l.includes('] handshake'))).toEqual([
      '   0.001551 [1] handshake GET /chat → 101, Sec-WebSocket-Accept ✓ (permessage-deflate)',
    ]);
    // the frame lines are the listing's own, unchanged
    const frameLines = (s: string) => s.split('\n').filter((l) => / #\d+ /.test(l));
    expect(frameLines(short.stdout)).toEqual(frameLines(full.stdout));
    expect(lines.length).toBeLessThan(full.stdout.split('\n').length - 20);
  });

  it('wsinspect FILE --explain without -V is refused with the reason; with -V it adds the rules', () => {
    const alone = runCli([fixture('deflate.pcap'), '--explain']);
    expect([alone.status, alone.stdout, alone.stderr]).toEqual([
      2,
      '',
      'wsinspect: --explain adds the rules to the full view: add -V\n',
    ]);
    const withV = runCli([fixture('deflate.pcap'), '--explain', '-V', '--conn', '1']);
    expect(withV.status).toBe(0);
    expect(withV.stdout).not.toBe(runCli([fixture('deflate.pcap'), '-V', '--conn', '1']).stdout);
  });

  it('proxy --explain needs -V as a capture does; demo --explain is refused: the demo draws no full view', () => {
    // the other flags end each run at once should --explain be let through (a bad target, no pauses)
    const proxy = runCli(['proxy', '--target', 'not-a-url', '--explain']);
    expect([proxy.status, proxy.stdout, proxy.stderr]).toEqual([
      2,
      '',
      'wsinspect: --explain adds the rules to the full view: add -V\n',
    ]);
    // with -V it gets past the check: the bad target is what stops it now
    expect(runCli(['proxy', '--target', 'not-a-url', '--explain', '-V']).stderr).toMatch(/not-a-url/);
    const demo = runCli(['demo', '--pace', '0', '--explain']);
    expect([demo.status, demo.stdout, demo.stderr]).toEqual([
      2,
      '',
      'wsinspect: --explain adds the rules to the full view, which the live view does not draw: record with -w FILE, then run wsinspect FILE -V --explain\n',
    ]);
    expect(runCli(['demo', '-V']).stderr).toMatch(/Unknown argument: V/);
  });

  it('replay and serve --explain are refused with a way to the rules they have (no -w, which they lack)', () => {
    // refused before any connection is made: the target is never dialled, nothing listens
    const replay = runCli(['replay', fixture('plain.pcap'), '--target', 'ws://127.0.0.1:9', '--explain']);
    expect([replay.status, replay.stdout]).toEqual([2, '']);
    expect(replay.stderr).toBe(
      `wsinspect: --explain adds the rules to the full view, which the live view does not draw: for the recording's frames with their rules, run wsinspect ${fixture('plain.pcap')} -V --explain\n`,
    );
    const serve = runCli(['serve', fixture('chromium.har'), '--listen', '127.0.0.1:0', '--explain']);
    expect([serve.status, serve.stdout]).toEqual([2, '']);
    expect(serve.stderr).toBe(
      'wsinspect: --explain adds the rules to the full view, which the live view does not draw: the recording holds messages, not frames, so there are no frame rules to add\n',
    );
    for (const r of [replay, serve]) expect(r.stderr).not.toContain('-w FILE');
  });

  it('hex -V / --verbose are accepted and change nothing: hex already draws the full view', () => {
    const plain = runCli(['hex', ...HELLO]);
    expect(plain.status).toBe(0);
    for (const flag of ['-V', '--verbose']) {
      const r = runCli(['hex', flag, ...HELLO]);
      expect([flag, r.status, r.stderr, r.stdout]).toEqual([flag, 0, '', plain.stdout]);
    }
  });
});

describe('-V on a large frame draws a bounded payload', () => {
  // A 100,000-byte binary frame (64-bit length): the detailed view must not print 6,250 hex rows.
  const header = Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x86, 0xa0]);
  const frameHex = Buffer.concat([header, Buffer.alloc(100_000, 7)]).toString('hex');
  const rows = (out: string) => out.split('\n').filter((l) => /^ {4}[0-9a-f]{4,} {2}07/.test(l)).length;

  it('without --max-payload: 1024 bytes (64 rows), the rest counted, and the flag named', () => {
    const r = runCli(['hex', '-'], { input: frameHex });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('showing the first 1024 of 100000 bytes (--max-payload N shows more)');
    expect(r.stdout).toContain('… 98976 more bytes not shown');
    expect(rows(r.stdout)).toBe(64);
  });

  it('--max-payload sets the detailed view too: more when asked, fewer when asked', () => {
    const more = runCli(['hex', '--max-payload', '4096', '-'], { input: frameHex });
    expect(more.stdout).toContain('showing the first 4096 of 100000 bytes');
    expect(rows(more.stdout)).toBe(256);
    const fewer = runCli(['hex', '--max-payload', '32', '-'], { input: frameHex });
    expect(rows(fewer.stdout)).toBe(2);
  });

  it('--json keeps its own 64 KiB default: the limit of the text view is not a decoder limit', () => {
    const r = runCli(['hex', '--json', '-'], { input: frameHex });
    const frame = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; payload?: string })
      .find((e) => e.type === 'frame');
    expect(frame?.payload?.length).toBe(65536 * 2);
  });
});

describe('output flags that cannot act together are refused with the reason', () => {
  const plain = fixture('plain.pcap');
  it.each([
    [
      [plain, '-V', '--explain', '--json'],
      '--explain adds the rules to the text view; --json prints every field already',
    ],
    [[plain, '-s', '--json'], '-s shortens the text view; --json prints every event whole'],
    [[plain, '-V', '--explain', '-s'], '--explain adds the rules to the full view of each frame, which -s replaces'],
    [[plain, '-V', '--explain', '--messages'], '--explain adds the rules to the full view of each frame; --messages'],
    [[plain, '--stats', '-s'], '-s chooses how frames are listed, but --stats prints a summary per connection'],
    [[plain, '--stats', '--messages'], '--messages chooses how frames are listed, but --stats'],
    [['hex', '--explain', '--json', ...HELLO], '--explain adds the rules to the text view'],
    [['hex', '-s', '--json', ...HELLO], '-s shortens the text view'],
    [['accept', '--explain', '--json', 'dGhlIHNhbXBsZSBub25jZQ=='], '--explain adds the rules to the text view'],
  ])('%j', (args, reason) => {
    const r = runCli(args);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr.startsWith(`wsinspect: ${reason}`)).toBe(true);
  });
});

/** The help line(s) of one option in `wsinspect CMD --help`, joined. */
function helpOf(command: string, flag: string): string {
  const r = runCli([command, '--help']);
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\s+(-\\w, )?${flag}\\b`).test(l));
  if (at < 0) return '';
  let end = at + 1;
  while (end < lines.length && /^\s{10,}\S/.test(lines[end])) end++;
  return lines
    .slice(at, end)
    .map((l) => l.trim())
    .join(' ');
}

describe('each command’s --help says what its flags do there', () => {
  it.each(['read', 'proxy', 'replay', 'serve', 'demo'])(
    '%s: -s puts each opening handshake on one line (frames are one line already)',
    (command) => {
      const s = helpOf(command, '--summary');
      expect(s).toMatch(/^-s, --summary /);
      expect(s).toContain('opening handshake on one line');
      expect(s).not.toContain('one line per frame instead of the full annotated view');
    },
  );

  it('hex: -s is one line per frame instead of the full view', () => {
    expect(helpOf('hex', '--summary')).toContain('one line per frame instead of the full annotated view');
  });

  it('--explain needs -V where there is one; hex always draws the full view', () => {
    expect(helpOf('read', '--explain')).toContain('with -V:');
    expect(helpOf('proxy', '--explain')).toContain('with -V:');
    expect(helpOf('hex', '--explain')).not.toContain('with -V');
  });

  it('--show-heartbeats names every view whose keep-alives are folded', () => {
    const text = helpOf('read', '--show-heartbeats');
    for (const name of ['Engine.IO', 'GraphQL', 'SignalR', 'Phoenix', 'ActionCable', 'STOMP', 'MQTT'])
      expect(text).toContain(name);
  });

  it('accept offers only the flags that change what it prints, and refuses the others', () => {
    expect(helpOf('accept', '--explain')).toContain('GUID');
    for (const flag of ['--summary', '--max-payload', '--view', '--show-heartbeats', '--proto'])
      expect(helpOf('accept', flag), flag).toBe('');
    const r = runCli(['accept', '-s', 'dGhlIHNhbXBsZSBub25jZQ==']);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^wsinspect: Unknown argument: s\n/);
  });
});
