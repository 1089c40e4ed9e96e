// Which TCP connections are WebSocket: HTTP Upgrade, a 101 response seen without its
// request, TLS (named, not decoded), plain HTTP (not reported), mid-stream heuristics
// (also starting inside a frame) and --decode-as; plus the frame-chain checks themselves.
import { describe, expect, it } from 'vitest';
import { detectWebSocket, findChainToEnd, type DetectionSide } from '../../src/capture/websocket-detector.js';
import { findFrameStart, measureFrameChain } from '../../src/protocol/frame-plausibility.js';
import { byConnection, decode, expected, fixture, globalCodes, pcapOf, sha256 } from './helpers/capture-harness.js';
import { SYN, readTcpRecords, tcpConversation, type TcpRecord } from './helpers/tcp-packets.js';

const plain = readTcpRecords(fixture('plain.pcap'));
const truth = expected('plain.pcap').connections[0];
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const conversation = (
  payloads: readonly [dir: 'c2s' | 's2c', bytes: Uint8Array][],
  port = 443,
  syn = true,
): TcpRecord[] => tcpConversation(payloads, { port, syn });

describe('finding WebSocket connections', () => {
  it('TLS: a capture.tls diagnostic naming the endpoints, no connection', () => {
    const clientHello = hex('16 03 01 00 2f 01 00 00 2b 03 03' + '00'.repeat(43));
    const serverHello = hex('16 03 03 00 2a 02 00 00 26 03 03' + '00'.repeat(42));
    const events = decode(
      pcapOf(
        conversation([
          ['c2s', clientHello],
          ['s2c', serverHello],
        ]),
      ),
    );
    expect(events.filter((e) => e.kind !== 'diagnostic')).toEqual([]);
    expect(globalCodes(events)).toEqual(['capture.tls']);
    const [d] = events;
    expect(d.kind === 'diagnostic' && d.diagnostic.message).toBe(
      'TLS connection 10.0.0.1:50000 → 10.0.0.2:443 — wss cannot be decoded without keys',
    );
  });

  it('TLS seen mid-stream (no SYN, application data records) is still named', () => {
    const appData = hex('17 03 03 00 05 0102030405');
    const events = decode(
      pcapOf(
        conversation(
          [
            ['s2c', appData],
            ['c2s', appData],
          ],
          443,
          false,
        ),
      ),
    );
    expect(globalCodes(events)).toEqual(['capture.tls']);
  });

  it('plain HTTP without Upgrade: nothing reported', () => {
    const get = new TextEncoder().encode('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n');
    const ok = new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    expect(
      decode(
        pcapOf(
          conversation(
            [
              ['c2s', get],
              ['s2c', ok],
            ],
            80,
          ),
        ),
      ),
    ).toEqual([]);
  });

  it('a 101 response seen without its request still opens the connection (handshake)', () => {
    const response = plain.find((r) => r.sport === 18080 && r.payload.length > 0)!;
    const request = plain.find((r) => r.dport === 18080 && r.payload.length > 0)!;
    const events = decode(pcapOf(plain.filter((r) => r !== request && (r.flags & SYN) === 0)));
    const [conn] = byConnection(events).values();
    expect(conn.detectedBy).toBe('handshake');
    expect(conn.server).toBe('127.0.0.1:18080');
    expect(Buffer.from(conn.s2c.subarray(0, 12)).toString()).toBe('HTTP/1.1 101');
    expect(conn.s2c.length).toBe(truth.streams.s2c.length);
    expect(response).toBeDefined();
  });

  it('mid-stream inside a frame: skips to the next frame boundary and says so', () => {
    // plain.pcap without the SYNs and the handshake, its first client frame cut after 3 bytes
    const firstFrame = plain.findIndex((r) => r.dport === 18080 && r.payload[0] === 0x81);
    const rest = plain.slice(firstFrame).filter((r) => (r.flags & SYN) === 0);
    const cut = { ...rest[0], seq: (rest[0].seq + 3) >>> 0, payload: rest[0].payload.slice(3) };
    const events = decode(pcapOf([cut, ...rest.slice(1)]));
    const [conn] = byConnection(events).values();
    expect(conn.detectedBy).toBe('heuristic');
    expect(conn.server).toBe('127.0.0.1:18080'); // clients mask: the masked side is the client
    const c2sAfter = Buffer.concat(
      rest
        .slice(1)
        .filter((r) => r.dport === 18080)
        .map((r) => r.payload),
    );
    expect(sha256(conn.c2s)).toBe(sha256(c2sAfter));
    const note = events.find((e) => e.kind === 'diagnostic' && e.diagnostic.code === 'capture.heuristic');
    expect(note?.kind === 'diagnostic' && note.diagnostic.message).toMatch(/after \d+ byte\(s\) of an earlier frame/);
  });

  it('--decode-as forces a connection with too little evidence', () => {
    const oneFrame = hex('81 85 01020304 69676d6a6e'); // masked "hello"
    const records = conversation([['c2s', oneFrame]], 9000);
    expect(decode(pcapOf(records))).toEqual([]);
    const events = decode(pcapOf(records), { decodeAs: [9000] });
    const [conn] = byConnection(events).values();
    expect(conn.detectedBy).toBe('heuristic');
    expect([...conn.c2s]).toEqual([...oneFrame]);
    expect(conn.codes).toEqual(['capture.heuristic']);
  });

  it('--decode-as still recognises a real handshake as one', () => {
    const events = decode(fixture('plain.pcap'), { decodeAs: [18080] });
    expect([...byConnection(events).values()][0].detectedBy).toBe('handshake');
  });

  it('numbers connections 1, 2, 3 in the order they are reported', () => {
    const events = decode(fixture('interleaved.pcap'));
    expect(events.filter((e) => e.kind === 'open').map((e) => e.conn)).toEqual([1, 2, 3]);
  });
});

