// An Upgrade after plain HTTP on one kept-alive connection (RFC 9112 §9.3, RFC 6455 §4.1):
// plain.pcap rewritten with plain HTTP exchanges put in front of its Upgrade request, on
// the same TCP connection. Decoding must start at the Upgrade request and at the 101, so
// the streams equal the original's; bodies are skipped by Content-Length or chunked coding;
// where a body's end cannot be told the connection is dropped quietly, as plain HTTP is.
import { describe, expect, it } from 'vitest';
import { FOLLOWING, GIVE_UP, HttpKeepAliveFollower } from '../../src/capture/http-keep-alive-follower.js';
import { SessionDecoder } from '../../src/session/session-decoder.js';
import type { InspectEvent, StreamEvent } from '../../src/session/events.js';
import { byConnection, decode, expected, fixture, pcapOf, sha256, type ConnResult } from './helpers/capture-harness.js';
import { SYN, readTcpRecords, type TcpRecord } from './helpers/tcp-packets.js';

const records = readTcpRecords(fixture('plain.pcap'));
const truth = expected('plain.pcap').connections[0];
const SERVER = 18080;
const isC2s = (r: TcpRecord): boolean => r.dport === SERVER;
/** The HTTP Upgrade request: the first client data segment. */
const REQUEST = records.findIndex((r) => isC2s(r) && r.payload.length > 0);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

type Insert = readonly [dir: 'c2s' | 's2c', bytes: Uint8Array | string];

/**
 * plain.pcap with `before` (in this order) sent ahead of its Upgrade request, and the
 * server's `after` sent between that request and the 101 (answers to pipelined requests);
 * every later sequence and acknowledgement number moved past them.
 */
function withExchanges(before: readonly Insert[], after: readonly (readonly ['s2c', string])[] = []): TcpRecord[] {
  const added = { c2s: 0, s2c: 0 };
  const client = records[REQUEST];
  const server = records.find((r) => !isC2s(r) && r.payload.length > 0)!;
  const first = { c2s: client.seq, s2c: server.seq };
  const make = ([dir, bytes]: Insert, time: number): TcpRecord => {
    const payload = typeof bytes === 'string' ? text(bytes) : bytes;
    const other = dir === 'c2s' ? 's2c' : 'c2s';
    const r = {
      ...(dir === 'c2s' ? client : server),
      time,
      payload,
      seq: (first[dir] + added[dir]) >>> 0,
      ack: (first[other] + added[other]) >>> 0,
    };
    added[dir] += payload.length;
    return r;
  };
  const shift = (r: TcpRecord): TcpRecord => {
    const [mine, theirs] = isC2s(r) ? [added.c2s, added.s2c] : [added.s2c, added.c2s];
    return { ...r, seq: (r.seq + mine) >>> 0, ack: r.ack === 0 ? 0 : (r.ack + theirs) >>> 0 };
  };
  const head = before.map((ins, i) => make(ins, client.time - 0.001 + i * 1e-7));
  const upgrade = shift(client);
  const answers = after.map((ins, i) => make(ins, client.time + (i + 1) * 1e-6));
  return [...records.slice(0, REQUEST), ...head, upgrade, ...answers, ...records.slice(REQUEST + 1).map(shift)];
}

/** Index of the record whose payload is exactly `s`. */
const indexOf = (rs: readonly TcpRecord[], s: string): number =>
  rs.findIndex((r) => new TextDecoder().decode(r.payload) === s);

function only(rs: readonly TcpRecord[]): ConnResult {
  const conns = [...byConnection(decode(pcapOf(rs))).values()];
  expect(conns).toHaveLength(1);
  return conns[0];
}

function expectOriginalStreams(conn: ConnResult): void {
  expect(conn.detectedBy).toBe('handshake');
  expect(sha256(conn.c2s)).toBe(truth.streams.c2s.sha256);
  expect(sha256(conn.s2c)).toBe(truth.streams.s2c.sha256);
  expect(conn.gaps).toEqual([]);
}

/** The session's view: handshake request and response, then the messages the generator sent. */
function inspect(events: readonly StreamEvent[]): InspectEvent[] {
  const out: InspectEvent[] = [];
  let session: SessionDecoder | null = null;
  for (const e of events) {
    if (e.kind === 'open')
      session = new SessionDecoder({
        conn: e.conn,
        expectHandshake: e.detectedBy === 'handshake',
        onEvent: (ie) => out.push(ie),
      });
    if (e.conn !== null) session?.handle(e);
  }
  return out;
}

const GET_A = 'GET /a HTTP/1.1\r\nHost: 127.0.0.1:18080\r\n\r\n';
const OK_A = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello, world';

