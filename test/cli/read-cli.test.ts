// `wsinspect FILE` as a user runs it on the real fixtures: JSON per the contract, text
// listing, filters, --messages, --stats, stdin, and errors for files that are not captures.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli-run.js';

const fixture = (name: string) => join(ROOT, 'fixtures', name);
const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));

describe('wsinspect FILE', () => {
  it('--json follows the contract on a real capture', () => {
    const r = runCli([fixture('deflate.pcap'), '--json']);
    expect(r.status).toBe(0);
    const events = jsonLines(r.stdout);
    const types = [...new Set(events.map((e) => e.type))];
    expect(types).toEqual(['connection', 'handshake', 'frame', 'message', 'end']);
    const [conn] = events;
    expect(conn).toMatchObject({ conn: 1, detectedBy: 'handshake' });
    expect(conn.client).toMatch(/^127\.0\.0\.1:\d+$/);
    const response = events.find((e) => e.type === 'handshake' && e.side === 'response');
    expect(response).toMatchObject({
      status: 101,
      acceptValid: true,
      extensions: [{ name: 'permessage-deflate', params: {} }],
    });
    const frames = events.filter((e) => e.type === 'frame');
    expect(
      frames.every((f) => typeof f.ts === 'number' && Array.isArray(f.diagnostics) && f.diagnostics.length === 0),
    ).toBe(true);
    expect(frames.length).toBeGreaterThan(10);
    const c2s = frames.filter((f) => f.dir === 'c2s');
    expect(c2s.length).toBeGreaterThan(5);
    expect(c2s.every((f) => f.masked && /^[0-9a-f]{8}$/.test(f.maskKey))).toBe(true);
    expect(frames.filter((f) => f.dir === 's2c').every((f) => !f.masked && f.maskKey === null)).toBe(true);
    expect(frames.some((f) => f.compressed && typeof f.text === 'string')).toBe(true);
    expect(frames.map((f) => f.index)).toEqual(frames.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'close-handshake' });
  });

  it('--max-payload cuts what is shown (and kept) of binary frames, never their lengths', () => {
    const expected = JSON.parse(readFileSync(fixture('lengths.pcap.expected.json'), 'utf8')) as {
      connections: { messages: { opcode: number; length: number }[] }[];
    };
    const events = jsonLines(runCli([fixture('lengths.pcap'), '--json', '--max-payload', '16']).stdout);
    const messages = events.filter((e) => e.type === 'message');
    expect(messages.map((m) => [m.opcode, m.length])).toEqual(
      expected.connections.flatMap((c) => c.messages.filter((m) => m.opcode < 8).map((m) => [m.opcode, m.length])),
    );
    for (const m of messages)
      expect([m.truncated === true, (m.data ?? '').length <= 32]).toEqual([m.length > 16, true]);
    const big = events.filter((e) => e.type === 'frame' && e.opcode === 2 && e.payloadLength > 16);
    expect(big.length).toBeGreaterThan(0);
    for (const f of big) expect([f.payload.length, f.truncated, f.diagnostics]).toEqual([32, true, []]);
    expect(events.filter((e) => e.type === 'diagnostic')).toEqual([]);
  });

  it('the listing carries time, connection and addresses; -V adds the full view', () => {
    const r = runCli([fixture('plain.pcap')]);
    expect(r.stdout).toMatch(
      /^\s+0\.0\d+ \[1\] 127\.0\.0\.1:\d+ → 127\.0\.0\.1:18080 #1 text FIN 5 bytes masked [0-9a-f]{8} "hello"$/m,
    );
    expect(runCli([fixture('plain.pcap'), '-V']).stdout).toContain('Frame header (RFC 6455 §5.2)');
  });

  it('relative time counts from the first packet of the capture, whatever the filters show', () => {
    const events = jsonLines(runCli([fixture('interleaved.pcap'), '--json']).stdout);
    const firstPacket = events[0].ts as number; // connection 1 opens at its SYN, the capture's first packet
    const close = events.find((e) => e.type === 'frame' && e.opcode === 8 && e.conn === 2);
    const line = runCli([fixture('interleaved.pcap'), '--no-color', '--conn', '2', '--opcode', 'close']).stdout.split(
      '\n',
    )[0];
    expect(Number(line.trim().split(' ')[0])).toBeCloseTo(close.ts - firstPacket, 6);
    expect(close.ts - firstPacket).toBeGreaterThan(0.001);
    // the connection line is filtered out, but its addresses still lead each line
    expect(line).toMatch(/^\s+[\d.]+ \[2\] 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ #9 close /);
  });

  it('filters: --opcode, --dir, --grep, --conn, --errors', () => {
    // The generator's record of interleaved.pcap: 3 connections, each 4 text messages echoed
    // and a close each way, every message one frame. Each filter must give exactly its frames.
    const truth = JSON.parse(readFileSync(fixture('interleaved.pcap.expected.json'), 'utf8')) as {
      connections: {
        messages: { dir: string; opcode: number; fragments?: number; text?: string; closeReason?: string }[];
      }[];
    };
    const sent = truth.connections.flatMap((c, i) =>
      c.messages.map((m) => ({ conn: i + 1, dir: m.dir, opcode: m.opcode, text: m.text ?? m.closeReason })),
    );
    expect(truth.connections.flatMap((c) => c.messages.map((m) => m.fragments ?? 1))).toEqual(sent.map(() => 1));
    const key = (f: { conn: number; dir: string; opcode: number; text?: string; closeReason?: string }) =>
      `${f.conn} ${f.dir} ${f.opcode} ${f.text ?? f.closeReason}`;
    const frames = (args: string[], stderr = '') => {
      const r = runCli([fixture('interleaved.pcap'), '--json', ...args]);
      expect([r.status, r.stderr]).toEqual([0, stderr]);
      return jsonLines(r.stdout)
        .filter((e) => e.type === 'frame')
        .map(key)
        .sort();
    };
    const want = (keep: (m: (typeof sent)[number]) => boolean) => sent.filter(keep).map(key).sort();
    const all = frames([]);
    expect(all).toEqual(want(() => true));
    expect(all).toHaveLength(30);
    const close = frames(['--opcode', 'close']);
    expect([close.length, close]).toEqual([6, want((m) => m.opcode === 8)]);
    const s2c = frames(['--dir', 's2c']);
    expect([s2c.length, s2c]).toEqual([15, want((m) => m.dir === 's2c')]);
    const conn2 = frames(['--conn', '2']);
    expect([conn2.length, conn2]).toEqual([10, want((m) => m.conn === 2)]);
    // Text frames and close reasons, anchored: round 1 and 3 texts of client 2, both ways.
    const rounds = frames(['--grep', '^client 2 round [13] ']);
    expect([rounds.length, rounds]).toEqual([4, want((m) => m.opcode === 1 && /^client 2 round [13] /.test(m.text!))]);
    const reasons = frames(['--grep', 'leaves$']);
    expect([reasons.length, reasons]).toEqual([6, want((m) => m.opcode === 8)]);
    // A clean capture has no frame with a diagnostic (the full listing above is not empty).
    // An empty result says why on stderr (and stays exit 0).
    expect(frames(['--errors'], 'wsinspect: no frame matched the filters (--errors); 30 frames were read\n')).toEqual(
      [],
    );
    expect(runCli([fixture('plain.pcap'), '--opcode', 'bogus']).status).toBe(2);
    expect(runCli([fixture('plain.pcap'), '--grep', '(']).stderr).toMatch(/--grep: not a valid regular expression/);
  }, 30_000);

  it('list options (--conn, --opcode, --decode-as) take commas or repeats, and never swallow the file after them', () => {
    const conns = (args: string[]) => [
      ...new Set(
        jsonLines(runCli([...args, '--json']).stdout)
          .filter((e) => e.type === 'frame')
          .map((f) => f.conn),
      ),
    ];
    expect(conns(['--conn', '2', fixture('interleaved.pcap')])).toEqual([2]);
    expect(conns(['--conn', '1,3', fixture('interleaved.pcap')])).toEqual([1, 3]);
    expect(conns([fixture('interleaved.pcap'), '--conn', '3', '--conn', '1'])).toEqual([1, 3]);
    const opcodes = jsonLines(
      runCli(['--opcode', 'ping,close', '--opcode', 'pong', fixture('ping-pong.pcap'), '--json']).stdout,
    )
      .filter((e) => e.type === 'frame')
      .map((f) => f.opcode);
    // ping-pong.pcap: 3 pings each answered by a pong, and a close each way
    expect(opcodes.sort((a, b) => a - b)).toEqual([8, 8, 9, 9, 9, 10, 10, 10]);
    // the mid-stream fixture's server port, forced (the heuristics find it anyway: the diagnostic says forced)
    const port = String(jsonLines(runCli([fixture('midstream.pcap'), '--json']).stdout)[0].server.split(':')[1]);
    const forced = runCli(['--decode-as', `9,${port}`, fixture('midstream.pcap'), '--no-color']);
    expect([forced.status, forced.stdout]).toEqual([0, expect.stringContaining('forced by --decode-as')]);
    // a list item that is not a number is named as typed, exit 2
    expect(runCli([fixture('plain.pcap'), '--conn', '2,x'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--conn: "x" is not a connection number'),
    });
    expect(runCli(['--decode-as', '70000', fixture('plain.pcap')])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--decode-as: "70000" is not a TCP port'),
    });
    // a space-separated list is no longer one: the extra number is an argument of its own
    expect(runCli([fixture('plain.pcap'), '--conn', '1', '2']).status).toBe(2);
  }, 30_000);

  it('an empty list value (--conn \'\', --opcode \'\', --decode-as ,) is a usage error, not "all" or "none"', () => {
    // --conn '' listed every connection and --opcode '' matched nothing: the same empty value, opposite meanings
    for (const [option, value, error] of [
      ['--conn', '', '--conn: "" is not a connection number (1, 2, …)'],
      ['--conn', ' , ', '--conn: "" is not a connection number (1, 2, …)'],
      [
        '--opcode',
        '',
        '--opcode: unknown frame type "" (one of text, binary, continuation, close, ping, pong, control, data, reserved)',
      ],
      ['--decode-as', ',', '--decode-as: "" is not a TCP port (1-65535)'],
    ]) {
      const r = runCli([fixture('interleaved.pcap'), option, value]);
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `wsinspect: ${error}\n`]);
    }
    const proxy = runCli(['proxy', '--listen', '127.0.0.1:0', '--conn', '']);
    expect([proxy.status, proxy.stderr]).toEqual([2, 'wsinspect: --conn: "" is not a connection number (1, 2, …)\n']);
    // an empty item beside real ones is only a stray comma
    expect(runCli([fixture('interleaved.pcap'), '--conn', '2,', '--json']).status).toBe(0);
  });

  it('--stats with --conn summarises only those connections; a filter of frames is refused', () => {
    const stats = jsonLines(runCli([fixture('interleaved.pcap'), '--stats', '--json', '--conn', '2,3']).stdout);
    expect(stats.map((s) => [s.type, s.conn])).toEqual([
      ['stats', 2],
      ['stats', 3],
    ]);
    for (const filter of [['--opcode', 'text'], ['--dir', 'c2s'], ['--grep', 'a'], ['--errors']]) {
      const r = runCli([fixture('interleaved.pcap'), '--stats', ...filter]);
      expect([r.status, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toContain(`${filter[0]} selects frames, but --stats summarises whole connections`);
    }
  });

  it('--messages shows reassembled messages with their frames', () => {
    const out = runCli([fixture('fragmented.pcap'), '--messages', '--no-color']).stdout;
    expect(out).toContain('text message from 3 fragments (frames #1–#3), 28 B: "frag-one frag-two frag-three"');
    expect(out).not.toMatch(/#1 text/);
  });

  it('--stats: per-connection figures, also as JSON', () => {
    const text = runCli([fixture('ping-pong.pcap'), '--stats', '--no-color']).stdout;
    expect(text).toMatch(/round trips {2}3 ping→pong: min [\d.]+ ms/);
    expect(text).toContain('closed by the client with 1000, echoed by the peer');
    const [stats] = jsonLines(runCli([fixture('ping-pong.pcap'), '--stats', '--json']).stdout);
    expect(stats).toMatchObject({
      type: 'stats',
      conn: 1,
      closedBy: 'c2s',
      closeEchoed: true,
      endReason: 'close-handshake',
      abnormalClose: false,
    });
    expect(stats.pingRtts).toHaveLength(3);
  });

  it('reads stdin with - and gives the same events as the file', () => {
    const bytes = readFileSync(fixture('plain.pcapng'));
    expect(runCli(['-', '--json'], { input: bytes }).stdout).toBe(runCli([fixture('plain.pcapng'), '--json']).stdout);
  });

  it('a file that is not a capture: one line, exit 2; a truncated capture decodes up to the cut', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-'));
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, this is not a capture\n');
    const r = runCli([text]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^wsinspect: /);
    const whole = readFileSync(fixture('plain.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const events = jsonLines(runCli([cut, '--json']).stdout);
    expect(events.some((e) => e.type === 'diagnostic' && e.code === 'capture.truncated')).toBe(true);
    expect(events.filter((e) => e.type === 'frame').length).toBeGreaterThan(5);
    expect(runCli([join(dir, 'missing.pcap')]).stderr).toMatch(/^wsinspect: cannot read/);
  });
});

describe('the one-line listing (issue 17)', () => {
  const cutCapture = (cut: number): string => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-'));
    const whole = readFileSync(fixture('lengths.pcap'));
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, whole.subarray(0, whole.length - cut));
    return path;
  };

  it('a frame line names what is wrong; --errors adds each message on the next line', () => {
    // cut inside frame #9's packets: the frame ends at end of input, truncated
    const cut = cutCapture(2000);
    const listing = runCli([cut, '--no-color']).stdout.split('\n');
    const frame = listing.find((l) => l.includes('#9 binary'));
    expect(frame).toMatch(/ {2}✖ frame\.truncated$/);
    const errors = runCli([cut, '--no-color', '--errors']).stdout.split('\n');
    const at = errors.findIndex((l) => l.includes('#9 binary'));
    expect(errors[at]).toMatch(/ {2}✖ frame\.truncated$/);
    expect(errors[at + 1]).toBe(
      '  ✖ error   frame.truncated  input ended inside the frame: 47602 of 70000 payload bytes present',
    );
    // without --errors, no message line follows
    expect(listing[listing.indexOf(frame!) + 1]).not.toMatch(/^ {2}✖ error/);
  });

  it('a truncated capture shows a time on every line: the cut record takes the last packet read', () => {
    const lines = runCli([cutCapture(200), '--no-color'])
      .stdout.trimEnd()
      .split('\n');
    const truncated = lines.find((l) => l.includes('capture.truncated'));
    expect(truncated).toMatch(/^ +\d+\.\d{6} ✖ error   capture\.truncated /);
    expect(lines.filter((l) => /^ +- /.test(l))).toEqual([]);
    const json = jsonLines(runCli([cutCapture(200), '--json']).stdout);
    const d = json.find((e) => e.type === 'diagnostic' && e.code === 'capture.truncated');
    expect(typeof d.ts).toBe('number');
  });

  it('--max-payload below the preview room shortens the preview too', () => {
    const lines = runCli([fixture('plain.pcap'), '--no-color', '--max-payload', '4']).stdout.split('\n');
    expect(lines.find((l) => l.includes('#1 text'))).toMatch(/ "hel…"$/);
    expect(lines.find((l) => l.includes('#4 binary'))).toMatch(/ fd 44 63 7f …$/);
    const full = runCli([fixture('plain.pcap'), '--no-color']).stdout.split('\n');
    expect(full.find((l) => l.includes('#1 text'))).toMatch(/ "hello"$/);
  });
});

describe('--grep in any case', () => {
  it("'(?i)' before the pattern, or -i, matches upper and lower case alike", () => {
    const texts = (args: string[]) =>
      jsonLines(runCli([fixture('plain.pcap'), '--json', ...args]).stdout)
        .filter((e) => e.type === 'frame')
        .map((e) => e.text);
    expect(texts(['--grep', 'HELLO'])).toEqual([]);
    expect(texts(['--grep', '(?i)HELLO'])).toEqual(['hello', 'hello']);
    expect(texts(['-i', '--grep', 'HeLLo'])).toEqual(['hello', 'hello']);
    expect(texts(['--ignore-case', '--grep', 'ΚΑΛΗΜΈΡΑ'])).toEqual(['καλημέρα ✓', 'καλημέρα ✓']);
  });
});
