// The hex and accept commands as a user runs them: input forms, stdin, exit codes, colour
// decisions, escaping of hostile payloads, --handshake.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';

const FRAME = 'c1 85 43 02 0a cf 71 36 3e cb 43';
const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

const REQUEST = [
  'GET /chat HTTP/1.1',
  'Host: example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Extensions: permessage-deflate',
];
const RESPONSE = [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
  'Sec-WebSocket-Extensions: permessage-deflate',
];

describe('wsinspect hex', () => {
  it('reads hex from stdin with - and from a pipe', () => {
    for (const args of [
      ['hex', '-', '--json'],
      ['hex', '--json'],
    ]) {
      const r = runCli(args, { input: FRAME });
      expect(r.status).toBe(0);
      const frame = jsonLines(r.stdout).find((e) => e.type === 'frame');
      expect(frame.text).toBe('111');
    }
  });

  it('reads base64', () => {
    const r = runCli(['hex', '--base64', '--json', Buffer.from(FRAME.replace(/ /g, ''), 'hex').toString('base64')]);
    expect(jsonLines(r.stdout).find((e) => e.type === 'frame').text).toBe('111');
  });

  it('bad hex: one line naming the position, exit code 2', () => {
    const r = runCli(['hex', 'c1 85 zz']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(["wsinspect: hex argument: bad hex character 'z' at position 7"]);
  });

  it('--from fixes the direction and enables the mask rules', () => {
    const r = runCli(['hex', '--from', 'client', '--json', '81 05 48 65 6c 6c 6f']);
    const frame = jsonLines(r.stdout).find((e) => e.type === 'frame');
    expect(frame.dir).toBe('c2s');
    expect(frame.diagnostics.map((d: { code: string }) => d.code)).toEqual(['frame.mask.missing']);
  });

  it('--window-bits is validated', () => {
    const r = runCli(['hex', '--window-bits', '20', FRAME]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--window-bits: "20" is not a whole number from 8 to 15/);
  });

  it('--handshake takes the negotiation from the raw HTTP exchange', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-'));
    const file = join(dir, 'handshake.txt');
    writeFileSync(file, [...REQUEST, '', ...RESPONSE, '', ''].join('\r\n'));
    const events = jsonLines(runCli(['hex', '--json', '--handshake', file, FRAME]).stdout);
    expect(events.map((e) => e.type)).toEqual(['handshake', 'handshake', 'frame', 'message', 'end']);
    expect(events[1].acceptValid).toBe(true);
    expect(events[1].extensions).toEqual([{ name: 'permessage-deflate', params: {} }]);
    expect(events[2].text).toBe('111');
    const missing = runCli(['hex', '--handshake', join(dir, 'nope.txt'), FRAME]);
    expect([missing.status, missing.stderr.trim()]).toEqual([
      2,
      `wsinspect: cannot read handshake file "${join(dir, 'nope.txt')}": no such file`,
    ]);
  });

  it('--handshake ends the request head by the rule every source uses: bare LF lines, LF CR LF', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-'));
    const heads = {
      lf: [...REQUEST, '', ...RESPONSE, '', ''].join('\n'),
      // lines ending in LF, the blank line ending in CRLF
      mixed: `${REQUEST.join('\n')}\n\r\n${RESPONSE.join('\n')}\n\r\n`,
    };
    for (const [name, text] of Object.entries(heads)) {
      const file = join(dir, `${name}.txt`);
      writeFileSync(file, text);
      const r = runCli(['hex', '--json', '--handshake', file, FRAME]);
      expect([name, r.stderr]).toEqual([name, '']);
      const events = jsonLines(r.stdout);
      expect([name, events.map((e) => e.type), events[1].acceptValid, events[2].text]).toEqual([
        name,
        ['handshake', 'handshake', 'frame', 'message', 'end'],
        true,
        '111',
      ]);
    }
  });

  it('never writes wire bytes raw to the terminal', () => {
    // text frame carrying ESC[31m, a BEL, a C1 CSI and a bidi override
    const payload = Buffer.from('\x1b[31mred\x07\u009b2J\u202egnp.exe', 'utf8');
    const frame = Buffer.concat([Buffer.from([0x81, payload.length]), payload]).toString('hex');
    for (const args of [
      ['hex', frame],
      ['hex', '-s', frame],
      ['hex', '--json', frame],
    ]) {
      const out = runCli(['--color', ...args]).stdout;
      const withoutOurColours = out.replace(/\x1b\[[0-9;]*m/g, '');
      expect(withoutOurColours).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(out).not.toContain('\x1b[31mred');
    }
  });

  it('colour: off when piped, on with --color or FORCE_COLOR, off with NO_COLOR', () => {
    const hasAnsi = (s: string) => /\x1b\[/.test(s);
    expect(hasAnsi(runCli(['hex', FRAME]).stdout)).toBe(false);
    expect(hasAnsi(runCli(['hex', '--color', FRAME]).stdout)).toBe(true);
    expect(hasAnsi(runCli(['hex', FRAME], { env: { FORCE_COLOR: '1' } }).stdout)).toBe(true);
    expect(hasAnsi(runCli(['hex', FRAME], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout)).toBe(false);
    expect(hasAnsi(runCli(['hex', '--no-color', FRAME], { env: { FORCE_COLOR: '3' } }).stdout)).toBe(false);
  });
});

describe('wsinspect accept and help', () => {
  it.each([
    ['dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
    ['sN9cRrP/n9NdMgdcy2VJFQ==', 'fFBooB7FAkLlXgRSz0BT3v4hq5s='],
    ['UdTUf90CC561cQXn4n5XRg==', 'GZk41FJZSYY0CmsrZPGpUGRQzkY='],
  ])('accept %s → %s', (key, accept) => {
    const r = runCli(['accept', key]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Sec-WebSocket-Accept: ${accept}`);
    expect(JSON.parse(runCli(['accept', '--json', key]).stdout).accept).toBe(accept);
  });

  it('no arguments prints help with real examples', () => {
    const r = runCli([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('wsinspect hex "c1 85 43 02 0a cf 71 36 3e cb 43"');
    expect(r.stdout).toMatch(/Commands:/);
  });

  it('an unknown command is a usage error with exit code 2', () => {
    const r = runCli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^wsinspect: /);
  });
});

describe('-V on a compressed frame explains the inflation (RFC 7692 §7.2.2)', () => {
  it('the tail put back, each block, the literals, and the sizes in words', () => {
    const out = runCli(['hex', 'c1 85 43 02 0a cf 71 36 3e cb 43']).stdout;
    expect(out).toContain('Inflation (RFC 7692 §7.2.2, DEFLATE: RFC 1951 §3.2.3)');
    expect(out).toContain('    32 34 34 04 00 + 00 00 ff ff');
    expect(out).toContain('block 1  BFINAL 0  BTYPE 01 fixed Huffman codes: 3 literals, 0 back-references → 3 bytes');
    expect(out).toContain('block 2  BFINAL 0  BTYPE 00 stored (no compression), LEN 0');
    expect(out).toContain('5 bytes on the wire for 3 bytes of text: compression made it larger');
    // the diagram shows the unmasked compressed bytes as hex, never as (meaningless) text
    expect(out).toContain('→ 32 34  ');
    expect(out).not.toContain('"24"');
  });

  it('back-references, and a saving in words', () => {
    const text = 'hello hello hello hello hello hello';
    const z = deflateRawSync(text, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, -4);
    const frame = Buffer.concat([Buffer.from([0xc1, z.length]), z]).toString('hex');
    const out = runCli(['hex', '--from', 'server', frame]).stdout;
    expect(out).toContain(`match    copy 28 from 6 bytes back → "ello hello hello hello hello"`);
    expect(out).toContain(
      `${z.length} bytes on the wire for ${text.length} bytes of text: compression saved 24 bytes (69%)`,
    );
  });
});
