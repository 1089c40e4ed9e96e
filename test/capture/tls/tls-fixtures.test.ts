// wss in real captures (fixtures/tls, made by fixtures/tls/make.sh with Node https + ws on
// loopback and the servers' keylog events): every TLS 1.3 suite, a HelloRetryRequest, a
// 40 KB message whose records cross TCP segments, TLS 1.2 GCM/ChaCha20 and resumption by
// ticket and by session id, KeyUpdates both ways (OpenSSL s_client), CBC with and without
// encrypt-then-MAC, a CCM suite named, a connection missing from the key log; and
// bad input — a random-text key log, flipped ciphertext bits, a cut capture — never throws.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../../src/capture/tls/key-log.js';
import { readCapture } from '../../../src/pipeline/read-capture.js';
import type { ConnectionEvent, InspectEvent, MessageEvent } from '../../../src/session/events.js';
import { ROOT } from '../../helpers/cli-run.js';

const DIR = join(ROOT, 'fixtures', 'tls');
const pcap = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(join(DIR, name.includes('.') ? name : `${name}.pcap`)));
const keys = (name: string) => parseKeyLog(readFileSync(join(DIR, `${name}.keys`), 'latin1')).secrets;

async function events(input: Uint8Array, keyLog?: Map<string, Uint8Array>): Promise<InspectEvent[]> {
  const { Readable } = await import('node:stream');
  const out: InspectEvent[] = [];
  for await (const ev of readCapture(Readable.from([Buffer.from(input)]), { keyLog })) out.push(ev);
  return out;
}

const connections = (evs: InspectEvent[]) => evs.filter((e): e is ConnectionEvent => e.type === 'connection');
const texts = (evs: InspectEvent[], conn: number) =>
  evs
    .filter((e): e is MessageEvent => e.type === 'message' && e.conn === conn && e.opcode === 1)
    .map((m) => `${m.dir} ${m.text ?? ''}`);
const codes = (evs: InspectEvent[]) =>
  evs.flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic.code] : [])).filter((c) => c.startsWith('tls.'));

describe('TLS 1.3 capture with its key log', () => {
  it('decrypts every suite, the HelloRetryRequest and the 40 KB message; names the missing keys', async () => {
    const evs = await events(pcap('tls13'), keys('tls13'));
    const conns = connections(evs);
    expect(conns.map((c) => c.tls?.cipher)).toEqual([
      'TLS_AES_128_GCM_SHA256',
      'TLS_AES_256_GCM_SHA384',
      'TLS_CHACHA20_POLY1305_SHA256',
      'TLS_AES_256_GCM_SHA384', // the HelloRetryRequest connection (server's default suite)
      'TLS_AES_128_GCM_SHA256',
    ]);
    for (const c of conns)
      expect(c.tls).toMatchObject({ version: 'TLS 1.3', sni: 'example.com', alpn: 'http/1.1', decrypted: true });
    expect(texts(evs, 1)).toEqual(['c2s hello over TLS_AES_128_GCM_SHA256', 's2c hello over TLS_AES_128_GCM_SHA256']);
    expect(texts(evs, 3)).toEqual([
      'c2s hello over TLS_CHACHA20_POLY1305_SHA256',
      's2c hello over TLS_CHACHA20_POLY1305_SHA256',
    ]);
    expect(texts(evs, 4)).toEqual(['c2s after a HelloRetryRequest', 's2c after a HelloRetryRequest']);
    const big = evs.filter((e): e is MessageEvent => e.type === 'message' && e.conn === 5 && e.opcode === 2);
    expect(big.map((m) => m.length)).toEqual([40 * 1024, 40 * 1024]);
    expect(evs.some((e) => e.type === 'diagnostic' && e.diagnostic.severity === 'error')).toBe(false);
    const noKey = evs.filter((e) => e.type === 'diagnostic' && e.diagnostic.code === 'tls.no-keys');
    expect(noKey).toHaveLength(2);
    expect(noKey[0]).toMatchObject({ conn: null });
    expect(JSON.stringify(noKey)).toMatch(
      /CLIENT_HANDSHAKE_TRAFFIC_SECRET in the key log for client random [0-9a-f]{64}/,
    );
  });

  it('a key log with only the application secrets still decrypts the WebSocket traffic', async () => {
    const appOnly = new Map([...keys('tls13')].filter(([k]) => !k.includes('HANDSHAKE')));
    const evs = await events(pcap('tls13'), appOnly);
    expect(connections(evs)).toHaveLength(5);
    expect(texts(evs, 3)).toEqual([
      'c2s hello over TLS_CHACHA20_POLY1305_SHA256',
      's2c hello over TLS_CHACHA20_POLY1305_SHA256',
    ]);
    // the handshake secrets are named as missing, per direction
    const noKey = evs.filter((e) => e.type === 'diagnostic' && e.diagnostic.code === 'tls.no-keys');
    expect(noKey.length).toBe(12);
    // (ALPN is in the encrypted handshake: not known without its secret)
    expect(connections(evs)[0].tls).toMatchObject({ alpn: null, decrypted: true });
  });

  it('without a key log, TLS connections are named and skipped as before', async () => {
    const evs = await events(pcap('tls13'));
    expect(connections(evs)).toEqual([]);
    expect(evs.filter((e) => e.type === 'diagnostic' && e.diagnostic.code === 'capture.tls')).toHaveLength(6);
  });

  it('decodes the same whatever the chunks the capture arrives in', async () => {
    const whole = await events(pcap('tls13'), keys('tls13'));
    const { Readable } = await import('node:stream');
    const bytes = pcap('tls13');
    const split: InspectEvent[] = [];
    // seeded uneven chunks, 1 to 1500 bytes: records, segments and pcap records all cut anywhere
    const exact: Buffer[] = [];
    for (let at = 0, n = 1; at < bytes.length; at += n, n = ((n * 7 + 3) % 1500) + 1)
      exact.push(Buffer.from(bytes.subarray(at, at + n)));
    for await (const ev of readCapture(Readable.from(exact), { keyLog: keys('tls13') })) split.push(ev);
    expect(split).toEqual(whole);
  });
});

