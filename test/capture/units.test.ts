// Small pure pieces: timestamps (exact 64-bit tick division), endpoint text (RFC 5952),
// and classifying the first bytes of a stream.
import { describe, expect, it } from 'vitest';
import { formatEndpoint, formatIpv6 } from '../../src/capture/address-format.js';
import {
  StreamStart,
  classifyStreamStart,
  findHeadEnd,
  isWebSocketUpgradeRequest,
  responseStatus,
} from '../../src/protocol/upgrade-detection.js';
import { MICROSECONDS, NANOSECONDS, resolutionFromTsresol, ticksToSeconds } from '../../src/capture/timestamp.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('timestamps', () => {
  const split = (ticks: bigint): [number, number] => [Number(ticks >> 32n), Number(ticks & 0xffffffffn)];

  it('divides nanosecond tick counts above 2^53 exactly', () => {
    const ticks = 1_763_700_000_123_456_789n;
    expect(ticksToSeconds(...split(ticks), NANOSECONDS)).toBe(1_763_700_000.123457);
  });

  it('reads microsecond and power-of-two resolutions', () => {
    expect(ticksToSeconds(...split(1_763_700_000_654_321n), MICROSECONDS)).toBe(1_763_700_000.654321);
    expect(ticksToSeconds(...split(1_763_700_000n * 2n ** 20n + 2n ** 19n), resolutionFromTsresol(0x80 | 20))).toBe(
      1_763_700_000.5,
    );
  });

  it('if_tsresol: 10^-v, 2^-v, and unrepresentable values fall back to µs', () => {
    expect(resolutionFromTsresol(9).ticksPerSecond).toBe(1e9);
    expect(resolutionFromTsresol(0x80 | 10).ticksPerSecond).toBe(1024);
    expect(resolutionFromTsresol(0x80 | 60).ticksPerSecond).toBe(1e6);
  });
});

describe('endpoint text', () => {
  const v6 = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
  it('formats IPv6 in RFC 5952 canonical form', () => {
    expect(formatIpv6(v6('00000000000000000000000000000001'), 0)).toBe('::1');
    expect(formatIpv6(v6('20010db8000000000001000000000001'), 0)).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(v6('20010db8000100000000000000000000'), 0)).toBe('2001:db8:1::');
    expect(formatIpv6(v6('20010db8000000010001000100010001'), 0)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(v6('00000000000000000000ffffc0000201'), 0)).toBe('::ffff:192.0.2.1');
  });
  it('puts IPv6 in brackets before the port', () => {
    expect(formatEndpoint(v6('00000000000000000000000000000001'), 0, 16, 8080)).toBe('[::1]:8080');
    expect(formatEndpoint(new Uint8Array([127, 0, 0, 1]), 0, 4, 80)).toBe('127.0.0.1:80');
  });
});

describe('first bytes of a stream', () => {
  const cases: [string, Uint8Array, StreamStart][] = [
    ['a GET request', enc('GET / HTTP/1.1\r\n'), StreamStart.httpRequest],
    ['an SSDP-style method', enc('M-SEARCH * HTTP/1.1\r\n'), StreamStart.httpRequest],
    ['an HTTP response', enc('HTTP/1.1 101 Switching'), StreamStart.httpResponse],
    ['half a method', enc('GE'), StreamStart.needMore],
    ['a TLS ClientHello', new Uint8Array([0x16, 3, 1, 0, 5]), StreamStart.tls],
    ['a WebSocket frame', new Uint8Array([0x81, 0x05, 0x68]), StreamStart.other],
    ['lower-case text', enc('get / http/1.1'), StreamStart.other],
  ];
  for (const [what, bytes, kind] of cases) {
    it(`${what} → ${kind}`, () => expect(classifyStreamStart(bytes, bytes.length)).toBe(kind));
  }

  it('finds the end of the head and the websocket Upgrade token (any case, in a list)', () => {
    const head = enc('GET / HTTP/1.1\r\nHost: x\r\nupgrade: h2c, WebSocket\r\n\r\nrest');
    expect(findHeadEnd(head, head.length)).toBe(head.length - 4);
    expect(isWebSocketUpgradeRequest(head, head.length - 4)).toBe(true);
    const plain = enc('GET / HTTP/1.1\r\nHost: x\r\nX-Upgrade: websocket\r\n\r\n');
    expect(isWebSocketUpgradeRequest(plain, plain.length)).toBe(false);
    expect(responseStatus(enc('HTTP/1.1 404 Not Found\r\n'), 24)).toBe(404);
  });
});
