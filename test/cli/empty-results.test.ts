// An empty result says why, on stderr, one line each (stdout stays clean for pipes), exit 0:
// a capture without WebSocket (its TCP connections and packets, the busiest server port for
// --decode-as, its TLS connections), a display filter that matched nothing, --conn N past
// the last connection, and --stats on a capture whose only connections are TLS.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pcapOf } from '../capture/helpers/capture-harness.js';
import { tcpConversation, type TcpRecord } from '../capture/helpers/tcp-packets.js';
import { ROOT, runCli } from '../helpers/cli-run.js';

const fixture = (name: string) => join(ROOT, 'fixtures', name);
const dir = mkdtempSync(join(tmpdir(), 'wsinspect-empty-'));
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const conversation = (
  payloads: readonly [dir: 'c2s' | 's2c', bytes: Uint8Array][],
  port: number,
  cport: number,
  t0: number,
): TcpRecord[] => tcpConversation(payloads, { port, cport, t0 });

const get = ascii('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n');
const ok = ascii('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
const clientHello = hex('16 03 01 00 2f 01 00 00 2b 03 03' + '00'.repeat(43));
const serverHello = hex('16 03 03 00 2a 02 00 00 26 03 03' + '00'.repeat(42));
const http = (port: number, cport: number, t0: number) =>
  conversation(
    [
      ['c2s', get],
      ['s2c', ok],
    ],
    port,
    cport,
    t0,
  );
const tls = (port: number, cport: number, t0: number) =>
  conversation(
    [
      ['c2s', clientHello],
      ['s2c', serverHello],
    ],
    port,
    cport,
    t0,
  );

function write(name: string, records: TcpRecord[]): string {
  const file = join(dir, name);
  writeFileSync(file, pcapOf(records));
  return file;
}

/** Two HTTP conversations to port 9000, one to 8080 (6 packets each): 9000 is the busiest, not the lowest. */
const httpOnly = write('http-only.pcap', [
  ...http(9000, 50001, 1.7e9),
  ...http(8080, 50002, 1.7e9 + 1),
  ...http(9000, 50003, 1.7e9 + 2),
]);
/** One TLS conversation to 443 beside one HTTP one to 8080 (as many packets: TLS is no port to try). */
const withTls = write('with-tls.pcap', [...tls(443, 50010, 1.7e9), ...http(8080, 50011, 1.7e9 + 1)]);
/** Only TLS: two conversations to 443. */
const tlsOnly = write('tls-only.pcap', [...tls(443, 50020, 1.7e9), ...tls(443, 50021, 1.7e9 + 1)]);

describe('an empty result says why on stderr', () => {
  it('no WebSocket: TCP connections and packets, --decode-as the busiest server port', () => {
    const r = runCli([httpOnly]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'wsinspect: no WebSocket connection found among 3 TCP connections (18 packets); ' +
        'if WebSocket runs without a visible handshake, try --decode-as 9000\n',
    );
  });

  it('no WebSocket beside TLS: the TLS connections are named, encrypted', () => {
    const r = runCli([withTls]);
    expect(r.status).toBe(0);
    // the listing's own capture.tls note stays where it was; the hints are not added to it
    expect(r.stdout).not.toContain('wsinspect:');
    expect(r.stderr.split('\n')).toEqual([
      'wsinspect: no WebSocket connection found among 2 TCP connections (12 packets); ' +
        'if WebSocket runs without a visible handshake, try --decode-as 8080',
      'wsinspect: TLS: encrypted, not decodable without its keys: 10.0.0.1:50010 → 10.0.0.2:443',
      '',
    ]);
  });

  it('--json: the hints go to stderr only', () => {
    const r = runCli([tlsOnly, '--json']);
    expect(r.status).toBe(0);
    for (const line of r.stdout.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ code: 'capture.tls' });
    expect(r.stderr).toBe(
      'wsinspect: no WebSocket connection found among 2 TCP connections (12 packets)\n' +
        'wsinspect: TLS: encrypted, not decodable without its keys: 10.0.0.1:50020 → 10.0.0.2:443, 10.0.0.1:50021 → 10.0.0.2:443\n',
    );
  });

  it('--stats on a capture whose only connections are TLS lists them', () => {
    const r = runCli([tlsOnly, '--stats']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'wsinspect: TLS: encrypted, not decodable without its keys: 10.0.0.1:50020 → 10.0.0.2:443, 10.0.0.1:50021 → 10.0.0.2:443\n',
    );
  });

  it('a display filter that matched nothing: how many frames were read', () => {
    const r = runCli([fixture('plain.pcap'), '--grep', 'no such text']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^wsinspect: no frame matched the filters \(--grep "no such text"\); \d+ frames were read\n$/,
    );
    const json = runCli([fixture('plain.pcap'), '--conn', '1', '--errors', '--json']);
    expect(json.stdout).toBe('');
    expect(json.stderr).toMatch(
      /^wsinspect: no frame matched the filters \(--conn 1 --errors\); \d+ frames were read\n$/,
    );
  });

  it('--conn past the last connection: how many there are', () => {
    const r = runCli([fixture('plain.pcap'), '--conn', '2']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('wsinspect: no connection 2: the capture has 1 WebSocket connection\n');
  });

  it('the parallel reader (--threads 2) gives the same hints as one thread', () => {
    const cases = [
      [httpOnly],
      [withTls],
      [tlsOnly, '--stats'],
      [fixture('interleaved.pcap'), '--grep', 'no such text'],
      [fixture('interleaved.pcap'), '--conn', '2,5', '--json'],
      [fixture('interleaved.pcap'), '--stats', '--conn', '7'],
    ];
    for (const args of cases) {
      const one = runCli([...args, '--threads', '1']);
      const two = runCli([...args, '--threads', '2']);
      expect(one.stderr).toMatch(/^wsinspect: /);
      expect([two.status, two.stdout, two.stderr]).toEqual([0, one.stdout, one.stderr]);
    }
  }, 60_000);

  it('a result that is not empty adds nothing to stderr', () => {
    const r = runCli([fixture('plain.pcap'), '--grep', 'a']);
    expect(r.stdout).not.toBe('');
    expect(r.stderr).toBe('');
  });
});