describe('TLS 1.3 KeyUpdate (OpenSSL s_client)', () => {
  it('follows two client KeyUpdates and the one the server answers with', async () => {
    const evs = await events(pcap('keyupdate'), keys('keyupdate'));
    expect(connections(evs)).toHaveLength(1);
    expect(texts(evs, 1)).toEqual([
      'c2s before any key update',
      's2c before any key update',
      'c2s after the client updated its key',
      's2c after the client updated its key',
      'c2s after both sides updated their keys',
      's2c after both sides updated their keys',
    ]);
    expect(codes(evs)).toEqual([]);
  });
});

describe('TLS 1.3 0-RTT (OpenSSL s_server and s_client)', () => {
  it('accepted early data (the Upgrade request) is decoded; rejected early data is named and left out', async () => {
    const evs = await events(pcap('0rtt'), keys('0rtt'));
    expect(connections(evs)).toHaveLength(2);
    // connection 1 sent its request as 0-RTT data; connection 2's was rejected and sent again
    const requests = evs.filter((e) => e.type === 'handshake' && e.handshake.side === 'request');
    expect(requests.map((e) => e.conn)).toEqual([1, 2]);
    expect(texts(evs, 1)).toEqual(['c2s hello after 0-RTT accepted', 's2c hello after 0-RTT accepted']);
    expect(texts(evs, 2)).toEqual(['c2s hello after 0-RTT rejected', 's2c hello after 0-RTT rejected']);
    const notes = evs.filter((e) => e.type === 'diagnostic' && e.diagnostic.code.startsWith('tls.'));
    expect(notes.map((e) => (e.type === 'diagnostic' ? e.diagnostic.message : ''))).toEqual([
      expect.stringMatching(
        / c2s: 0-RTT early data \(154 byte\(s\)\) rejected by the server: not part of the conversation$/,
      ),
    ]);
  });
});