describe('frame chains', () => {
  const masked = hex('81 85 01020304 69676d6a6e');
  const unmasked = hex('81 05 68656c6c6f');
  const ping = hex('89 00');

  it('counts consecutive plausible frames and learns the mask bit', () => {
    const bytes = new Uint8Array([...unmasked, ...ping, ...unmasked]);
    expect(measureFrameChain(bytes, 0, null, true)).toEqual({
      frames: 3,
      reachesEnd: true,
      endsExactly: true,
      masked: false,
      overrun: -1,
    });
    expect(measureFrameChain(bytes, 0, true, true).frames).toBe(0);
  });

  it('stops at a reserved opcode, RSV2/3, a long or fragmented control frame, a non-minimal length', () => {
    for (const bad of ['83 00', 'a1 00', '89 7e 00 80', '09 00', '81 7e 00 10']) {
      expect(measureFrameChain(new Uint8Array([...unmasked, ...hex(bad)]), 0, false, true).frames).toBe(1);
    }
  });

  it('keeps fragment order: a continuation needs an open message (RFC 6455 §5.4)', () => {
    const first = hex('01 01 61'); // text, FIN clear
    const cont = hex('80 01 62'); // continuation, FIN set
    expect(measureFrameChain(new Uint8Array([...first, ...cont]), 0, false, true).frames).toBe(2);
    expect(measureFrameChain(new Uint8Array([...unmasked, ...cont]), 0, false, true).frames).toBe(1);
    expect(measureFrameChain(new Uint8Array([...first, ...unmasked]), 0, false, true).frames).toBe(1);
  });

  it('two empty fragments in a row end a chain: zero bytes are not an endless run of frames', () => {
    expect(measureFrameChain(new Uint8Array(64), 0, false, true).frames).toBe(1);
    expect(findChainToEnd(new Uint8Array(8192), 0, null)).toBeNull();
    // one empty fragment between frames is fine
    expect(measureFrameChain(hex('01 01 61 00 00 80 01 62'), 0, false, true)).toMatchObject({
      frames: 3,
      endsExactly: true,
    });
  });

  it('findFrameStart finds the boundary after garbage, or nothing', () => {
    const bytes = new Uint8Array([0xff, 0x33, 0x47, ...masked, ...masked]);
    expect(findFrameStart(bytes, 0, { masked: true, allowRsv1: true })?.offset).toBe(3);
    expect(findFrameStart(bytes, 0, { masked: false, allowRsv1: true })).toBeNull();
    expect(findFrameStart(new Uint8Array([0xff, 0xff]), 0, { masked: null, allowRsv1: true })).toBeNull();
  });

  it('findChainToEnd wants the chain to hold to the end', () => {
    const bytes = new Uint8Array([...unmasked, ...unmasked, 0x83, 0x00]);
    expect(findChainToEnd(bytes, 0, false)).toBeNull();
    expect(findChainToEnd(bytes.subarray(0, 14), 0, false)).toEqual({ start: 0, frames: 2, masked: false });
    // one header whose payload runs off the end is not enough on its own
    expect(findChainToEnd(hex('82 7e 10 00 ff ff'), 0, false)).toBeNull();
  });
});

describe('judging the first bytes of both directions', () => {
  const side = (text: string): DetectionSide => {
    const bytes = new TextEncoder().encode(text);
    return { bytes, length: bytes.length, full: false, resumeAt: 0, skipped: 0, scanner: null };
  };
  const judge = (s0: string, s1: string, final = false) =>
    detectWebSocket({ sides: [side(s0), side(s1)], synSide: -1, portClientSide: 0, forced: false, final });
  const get = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
  const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';

  it('plain HTTP is followed (a later request may Upgrade), unless nothing more can come', () => {
    expect(judge(get, '')).toEqual({ kind: 'http', clientSide: 0, requestSeen: true });
    expect(judge(get, '', true)).toEqual({ kind: 'ignore' });
  });

  it('a request is judged before the response beside it, whichever side sorts first', () => {
    expect(judge(ok, get)).toEqual({ kind: 'http', clientSide: 1, requestSeen: true });
    expect(judge(ok, 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n')).toMatchObject({
      kind: 'websocket',
      detectedBy: 'handshake',
      clientSide: 1,
    });
  });

  it('a plain response without its request: followed, one response owed to a request not captured', () => {
    expect(judge(ok, '')).toEqual({ kind: 'http', clientSide: 1, requestSeen: false });
  });
});
