import { describe, expect, it } from 'vitest';
import { acceptDerivation, computeAccept, WEBSOCKET_GUID } from '../../src/protocol/accept-key.js';

describe('computeAccept (RFC 6455 §4.2.2)', () => {
  it.each([
    ['dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
    ['sN9cRrP/n9NdMgdcy2VJFQ==', 'fFBooB7FAkLlXgRSz0BT3v4hq5s='],
    ['UdTUf90CC561cQXn4n5XRg==', 'GZk41FJZSYY0CmsrZPGpUGRQzkY='],
  ])('%s → %s', (key, accept) => {
    expect(computeAccept(key)).toBe(accept);
  });

  it('hashes the key text as sent, not its base64 decoding', () => {
    expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ')).not.toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('hashes latin1 text byte for byte and does not throw on odd keys', () => {
    expect(computeAccept('\xe9\x00')).toBe(computeAccept('\xe9\x00'));
    expect(computeAccept('\xe9')).not.toBe(computeAccept('\xc3\xa9'));
    expect(computeAccept('')).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });
});

describe('acceptDerivation', () => {
  it('lays out the RFC 6455 §1.3 example step by step', () => {
    const d = acceptDerivation('dGhlIHNhbXBsZSBub25jZQ==');
    expect(d).toEqual({
      key: 'dGhlIHNhbXBsZSBub25jZQ==',
      guid: '258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
      concatenated: 'dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
      // §1.3: 0xb3 0x7a 0x4f 0x2c 0xc0 0x62 0x4f 0x16 0x90 0xf6 0x46 0x06 0xcf 0x38 0x59 0x45 0xb2 0xbe 0xc4 0xea
      sha1Hex: 'b37a4f2cc0624f1690f64606cf385945b2bec4ea',
      accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    });
    expect(WEBSOCKET_GUID).toBe(d.guid);
  });

  it('agrees with computeAccept', () => {
    for (const key of ['sN9cRrP/n9NdMgdcy2VJFQ==', 'x', ''])
      expect(acceptDerivation(key).accept).toBe(computeAccept(key));
  });
});