describe('pcapng Decryption Secrets Block (editcap --inject-secrets)', () => {
  it('its secrets are used, merged with the key log given', async () => {
    // the block holds the client's secrets, keyupdate-server.keys the server's
    const merged = await events(pcap('keyupdate-dsb.pcapng'), keys('keyupdate-server'));
    const plain = await events(pcap('keyupdate'), keys('keyupdate'));
    expect(texts(merged, 1)).toEqual(texts(plain, 1));
    expect(texts(merged, 1)).toHaveLength(6);
    expect(codes(merged)).toEqual([]);
  });

  it('alone, it decrypts the direction it has keys for and names the other', async () => {
    const evs = await events(pcap('keyupdate-dsb.pcapng'));
    // the client's side decrypts: its Upgrade request opens the connection
    expect(connections(evs)).toHaveLength(1);
    expect(
      evs.filter((e) => e.type === 'handshake').map((e) => (e.type === 'handshake' ? e.handshake.side : '')),
    ).toEqual(['request']);
    // the server's undecryptable records are one gap in its stream, not one per record
    expect(evs.filter((e) => e.type === 'diagnostic' && e.diagnostic.code === 'tcp.gap')).toHaveLength(1);
    const noKey = evs.filter((e) => e.type === 'diagnostic' && e.diagnostic.code === 'tls.no-keys');
    expect(noKey.map((e) => (e.type === 'diagnostic' ? e.diagnostic.message : ''))).toEqual([
      expect.stringMatching(/ s2c: no SERVER_HANDSHAKE_TRAFFIC_SECRET in the key log for client random [0-9a-f]{64}$/),
    ]);
  });
});

describe('plain HTTPS, then an Upgrade on the same TLS connection', () => {
  it('is followed as HTTP in plaintext, and decoded from the Upgrade on', async () => {
    const evs = await events(pcap('keepalive'), keys('keepalive'));
    expect(connections(evs)).toHaveLength(1);
    const heads = evs.flatMap((e) => (e.type === 'handshake' ? [e.handshake] : []));
    expect(heads.map((h) => ('path' in h ? h.path : h.status))).toEqual(['/chat', 101]);
    expect(texts(evs, 1)).toEqual([
      'c2s after a plain request on the same connection',
      's2c after a plain request on the same connection',
    ]);
    expect(codes(evs)).toEqual([]);
  });
});

describe('key logs written by the clients themselves', () => {
  it('headless Chromium (--ssl-key-log-file)', async () => {
    const evs = await events(pcap('chromium'), keys('chromium'));
    expect(connections(evs)[0].tls).toMatchObject({ version: 'TLS 1.3', decrypted: true });
    expect(texts(evs, 1)).toEqual(['c2s hello from Chromium over wss', 's2c hello from Chromium over wss']);
  });

  it('Python websockets 10.4 (ssl keylog_filename)', async () => {
    const evs = await events(pcap('python'), keys('python'));
    expect(connections(evs)[0].tls).toMatchObject({ version: 'TLS 1.3', sni: 'example.com', decrypted: true });
    expect(texts(evs, 1)).toEqual([
      'c2s hello from Python websockets over wss',
      's2c hello from Python websockets over wss',
    ]);
  });
});

describe('HTTP/2 over TLS (Node http2, ALPN h2)', () => {
  it('is decrypted and named: WebSocket over HTTP/2 is not decoded', async () => {
    const evs = await events(pcap('h2'), keys('h2'));
    expect(connections(evs)).toEqual([]);
    expect(codes(evs)).toEqual(['tls.http2']);
    expect(JSON.stringify(evs)).toContain('HTTP/2: WebSocket over HTTP/2 (RFC 8441) is not decoded');
  });
});

describe('TLS 1.2 capture with its key log', () => {
  it('decrypts GCM (SHA-256 and SHA-384 PRF), ChaCha20, CBC, and sessions resumed by ticket and by id', async () => {
    const evs = await events(pcap('tls12'), keys('tls12'));
    const conns = connections(evs);
    expect(conns.map((c) => c.tls?.cipher)).toEqual([
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
      'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
    ]);
    // the key log has no line for connections 5 and 7: their master secrets come from 4 and 6
    expect(texts(evs, 5)).toEqual(['c2s resumed by ticket', 's2c resumed by ticket']);
    expect(texts(evs, 7)).toEqual(['c2s resumed by session id', 's2c resumed by session id']);
    // CBC: encrypt-then-MAC (RFC 7366) and MAC-then-encrypt with HMAC-SHA384
    expect(texts(evs, 8)).toEqual(['c2s hello over CBC, encrypt-then-MAC', 's2c hello over CBC, encrypt-then-MAC']);
    expect(texts(evs, 9)).toEqual(['c2s hello over CBC, MAC-then-encrypt', 's2c hello over CBC, MAC-then-encrypt']);
    expect(codes(evs)).toEqual(['tls.unsupported-cipher']);
    expect(JSON.stringify(evs)).toContain('TLS_ECDHE_ECDSA_WITH_AES_128_CCM is not decrypted');
  });
});

