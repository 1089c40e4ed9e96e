// -Y/--filter as a user meets it: one error line with the position and a suggestion, exit
// status 2, for every command that takes it (and before the proxy listens); --stats refused;
// the empty-result hint names it; AND with the other filters; --messages matched on message
// fields; --json, -V, stdin and --threads 2 show the same selection; the proxy shows only
// what matches and relays everything.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ROOT, runCli } from '../helpers/cli-run.js';
import { interrupt, startCli, startProxyCli, stdoutShows } from './proxy-cli.js';

const fixture = (name: string): string => join(ROOT, 'fixtures', name);
/** The "conn#index" of each frame line of a one-line listing. */
const frameLines = (stdout: string): string[] =>
  stdout
    .split('\n')
    .map((l) => /^\s+[\d.]+ \[(\d+)\] \S+ → \S+ #(\d+) /.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]}#${m[2]}`);

describe('a bad expression: one line, exit status 2', () => {
  it('wsinspect FILE -Y: the position and "did you mean"', () => {
    const r = runCli([fixture('plain.pcap'), '-Y', 'websocket.opcod == 1']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('wsinspect: -Y: unknown field "websocket.opcod" at 1 — did you mean websocket.opcode?\n');
  });

  it('--filter is the same option', () => {
    const r = runCli([fixture('plain.pcap'), '--filter', 'len > 3 && opcode == txt']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'wsinspect: -Y: "txt" is not an opcode (0-15 or continuation, text, binary, close, ping, pong) at 22 — did you mean text?\n',
    );
  });

  it('with --threads 2 as with one thread, and before the file is read', () => {
    const r = runCli(['/nonexistent.pcap', '-Y', '(len > 3', '--threads', '2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('wsinspect: -Y: expected ")" (for the "(" at 1), found the end at 9\n');
  });

  it('hex -Y', () => {
    const r = runCli(['hex', '-Y', 'len >', '81', '05', '48', '65', '6c', '6c', '6f']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('wsinspect: -Y: expected a value for len at 6\n');
  });

  it('proxy -Y: refused before it listens', async () => {
    const cli = startCli(['proxy', '--listen', '127.0.0.1:0', '--target', 'ws://127.0.0.1:1', '-Y', 'dir == up']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe('wsinspect: -Y: "up" is not a direction (c2s or s2c) at 8\n');
  });

  it('--stats with -Y is refused, saying why', () => {
    const r = runCli([fixture('plain.pcap'), '--stats', '-Y', 'opcode == text']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'wsinspect: -Y selects frames, but --stats summarises whole connections: choose them with --conn\n',
    );
  });
});

describe('what -Y shows', () => {
  it('only the matching frames; an empty result says which filter matched nothing', () => {
    const r = runCli([fixture('plain.pcap'), '-Y', 'opcode == text && len > 10']);
    expect(r.status).toBe(0);
    expect(frameLines(r.stdout)).toEqual(['1#5', '1#6', '1#9', '1#10']);
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(4);
    const none = runCli([fixture('plain.pcap'), '-Y', 'len > 1000']);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('wsinspect: no frame matched the filters (-Y "len > 1000"); 12 frames were read\n');
  });

  it('combines with --dir, --opcode, --grep, --conn and --errors by AND', () => {
    expect(frameLines(runCli([fixture('plain.pcap'), '-Y', 'len > 10', '--dir', 'c2s']).stdout)).toEqual([
      '1#3',
      '1#5',
      '1#9',
    ]);
    expect(frameLines(runCli([fixture('plain.pcap'), '-Y', 'len > 10', '--opcode', 'binary']).stdout)).toEqual([
      '1#3',
      '1#4',
    ]);
    expect(frameLines(runCli([fixture('plain.pcap'), '-Y', 's2c', '--grep', 'καλη']).stdout)).toEqual(['1#10']);
    expect(frameLines(runCli([fixture('interleaved.pcap'), '-Y', 'opcode == close', '--conn', '2']).stdout)).toEqual([
      '2#9',
      '2#10',
    ]);
    const r = runCli([fixture('plain.pcap'), '-Y', 'len > 10', '--errors']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('wsinspect: no frame matched the filters (--errors -Y "len > 10"); 12 frames were read\n');
  });

  it('--messages: messages are matched on message fields (the text of all fragments)', () => {
    const r = runCli([fixture('fragmented.pcap'), '--messages', '-Y', 'text contains "frag-two" && fin']);
    expect(r.stdout).toBe(
      '   0.059913 [1] 127.0.0.1:37696 → 127.0.0.1:18086 text message from 3 fragments (frames #1–#3), 28 B: "frag-one frag-two frag-three"\n' +
        '   0.060920 [1] 127.0.0.1:18086 → 127.0.0.1:37696 text message from 1 frame (frame #4), 28 B: "frag-one frag-two frag-three"\n',
    );
    // a message's len is its data after inflation: 649 B from 76 B on the wire
    const inflated = runCli([fixture('fragmented.pcap'), '--messages', '-Y', 'compressed && len > 600']);
    expect(inflated.stdout).toMatch(
      /^ +[\d.]+ \[1\] \S+ → \S+ text message from 3 fragments \(frames #8–#10\), 76 B compressed → 649 B: /,
    );
    expect(inflated.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it('--json: the same frames, as NDJSON', () => {
    const r = runCli([fixture('plain.pcap'), '--json', '-Y', 'websocket.opcode == 8']);
    const lines = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { type: string; index: number; closeCode: number });
    expect(lines.map((l) => [l.type, l.index, l.closeCode])).toEqual([
      ['frame', 11, 1000],
      ['frame', 12, 1000],
    ]);
  });

  it('-V: the full view of the matching frames only', () => {
    const r = runCli([fixture('ping-pong.pcap'), '-V', '-Y', 'opcode == ping && len == 0']);
    // one frame: its summary line, one rule, one drawing
    expect(r.stdout.split('\n')[0]).toBe('   0.063685 [1] 127.0.0.1:18090 → 127.0.0.1:51420 #3 ping FIN 0 bytes');
    expect(r.stdout.match(/^─+$/gm)).toHaveLength(1);
    expect(r.stdout.match(/^← #3 ping FIN 0 bytes$/gm)).toHaveLength(1);
    expect(r.stdout).not.toContain('#1 ping');
    expect(r.stdout).not.toContain('pong');
  });

  it('stdin (-) as a file', () => {
    const r = runCli(['-', '-Y', 'tcp.srcport == 45616 && index < 5'], {
      input: readFileSync(fixture('interleaved.pcap')),
    });
    expect(frameLines(r.stdout)).toEqual(['3#1', '3#3']);
  });

  it('--threads 2 prints the same bytes as one thread (each worker compiles the filter)', () => {
    const args = [
      fixture('interleaved.pcap'),
      '-Y',
      'dir == c2s && (conn == 1 || text contains "round 3") && handshake.path && time > 0.063',
    ];
    const one = runCli([...args, '--threads', '1']);
    const two = runCli([...args, '--threads', '2']);
    // workers learn the handshakes and the first packet's time as one thread does
    expect(frameLines(one.stdout)).toEqual(['1#3', '1#5', '2#5', '3#5', '1#7', '1#9']);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toBe(one.stderr);
  });

  it('a HAR recording: messages matched on message fields and the handshake; times as without -Y', () => {
    const r = runCli([fixture('chromium.har'), '-Y', 's2c && json.op == "subscribe"']);
    expect(r.stdout).toBe(
      '   0.112166 [1] 127.0.0.1:36719 → client text message, 40 B: "{"op":"subscribe","topic":"ticks","n":1}"\n',
    );
    const sent = runCli([fixture('chromium.har'), '-Y', 'handshake.path contains "room=1" && c2s && opcode == text']);
    expect(sent.stdout.split('\n').filter((l) => l !== '')).toHaveLength(3);
  });

  it('hex -Y draws only the matching frames', () => {
    const r = runCli(['hex', '-s', '-Y', 'opcode == ping', '81', '05', '48', '65', '6c', '6c', '6f', '89', '00']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('#2 ping FIN 0 bytes');
    expect(r.stdout).not.toContain('#1 text');
  });
});

describe('wsinspect proxy -Y', () => {
  it('shows only what matches; every message still passes both ways', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    await new Promise((resolve) => server.once('listening', resolve));
    const target = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
    const proxy = await startProxyCli(['--target', target, '-s', '-Y', 'c2s && json.op == "subscribe"']);
    try {
      const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/`);
      const received: string[] = [];
      const sent = ['{"op":"ping"}', '{"op":"subscribe","topic":"a"}', 'not json', '{"op":"subscribe","topic":"b"}'];
      await new Promise<void>((resolve, reject) => {
        client.on('error', reject);
        client.on('open', () => {
          for (const m of sent) client.send(m);
        });
        client.on('message', (data) => {
          received.push(String(data));
          if (received.length === sent.length) resolve();
        });
      });
      expect(received).toEqual(sent);
      await stdoutShows(proxy, (out) => out.includes('"topic":"b"'), 'the second subscribe');
      client.close();
      expect(await interrupt(proxy)).toBe(0);
      const lines = proxy
        .stdout()
        .split('\n')
        .filter((l) => l !== '');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^ +[\d.]+ \[1\] 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ #\d+ text FIN 30 bytes masked [0-9a-f]{8} /,
      );
      expect(lines[0]).toContain('"topic":"a"');
      // times count from the connection (hidden under -Y), as without -Y: not 0 at the first line shown
      expect(Number(lines[0].trim().split(' ')[0])).toBeGreaterThan(0);
      expect(lines[1]).toContain('"topic":"b"');
    } finally {
      proxy.child.kill('SIGKILL');
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
