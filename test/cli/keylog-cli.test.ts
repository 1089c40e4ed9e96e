// --keylog and SSLKEYLOGFILE through the real CLI: which file is used is said on stderr
// (stdout stays clean), a missing --keylog file is one error line with exit 2, an
// SSLKEYLOGFILE naming no file is ignored, junk lines are counted, --json carries "tls".
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli-run.js';

const DIR = join(ROOT, 'fixtures', 'tls');
const PCAP = join(DIR, 'tls12.pcap');
const KEYS = join(DIR, 'tls12.keys');
const work = mkdtempSync(join(tmpdir(), 'wsinspect-keylog-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const connLines = (out: string) => out.split('\n').filter((l) => / Connection \d+:/.test(l));

describe('--keylog', () => {
  it('decrypts, and says on stderr which key log it used', () => {
    const r = runCli([PCAP, '--keylog', KEYS]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`wsinspect: key log ${KEYS} (--keylog): 8 secret(s)\n`);
    expect(connLines(r.stdout)).toHaveLength(9);
    expect(connLines(r.stdout)[0]).toMatch(
      /\(found by handshake; TLS 1\.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, SNI example\.com, ALPN http\/1\.1, decrypted with the key log\)$/,
    );
  });

  it('a missing file: one error line, exit 2', () => {
    const r = runCli([PCAP, '--keylog', join(work, 'nope.txt')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wsinspect: --keylog ${join(work, 'nope.txt')}: no such file\n`);
  });

  it('counts duplicate and junk lines (CRLF and comments are fine)', () => {
    const file = join(work, 'messy.txt');
    const lines = readFileSync(KEYS, 'latin1').trim().split('\n');
    writeFileSync(file, ['# comment', ...lines, lines[0].toUpperCase(), 'not a key line', ''].join('\r\n'));
    const r = runCli([PCAP, '--keylog', file]);
    // an upper-cased line is the same label and client random: a duplicate
    expect(r.stderr).toBe(
      `wsinspect: key log ${file} (--keylog): 8 secret(s); skipped 1 duplicate line(s) and 1 line(s) that are not key log lines\n`,
    );
    expect(connLines(r.stdout)).toHaveLength(9);
  });

  it('--json: the connection event carries "tls"', () => {
    const r = runCli([PCAP, '--keylog', KEYS, '--json', '--conn', '3']);
    const conn = JSON.parse(r.stdout.split('\n')[0]);
    expect(conn.tls).toEqual({
      version: 'TLS 1.2',
      cipher: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
      alpn: 'http/1.1',
      decrypted: true,
      sni: 'example.com',
    });
  });

  it('--threads 2 prints the very same as one thread (each worker gets the key log)', () => {
    const one = runCli([PCAP, '--keylog', KEYS, '--threads', '1']);
    const two = runCli([PCAP, '--keylog', KEYS, '--threads', '2']);
    expect(connLines(one.stdout)).toHaveLength(9);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toBe(one.stderr);
  });
});

describe('SSLKEYLOGFILE', () => {
  it('is used when --keylog is not given, and the output says so', () => {
    const r = runCli([PCAP], { env: { SSLKEYLOGFILE: KEYS } });
    expect(r.stderr).toBe(`wsinspect: key log ${KEYS} (SSLKEYLOGFILE): 8 secret(s)\n`);
    expect(connLines(r.stdout)).toHaveLength(9);
  });

  it('--keylog wins over it', () => {
    const r = runCli([PCAP, '--keylog', KEYS], { env: { SSLKEYLOGFILE: join(work, 'other.txt') } });
    expect(r.stderr).toContain('(--keylog)');
  });

  it('naming no file: ignored, TLS named and skipped as without keys', () => {
    const r = runCli([PCAP], { env: { SSLKEYLOGFILE: join(work, 'nope.txt') } });
    expect(r.status).toBe(0);
    expect(connLines(r.stdout)).toEqual([]);
    expect(r.stdout).toContain('capture.tls');
  });
});

describe('--har of a decrypted capture', () => {
  it('writes each wss connection with a wss:// URL and its messages', () => {
    const har = join(work, 'wss.har');
    const r = runCli([join(DIR, 'tls13.pcap'), '--keylog', join(DIR, 'tls13.keys'), '--har', har]);
    expect(r.status).toBe(0);
    const entries = JSON.parse(readFileSync(har, 'utf8')).log.entries as {
      request: { url: string };
      _webSocketMessages: { data: string }[];
    }[];
    expect(entries.map((e) => e.request.url)).toEqual([
      'wss://127.0.0.1:18443/chat',
      'wss://127.0.0.1:18443/chat',
      'wss://127.0.0.1:18443/chat',
      'wss://127.0.0.1:18444/chat',
      'wss://127.0.0.1:18443/chat',
    ]);
    expect(entries[2]._webSocketMessages.map((m) => m.data)).toEqual([
      'hello over TLS_CHACHA20_POLY1305_SHA256',
      'hello over TLS_CHACHA20_POLY1305_SHA256',
    ]);
  });
});