describe('bad input', () => {
  it('a key log of random text: nothing used, TLS skipped, no throw', async () => {
    let seed = 7;
    const junk = Array.from({ length: 2000 }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return String.fromCharCode(32 + (seed >>> 25));
    }).join('');
    const parsed = parseKeyLog(junk);
    expect(parsed.used).toBe(0);
    const evs = await events(pcap('tls12'), parsed.secrets);
    expect(connections(evs)).toEqual([]);
  });

  it('a flipped ciphertext bit: tls.decrypt-failed with the record number, the rest decodes', async () => {
    const bytes = pcap('tls13');
    const text = Buffer.from('hello over TLS_AES_256_GCM_SHA384');
    // the first encrypted record of connection 2's client after its handshake: find the
    // ClientHello of the second connection, then flip a byte of a later c2s record
    const evs0 = await events(bytes, keys('tls13'));
    const msg = evs0.find((e): e is MessageEvent => e.type === 'message' && e.conn === 2 && e.dir === 'c2s')!;
    expect(msg.text).toBe(text.toString());
    const record = msg.capture!.record; // the pcap record of the packet that carried it
    const flipped = Uint8Array.from(bytes);
    flipped[record + 16 + 14 + 20 + 32 + 10] ^= 0x01; // pcap record header, Ethernet, IPv4, TCP with options, into the TLS record
    const evs = await events(flipped, keys('tls13'));
    const failed = evs.filter((e) => e.type === 'diagnostic' && e.diagnostic.code === 'tls.decrypt-failed');
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed[0])).toMatch(/record \d+ \(sequence number \d+\) failed authentication/);
    expect(texts(evs, 1)).toEqual(texts(evs0, 1));
    expect(texts(evs, 3)).toEqual(texts(evs0, 3));
    expect(texts(evs, 2)).not.toContain(`c2s ${text.toString()}`);
  });

  it('a capture that begins after a handshake: tls.midstream for that connection, the others decrypt', async () => {
    // classic pcap: 24-byte file header, then records of a 16-byte header and the packet;
    // the first 9 packets are connection 1's TCP and TLS handshakes and its Upgrade
    const bytes = pcap('tls13');
    let at = 24;
    for (let i = 0; i < 9; i += 1) at += 16 + new DataView(bytes.buffer).getUint32(at + 8, true);
    const cut = Buffer.concat([bytes.subarray(0, 24), bytes.subarray(at)]);
    const evs = await events(cut, keys('tls13'));
    const midstream = evs.filter((e) => e.type === 'diagnostic' && e.diagnostic.code === 'tls.midstream');
    expect(midstream.map((e) => (e.type === 'diagnostic' ? e.diagnostic.message : ''))).toEqual([
      expect.stringMatching(/ c2s: the capture began after the TLS handshake \(no ClientHello\)/),
      expect.stringMatching(/ s2c: the capture began after the TLS handshake \(no ServerHello\)/),
    ]);
    expect(connections(evs).map((c) => c.tls?.cipher)).toEqual([
      'TLS_AES_256_GCM_SHA384',
      'TLS_CHACHA20_POLY1305_SHA256',
      'TLS_AES_256_GCM_SHA384',
      'TLS_AES_128_GCM_SHA256',
    ]);
  });

  it('a capture cut inside a record: no throw, the connections before it decode', async () => {
    const bytes = pcap('tls13');
    for (const cut of [30_000, 60_000, 90_000]) {
      const evs = await events(bytes.subarray(0, cut), keys('tls13'));
      expect(connections(evs).length).toBeGreaterThan(0);
    }
  });
});