describe('Upgrade after plain HTTP on a kept-alive connection', () => {
  it('GET, 200 with Content-Length, then the Upgrade: decoded from the Upgrade request', () => {
    const rs = withExchanges([
      ['c2s', GET_A],
      ['s2c', OK_A],
    ]);
    const events = decode(pcapOf(rs));
    const [conn] = byConnection(events).values();
    expectOriginalStreams(conn);
    expect(conn.codes).toEqual([]);
    const session = inspect(events);
    const handshakes = session.flatMap((e) => (e.type === 'handshake' ? [e.handshake] : []));
    expect(handshakes.map((h) => h.side)).toEqual(['request', 'response']);
    expect(handshakes[0].side === 'request' && handshakes[0].path).toBe('/chat');
    expect(handshakes[1].side === 'response' && handshakes[1].upgraded).toBe(true);
    const messages = session.filter((e) => e.type === 'message');
    expect(messages).toHaveLength(truth.messages.filter((m) => m.opcode < 8).length);
  });

  it('the same capture without the inserted exchange decodes identically (the baseline)', () => {
    expectOriginalStreams(only(records));
  });

  it('several exchanges: chunked bodies (extensions, trailers, split anywhere), HEAD, 204, 304, a POST body', () => {
    const chunked =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n';
    const conn = only(
      withExchanges([
        ['c2s', GET_A],
        ['s2c', chunked.slice(0, 40)],
        ['s2c', chunked.slice(40, 61)],
        ['s2c', chunked.slice(61)],
        ['c2s', 'HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n'],
        ['s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 123456\r\n\r\n'],
        ['c2s', 'DELETE /x HTTP/1.1\r\nHost: x\r\n\r\n'],
        ['s2c', 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n'],
        ['c2s', 'GET /c HTTP/1.1\r\nIf-None-Match: "1"\r\n\r\n'],
        ['s2c', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n'],
        ['c2s', 'POST /form HTTP/1.1\r\nContent-Length: 7\r\n\r\na=1&b=2'],
        ['s2c', OK_A],
        ['c2s', 'PUT /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
        ['s2c', OK_A],
      ]),
    );
    expectOriginalStreams(conn);
  });

  it('a large body over many segments, and a 100 Continue before the final response', () => {
    const body = new Uint8Array(300_000).fill(0x81); // bytes that would read as frame headers
    const segments: Insert[] = [];
    for (let at = 0; at < body.length; at += 1448) segments.push(['s2c', body.subarray(at, at + 1448)]);
    const conn = only(
      withExchanges([
        ['c2s', 'POST /upload HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n'],
        ['s2c', 'HTTP/1.1 100 Continue\r\n\r\n'],
        ['c2s', 'data'],
        ['s2c', `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`],
        ...segments,
      ]),
    );
    expectOriginalStreams(conn);
  });

  it('pipelined: the Upgrade request goes out before the answer to the request ahead of it', () => {
    const conn = only(
      withExchanges(
        [
          ['c2s', GET_A],
          ['c2s', 'GET /b HTTP/1.1\r\n\r\n'],
        ],
        [
          ['s2c', OK_A],
          ['s2c', OK_A],
        ],
      ),
    );
    expectOriginalStreams(conn);
  });

  it('pipelined requests in one segment with the Upgrade request', () => {
    const rs = withExchanges([['c2s', GET_A]], [['s2c', OK_A]]);
    const get = indexOf(rs, GET_A);
    // GET /a and the Upgrade request in one segment
    const joined = { ...rs[get], payload: new Uint8Array([...rs[get].payload, ...rs[get + 1].payload]) };
    expectOriginalStreams(only([...rs.slice(0, get), joined, ...rs.slice(get + 2)]));
  });

  it('the HTTP bytes split into 1-byte segments', () => {
    const inserts: Insert[] = [
      ...[...GET_A].map((ch): Insert => ['c2s', ch]),
      ...[...OK_A].map((ch): Insert => ['s2c', ch]),
    ];
    expectOriginalStreams(only(withExchanges(inserts)));
  });

  it('capture began between a plain request and its response: the response is matched to it', () => {
    const rs = withExchanges([
      ['c2s', GET_A],
      ['s2c', OK_A],
    ]).filter((r) => (r.flags & SYN) === 0);
    expectOriginalStreams(only(rs.filter((_, i) => i !== indexOf(rs, GET_A))));
  });

  it('lost bytes inside a body of known length are skipped; lost bytes in a later head give up quietly', () => {
    const body = 'x'.repeat(3000);
    const rs = withExchanges([
      ['c2s', GET_A],
      ['s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n'],
      ['s2c', body.slice(0, 1000)],
      ['s2c', body.slice(1000, 2000)],
      ['s2c', body.slice(2000)],
    ]);
    const lost = indexOf(rs, body.slice(1000, 2000));
    expectOriginalStreams(only([...rs.slice(0, lost), ...rs.slice(lost + 1)]));
    const split = withExchanges([
      ['c2s', GET_A],
      ['s2c', OK_A],
      ['c2s', 'GET /b HT'],
      ['c2s', 'TP/1.1\r\n'],
      ['c2s', 'Host: x\r\n\r\n'],
      ['s2c', OK_A],
    ]);
    const inHead = indexOf(split, 'TP/1.1\r\n');
    expect(decode(pcapOf([...split.slice(0, inHead), ...split.slice(inHead + 1)]))).toEqual([]);
  });
});

describe('plain HTTP that cannot be followed is dropped quietly, as before', () => {
  const cases: [string, Insert[]][] = [
    [
      'a response with neither length nor chunked (read until close)',
      [
        ['c2s', GET_A],
        ['s2c', 'HTTP/1.1 200 OK\r\n\r\nstream...'],
      ],
    ],
    [
      'a response whose final coding is not chunked',
      [
        ['c2s', GET_A],
        ['s2c', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'],
      ],
    ],
    [
      'conflicting Content-Length values',
      [
        ['c2s', GET_A],
        ['s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello'],
      ],
    ],
    [
      'a 2xx to CONNECT (a tunnel)',
      [
        ['c2s', 'CONNECT example.com:443 HTTP/1.1\r\n\r\n'],
        ['s2c', 'HTTP/1.1 200 Connection established\r\n\r\n'],
      ],
    ],
    [
      'a 101 to another protocol',
      [
        ['c2s', 'GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n'],
        ['s2c', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'],
      ],
    ],
    [
      'a bad chunk size',
      [
        ['c2s', GET_A],
        ['s2c', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
      ],
    ],
    [
      'a head longer than 16 KiB',
      [
        ['c2s', `GET /a HTTP/1.1\r\nCookie: ${'c'.repeat(17 * 1024)}\r\n\r\n`],
        ['s2c', OK_A],
      ],
    ],
    [
      'a request that is not HTTP after the first',
      [
        ['c2s', GET_A],
        ['s2c', OK_A],
        ['c2s', '\x16\x03\x01\x00\x05hello'],
      ],
    ],
  ];
  for (const [what, inserts] of cases) {
    it(what, () => {
      expect(decode(pcapOf(withExchanges(inserts)))).toEqual([]);
    });
  }

  it('plain HTTP only, kept alive over several exchanges: nothing reported', () => {
    const plainOnly = withExchanges([
      ['c2s', GET_A],
      ['s2c', OK_A],
      ['c2s', GET_A],
      ['s2c', OK_A],
    ]);
    const upgradeAt = plainOnly.findIndex(
      (r) => isC2s(r) && new TextDecoder().decode(r.payload).includes('Upgrade: websocket'),
    );
    // cut the connection before its Upgrade request
    expect(decode(pcapOf(plainOnly.slice(0, upgradeAt)))).toEqual([]);
    expect(decode(fixture('http-beside.pcap')).filter((e) => e.kind === 'open')).toHaveLength(1);
  });
});

describe('HttpKeepAliveFollower', () => {
  const upgrade = 'GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  const switching = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n';
  const follower = (): HttpKeepAliveFollower => new HttpKeepAliveFollower(0, true, { bytes: 0, limit: 1 << 20 });

  it('returns where each side of the WebSocket conversation starts, with what it already held', () => {
    const f = follower();
    expect(f.feed(1, text(OK_A.slice(0, 10)))).toBe(FOLLOWING); // the answer, early
    expect(f.feed(0, text(GET_A + upgrade + '\x81'))).toBe(GET_A.length + upgrade.length);
    expect(new TextDecoder().decode(f.held)).toBe(upgrade);
    expect(f.serverReady()).toBe(false); // the answer to GET /a is not over yet
    const rest = text(OK_A.slice(10) + switching);
    expect(f.feed(1, rest)).toBe(rest.length - switching.length);
    expect(f.held).toHaveLength(0);
  });

  it('a response that ends before its request was read still answers it', () => {
    const f = follower();
    expect(f.feed(1, text(OK_A))).toBe(FOLLOWING);
    expect(f.feed(0, text(GET_A))).toBe(FOLLOWING);
    expect(f.feed(0, text(upgrade))).toBe(upgrade.length);
    expect(f.serverReady()).toBe(true);
  });

  it('a HEAD response has no body, whatever its Content-Length; part of the 101 already seen is held', () => {
    const f = follower();
    f.feed(0, text('HEAD / HTTP/1.1\r\n\r\n'));
    f.feed(1, text('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 1'));
    expect(f.feed(0, text(upgrade))).toBe(upgrade.length);
    expect(f.serverReady()).toBe(true);
    expect(new TextDecoder().decode(f.held)).toBe('HTTP/1.1 1');
  });

  it('gives up on what it cannot follow', () => {
    const f = follower();
    f.feed(0, text(GET_A));
    expect(f.feed(1, text('HTTP/1.1 200 OK\r\n\r\n'))).toBe(GIVE_UP);
    expect(f.feed(0, text(upgrade))).toBe(GIVE_UP);
  });
});
