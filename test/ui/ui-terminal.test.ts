// `wsinspect ui FILE` in a real pseudo-terminal (tmux): keys in with send-keys, the screen read
// back with capture-pane, as a user would see it. Each test waits for what must show (no
// fixed sleeps), so a loaded machine only makes it slower.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import { ROOT, runCli } from '../helpers/cli-run.js';
import { Term } from '../helpers/tmux.js';
import { describeWithTool, itWithTool } from '../helpers/tools.js';

const BIN = join(ROOT, 'bin', 'wsinspect.js');
const TIMEOUT = 240_000;
const terms: Term[] = [];
const dir = mkdtempSync(join(tmpdir(), 'wsinspect-ui-'));

function open(args: string[], opts: { width?: number; height?: number; env?: Record<string, string> } = {}): Term {
  const t = new Term([process.execPath, BIN, 'ui', ...args], {
    cwd: ROOT,
    width: opts.width,
    height: opts.height,
    // each run its own index cache (a saved index would open instead of indexing), unless the test names one
    env: { TERM: 'xterm-256color', WSINSPECT_CACHE_DIR: join(dir, `cache-${terms.length}`), ...opts.env },
  });
  terms.push(t);
  return t;
}

afterEach(() => {
  for (const t of terms.splice(0)) t.kill();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The line of the screen that holds `text`. */
const lineWith = (screen: string, text: string): string => screen.split('\n').find((l) => l.includes(text)) ?? '';

describeWithTool('tmux', 'wsinspect ui in a terminal', () => {
  // the same session over the store that keeps events in memory and over the file's compact index
  for (const store of ['memory', 'index'] as const)
    itWithTool(
      'tmux',
      `${store} store: browses a capture: move, detail with the field under the cursor highlighted in hex, messages, filter, search, save, follow, help, quit`,
      async () => {
        const t = open([...(store === 'index' ? ['--index'] : []), 'fixtures/plain.pcap'], { env: { NO_COLOR: '1' } });
        let s = await t.waitFor('frames 1/12');
        expect(s).toContain('Frames');
        // the index store decodes previews after the first draw
        s = await t.waitFor('hello');
        await t.waitFor('→ #1 text FIN 5 bytes masked');
        // the detail cursor starts on the first field (FIN…opcode: byte 0): bracketed in the hex pane
        s = await t.waitFor('Detail — FIN RSV1-3 opcode');
        expect(s).toMatch(/0000\s*\[81\]85 /);

        // move to frame 3 (binary), then into the detail pane: its cursor walks the fields
        t.keys('j');
        await t.waitFor('frames 2/12');
        t.keys('j');
        s = await t.waitFor(/→ #3 binary FIN 20 bytes masked/);
        expect(s).toContain('frames 3/12');
        t.keys('Enter');
        await t.waitFor('▶ Detail');
        for (let i = 0; i < 5; i++) t.keys('j');
        // FIN RSV1 RSV2 RSV3 opcode → MASK: byte 1
        s = await t.waitFor('Detail — MASK payload len');
        expect(s).toMatch(/0000 82\[94\]36 3e/);
        t.keys('j', 'j');
        s = await t.waitFor('Detail — masking key');
        expect(s).toMatch(/82 94\[36 3e d3 e6\]/);
        t.keys('j');
        s = await t.waitFor('Detail — payload (masked, as on the wire)');
        expect(s).toMatch(/d3 e6\[cb 7a/);

        // back to the list; messages
        t.keys('Escape');
        await t.waitFor((x) => !x.includes('▶ Detail'));
        t.keys('m');
        s = await t.waitFor('messages 1/10');
        expect(s).toContain('Messages');
        // the detail is decoded after the list is drawn
        await t.waitFor('text message from 1 frame');
        t.keys('m');
        await t.waitFor('frames 1/12');

        // a display filter, checked as typed: an invalid one is refused with its error…
        t.keys('/');
        await t.waitFor('display filter:');
        t.type('opcode = 1');
        s = await t.waitFor('is not an operator');
        expect(lineWith(s, 'display filter:')).toContain('did you mean ==?');
        t.keys('Enter');
        s = await t.waitFor((x) => !x.includes('display filter:'));
        expect(s).toContain('frames 1/12');
        // … a valid one applies on Enter
        t.keys('/');
        await t.waitFor('display filter:');
        t.type('opcode == binary');
        await t.waitFor((x) => lineWith(x, 'display filter:').includes('opcode == binary') && !x.includes('✖'));
        t.keys('Enter');
        s = await t.waitFor('frames 1/2');
        expect(s).toContain('filter: opcode == binary');
        expect(s).toContain('Frames (filtered)');
        // Esc cancels an edit; an empty filter clears it
        t.keys('/');
        await t.waitFor('display filter: opcode == binary');
        t.keys('C-u');
        t.type('opcode == text');
        await t.waitFor('display filter: opcode == text');
        t.keys('Escape');
        s = await t.waitFor((x) => !x.includes('display filter:'));
        expect(s).toContain('frames 1/2');
        t.keys('/');
        await t.waitFor('display filter: opcode == binary');
        t.keys('C-u');
        await t.waitFor((x) => !x.includes('display filter: opcode'));
        t.keys('Enter');
        await t.waitFor('frames 1/12');

        // search: text, then the next match with n
        t.keys('C-f');
        await t.waitFor('search (text, or 0x… bytes):');
        t.type('gamma');
        t.keys('Enter');
        s = await t.waitFor('match at row 5');
        expect(s).toContain('frames 5/12');
        t.keys('n');
        await t.waitFor('match at row 6');
        t.keys('C-f');
        await t.waitFor('search (text, or 0x… bytes): gamma');
        t.keys('C-u');
        t.type('0x7f 0d ca');
        t.keys('Enter');
        s = await t.waitFor('no further match');
        t.keys('N');
        s = await t.waitFor('match at row 4');

        // save the payload of frame 4 (binary): raw bytes, then a hex dump, then JSON
        t.keys('s');
        await t.waitFor('save payload to');
        const raw = join(dir, 'frame4.bin');
        t.keys('C-u');
        t.type(raw);
        t.keys('Enter');
        s = await t.waitFor('wrote 20 bytes (raw bytes)');
        expect(s.replace(/\s+/g, '')).toContain(raw.replace(/\s+/g, ''));
        expect(Buffer.from(readFileSync(raw)).toString('hex')).toBe('fd44637f0dca9af465b5e35211064e06f122500b');
        t.keys('s');
        await t.waitFor('save payload to');
        t.keys('C-u');
        t.type(join(dir, 'frame4.hex'));
        t.keys('Enter');
        await t.waitFor('wrote 20 bytes (hex dump)');
        expect(readFileSync(join(dir, 'frame4.hex'), 'utf8')).toBe(
          '0000  fd 44 63 7f 0d ca 9a f4  65 b5 e3 52 11 06 4e 06  |.Dc.....e..R..N.|\n' +
            '0010  f1 22 50 0b                                       |."P.|\n',
        );
        t.keys('s');
        await t.waitFor('save payload to');
        t.keys('C-u');
        t.type(join(dir, 'frame4.json'));
        t.keys('Enter');
        await t.waitFor('wrote 20 bytes (JSON)');
        expect(JSON.parse(readFileSync(join(dir, 'frame4.json'), 'utf8'))).toEqual({
          conn: 1,
          dir: 's2c',
          index: 4,
          opcode: 2,
          length: 20,
          hex: 'fd44637f0dca9af465b5e35211064e06f122500b',
        });

        // g / G, follow
        t.keys('g');
        await t.waitFor('frames 1/12');
        t.keys('f');
        s = await t.waitFor('frames 12/12');
        expect(s).toMatch(/│ follow/);
        t.keys('f');
        await t.waitFor((x) => !/│ follow/.test(x));

        // help lists the keys
        t.keys('?');
        s = await t.waitFor('Keys (Esc closes)');
        for (const k of ['ctrl-f', 'PgUp PgDn', 'follow', 'frames ↔ messages', 'conversation', 'save'])
          expect(s).toContain(k);
        t.keys('Escape');
        await t.waitFor((x) => !x.includes('Keys (Esc closes)'));

        // NO_COLOR: not one escape sequence on the screen
        expect(t.screen(true)).not.toContain('\x1b');

        // quitting gives the terminal back: main screen, cursor shown
        expect(t.format('#{alternate_on}')).toBe('1');
        t.keys('q');
        await t.waitFor('EXITED 0');
        expect(t.format('#{alternate_on}')).toBe('0');
        expect(t.format('#{cursor_flag}')).toBe('1');
        expect(t.format('#{mouse_sgr_flag}')).toBe('0');
        expect(t.format('#{mouse_standard_flag}')).toBe('0');
      },
      TIMEOUT,
    );

  itWithTool(
    'tmux',
    'mouse clicks and wheel; picks a connection, shows a conversation, and reflows on resize (stacked below 100 columns)',
    async () => {
      const t = open(['fixtures/interleaved.pcap']);
      let s = await t.waitFor('frames 1/30');
      expect(s).toContain('30 frames, 24 messages, 3 conns');
      // the mouse, as a terminal reports it (SGR): a click on the 5th row, the wheel down
      expect(t.format('#{mouse_sgr_flag}')).toBe('1');
      t.type('\x1b[<0;10;6M\x1b[<0;10;6m');
      await t.waitFor('frames 5/30');
      t.type('\x1b[<65;10;6M');
      await t.waitFor('frames 8/30');
      t.keys('c');
      s = await t.waitFor('Connections (Enter picks, Esc closes)');
      expect(s).toContain('all connections');
      expect(s).toMatch(
        /\[2\] 127\.0\.0\.1:\d+ → 127\.0\.0\.1:18096\s+10 frames, 8 messages, ended \(close-handshake\)/,
      );
      t.keys('j');
      t.keys('j');
      t.keys('Enter');
      s = await t.waitFor('Frames of connection 2');
      expect(s).toContain('frames 1/10');
      expect(s).not.toMatch(/\[[13]\] [→←] #/);
      t.keys('v');
      s = await t.waitFor('Conversation on connection 2');
      expect(s).toContain('┌ client');
      expect(s).toMatch(/server .* ┐/);
      // client bubbles on the left, server ones pushed right
      const client = s.split('\n').find((l) => l.includes('┌ client'))!;
      const server = s.split('\n').find((l) => l.includes('server ') && l.includes('┐'))!;
      expect(client.indexOf('┌')).toBeLessThan(5);
      expect(server.indexOf('server')).toBeGreaterThan(40);
      t.keys('Escape');
      await t.waitFor('Frames of connection 2');
      // back to all connections
      t.keys('c');
      await t.waitFor('Connections (Enter picks');
      // a click on "all connections" (the line under the title)
      t.type('\x1b[<0;5;2M');
      s = await t.waitFor('frames 1/30');
      expect(s).toContain('all connections');

      // wide: list and detail side by side on the first line
      expect(lineWith(s, ' Frames')).toContain('Detail');
      t.resize(80, 40);
      s = await t.waitFor((x) => !lineWith(x, ' Frames').includes('Detail') && /^\S* ?Detail/m.test(x));
      const lines = s.split('\n');
      const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
      expect(at(/^ Frames/)).toBeLessThan(at(/^▶? ?Detail/));
      expect(at(/^▶? ?Detail/)).toBeLessThan(at(/^ Hex/));
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
      t.resize(120, 40);
      await t.waitFor((x) => lineWith(x, ' Frames').includes('Detail'));
      t.keys('q');
      await t.waitFor('EXITED 0');
    },
    TIMEOUT,
  );

  itWithTool(
    'tmux',
    'an indexed capture opens from its saved index the second time (the cache directory of WSINSPECT_CACHE_DIR)',
    async () => {
      const env = { NO_COLOR: '1', WSINSPECT_CACHE_DIR: join(dir, 'shared-cache') };
      const first = open(['--index', 'fixtures/interleaved.pcap'], { env });
      let s = await first.waitFor(/frames 1\/\d+/);
      expect(s).not.toContain('opened from the index saved');
      // the index is saved once indexing ended
      const saved = join(dir, 'shared-cache', 'index');
      for (let i = 0; i < 600 && !(existsSync(saved) && readdirSync(saved).some((n) => n.endsWith('.wsidx'))); i++)
        await new Promise((r) => setTimeout(r, 50));
      first.keys('q');
      await first.waitFor('EXITED 0');
      const second = open(['--index', 'fixtures/interleaved.pcap'], { env });
      s = await second.waitFor('opened from the index saved');
      expect(s).toMatch(/frames 1\/\d+/);
      second.keys('q');
      await second.waitFor('EXITED 0');
    },
    TIMEOUT,
  );

  itWithTool(
    'tmux',
    'a HAR opens on its messages; wire text with ESC, BEL and C1 is shown escaped, JSON pretty-printed',
    async () => {
      const har = join(dir, 'hostile.har');
      writeFileSync(har, hostileHar());
      const t = open([har]);
      let s = await t.waitFor('messages 1/3');
      expect(s).toContain('Messages');
      // the list line and the detail: escapes, never the raw control characters
      s = await t.waitFor('\\x1b[31mRED\\x07');
      expect(s).toContain('\\x1b[31mRED\\x07\\x9b2J');
      const raw = t.screen(true);
      expect(raw).not.toContain('\x1b[31mRED');
      expect(raw).not.toContain('\x07');
      expect(raw).not.toContain('\x9b');
      expect(raw).not.toContain('\u009b');
      t.keys('j');
      s = await t.waitFor('messages 2/3');
      s = await t.waitFor('(JSON, pretty-printed)');
      expect(s).toMatch(/^\s.*\s{4}"id": 7,/m);
      // JSON allows C1 and bidi controls raw in strings: the pretty-printed text escapes them too
      expect(s).toMatch(/^\s.*\s{4}"title": "\\u\{202e\}evil\\x9b2J",/m);
      expect(t.screen(true)).not.toMatch(/[\u009b\u202e\x07]/);
      t.keys('q');
      await t.waitFor('EXITED 0');
    },
    TIMEOUT,
  );

  itWithTool(
    'tmux',
    'draws the screen the README shows',
    async () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const block = /captured from a 116×30 terminal with `tmux capture-pane`:\n\n```text\n([\s\S]*?)\n```/.exec(
        readme,
      );
      expect(block).not.toBeNull();
      const t = open(['fixtures/plain.pcap'], { width: 116, height: 30, env: { NO_COLOR: '1' } });
      await t.waitFor('frames 1/12');
      await t.waitFor('→ #1 text FIN');
      t.keys('j');
      await t.waitFor('frames 2/12');
      t.keys('j');
      await t.waitFor('frames 3/12');
      t.keys('Enter');
      await t.waitFor('▶ Detail');
      for (let i = 0; i < 7; i++) t.keys('j');
      await t.waitFor('Detail — masking key');
      const shown = await t.waitFor((x) => x.includes('»    Masking-key'));
      const trim = (x: string) =>
        x
          .split('\n')
          .map((l) => l.trimEnd())
          .join('\n')
          .trimEnd();
      expect(trim(shown)).toBe(trim(block![1]));
    },
    TIMEOUT,
  );

  itWithTool(
    'tmux',
    'follow keeps the newest row in view while rows arrive',
    async () => {
      const pidFile = join(dir, 'feed.pid');
      const t = new Term(
        [process.execPath, join(ROOT, 'test', 'ui', 'live-feed.mjs'), 'fixtures/interleaved.pcap', pidFile],
        {
          cwd: ROOT,
          env: { NO_COLOR: '1' },
        },
      );
      terms.push(t);
      const first = await t.waitFor(/frames 1\/\d+ │/);
      const n = Number(/frames 1\/(\d+) │/.exec(first)![1]);
      expect(n).toBeLessThan(30);
      expect(first).toContain('reading…');
      t.keys('f');
      let s = await t.waitFor(`frames ${n}/${n} │`);
      expect(s).toMatch(/│ follow/);
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGUSR2');
      // while rows arrive the cursor stays on the newest one, and the list scrolls to it
      s = await t.waitFor('frames 30/30 │');
      expect(s).toMatch(/^ >\s+30 /m);
      t.keys('f');
      await t.waitFor((x) => !/│ follow/.test(x));
      t.keys('q');
      await t.waitFor('EXITED 0');
    },
    TIMEOUT,
  );

  itWithTool(
    'tmux',
    'SIGTERM gives the terminal back too',
    async () => {
      const pidFile = join(dir, 'ui.pid');
      const t = new Term(
        ['sh', '-c', `echo $$ > ${pidFile}; exec "$0" "$@"`, process.execPath, BIN, 'ui', 'fixtures/plain.pcap'],
        {
          cwd: ROOT,
        },
      );
      terms.push(t);
      await t.waitFor('frames 1/12');
      expect(t.format('#{alternate_on}')).toBe('1');
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
      await t.waitFor('EXITED 143');
      expect(t.format('#{alternate_on}')).toBe('0');
      expect(t.format('#{cursor_flag}')).toBe('1');
    },
    TIMEOUT,
  );

  itWithTool(
    'tmux',
    'an empty frame list says why: a filter on fields only messages have, a recording without frames',
    async () => {
      // wide enough that the reason is one line
      const t = open(['fixtures/views/jsonrpc.pcap', '-Y', 'jsonrpc.error'], { width: 200, env: { NO_COLOR: '1' } });
      let s = await t.waitFor('Frames (filtered)');
      s = await t.waitFor('of messages (m lists them)');
      expect(s).toContain('no frame matches the filter: jsonrpc.error is a field');
      t.keys('m');
      s = await t.waitFor('messages 1/1');
      expect(s).toContain('-32601 Method not found');
      const har = open(['fixtures/chromium.har'], { width: 200, env: { NO_COLOR: '1' } });
      await har.waitFor('messages 1/10');
      har.keys('m');
      s = await har.waitFor('no frames: a recording holds messages, not frames (m lists them)');
    },
    TIMEOUT,
  );

  itWithTool(
    'tmux',
    'a bad file: the one line `wsinspect FILE` prints, exit 2, the terminal untouched',
    async () => {
      const t = open(['no-such-capture.pcap']);
      const s = await t.waitFor('EXITED 2');
      const direct = runCli(['no-such-capture.pcap']);
      expect(direct.status).toBe(2);
      expect(s).toContain(direct.stderr.trim());
      expect(t.format('#{alternate_on}')).toBe('0');
      const notCapture = open(['README.md'], { width: 200 });
      const s2 = await notCapture.waitFor('EXITED 2');
      expect(s2).toContain(runCli(['README.md']).stderr.trim());
    },
    TIMEOUT,
  );
});

itWithTool('tmux', 'without a terminal: one line, exit 2', () => {
  const r = runCli(['ui', 'fixtures/plain.pcap']);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(
    'wsinspect: ui needs a terminal (its stdout is not one); for a listing use: wsinspect fixtures/plain.pcap\n',
  );
});

/** A HAR whose messages carry terminal control sequences (ESC, BEL, C1 CSI, an OSC title). */
function hostileHar(): string {
  const t0 = 1796215917;
  const entry = {
    startedDateTime: '2026-12-02T12:51:57.772Z',
    time: 0,
    request: {
      method: 'GET',
      url: 'ws://127.0.0.1:9/evil',
      httpVersion: 'HTTP/1.1',
      headers: [
        { name: 'Upgrade', value: 'websocket' },
        { name: 'Connection', value: 'Upgrade' },
        { name: 'Sec-WebSocket-Key', value: 'dGhlIHNhbXBsZSBub25jZQ==' },
        { name: 'Sec-WebSocket-Version', value: '13' },
        { name: 'Host', value: '127.0.0.1:9' },
      ],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: 101,
      statusText: 'Switching Protocols',
      httpVersion: 'HTTP/1.1',
      headers: [
        { name: 'Upgrade', value: 'websocket' },
        { name: 'Connection', value: 'Upgrade' },
        { name: 'Sec-WebSocket-Accept', value: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' },
      ],
      cookies: [],
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: 0,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
    _resourceType: 'websocket',
    _webSocketMessages: [
      { type: 'receive', time: t0 + 0.01, opcode: 1, data: '\x1b[31mRED\x07\x9b2J tail' },
      { type: 'send', time: t0 + 0.02, opcode: 1, data: '{"id":7,"title":"\u202eevil\x9b2J","ok":true}' },
      {
        type: 'receive',
        time: t0 + 0.03,
        opcode: 2,
        data: Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x07]).toString('base64'),
      },
    ],
  };
  return JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries: [entry] } });
}
