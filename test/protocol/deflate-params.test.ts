import { describe, expect, it } from 'vitest';
import { assumedDeflate, negotiateDeflate, validateDeflateOffer } from '../../src/protocol/deflate-params.js';
import { parseExtensionHeader } from '../../src/protocol/extension-header.js';
import type { ExtensionOffer } from '../../src/protocol/handshake-types.js';

/** Parses one header value; the test fixtures are written as they appear on the wire. */
const ext = (value: string): ExtensionOffer[] => parseExtensionHeader([value]).offers;
const one = (value: string): ExtensionOffer => ext(value)[0];
const codes = (ds: { code: string }[]) => ds.map((d) => d.code);

describe('validateDeflateOffer (RFC 7692 §7)', () => {
  it.each([
    'permessage-deflate',
    'permessage-deflate; client_max_window_bits',
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12',
    'permessage-deflate; server_max_window_bits="8"; client_max_window_bits=15',
  ])('accepts %j', (offer) => {
    expect(validateDeflateOffer(one(offer))).toEqual([]);
  });

  it.each([
    ['server_max_window_bits', 'needs a value'],
    ['server_max_window_bits=16', '"16"'],
    ['server_max_window_bits=7', '"7"'],
    ['server_max_window_bits=08', 'leading zeros'],
    ['client_max_window_bits=abc', '"abc"'],
    ['client_max_window_bits=0', '"0"'],
    ['server_no_context_takeover=1', 'takes no value'],
    ['client_no_context_takeover="x"', 'takes no value'],
  ])('param-invalid for %s', (param, text) => {
    const ds = validateDeflateOffer(one(`permessage-deflate; ${param}`));
    expect(codes(ds)).toEqual(['handshake.deflate.param-invalid']);
    expect(ds[0].message).toContain(text);
  });

  it('param-duplicate for a parameter given twice', () => {
    const ds = validateDeflateOffer(one('permessage-deflate; client_max_window_bits; client_max_window_bits=10'));
    expect(codes(ds)).toEqual(['handshake.deflate.param-duplicate']);
    expect(ds[0].message).toContain('client_max_window_bits');
  });

  it('param-unknown for a parameter RFC 7692 does not define (names are exact)', () => {
    expect(codes(validateDeflateOffer(one('permessage-deflate; foo=1; Server_No_Context_Takeover')))).toEqual([
      'handshake.deflate.param-unknown',
      'handshake.deflate.param-unknown',
    ]);
  });

  it('checks a plain record as well as a parsed offer', () => {
    expect(
      codes(validateDeflateOffer({ name: 'permessage-deflate', params: { server_max_window_bits: true } })),
    ).toEqual(['handshake.deflate.param-invalid']);
  });
});

describe('negotiateDeflate (RFC 7692 §7.1)', () => {
  const chrome = ext('permessage-deflate; client_max_window_bits');

  it('the ws answer to Chrome: defaults in both directions, no diagnostics', () => {
    const r = negotiateDeflate(chrome, one('permessage-deflate'));
    expect(r.diagnostics).toEqual([]);
    expect(r.deflate).toEqual({
      client: { windowBits: 15, noContextTakeover: false },
      server: { windowBits: 15, noContextTakeover: false },
    });
  });

  it('client_max_window_bits in the response sets what the client compresses with', () => {
    expect(negotiateDeflate(chrome, one('permessage-deflate; client_max_window_bits=15')).diagnostics).toEqual([]);
    const r = negotiateDeflate(
      chrome,
      one('permessage-deflate; client_max_window_bits=10; client_no_context_takeover'),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.deflate.client).toEqual({ windowBits: 10, noContextTakeover: true });
    expect(r.deflate.server).toEqual({ windowBits: 15, noContextTakeover: false });
  });

  it('response-invalid: client_max_window_bits answered but not offered (§7.1.2.2)', () => {
    const r = negotiateDeflate(ext('permessage-deflate'), one('permessage-deflate; client_max_window_bits=10'));
    expect(codes(r.diagnostics)).toEqual(['handshake.deflate.response-invalid']);
    expect(r.diagnostics[0].message).toBe('the response has client_max_window_bits but the offer did not include it');
  });

  it('response-invalid: client_max_window_bits above the offered value (§7.1.2.2)', () => {
    const r = negotiateDeflate(
      ext('permessage-deflate; client_max_window_bits=10'),
      one('permessage-deflate; client_max_window_bits=12'),
    );
    expect(codes(r.diagnostics)).toEqual(['handshake.deflate.response-invalid']);
    expect(r.diagnostics[0].message).toContain('exceeds the offered 10');
  });

  it('param-invalid: client_max_window_bits without a value is not allowed in a response', () => {
    const r = negotiateDeflate(chrome, one('permessage-deflate; client_max_window_bits'));
    expect(codes(r.diagnostics)).toEqual(['handshake.deflate.param-invalid']);
    expect(r.deflate.client.windowBits).toBe(15);
  });

  it('server_max_window_bits: must be answered, and not above the offer (§7.1.2.1)', () => {
    const offer = ext('permessage-deflate; server_max_window_bits=10');
    expect(codes(negotiateDeflate(offer, one('permessage-deflate')).diagnostics)).toEqual([
      'handshake.deflate.response-invalid',
    ]);
    expect(codes(negotiateDeflate(offer, one('permessage-deflate; server_max_window_bits=12')).diagnostics)).toEqual([
      'handshake.deflate.response-invalid',
    ]);
    const ok = negotiateDeflate(offer, one('permessage-deflate; server_max_window_bits=9'));
    expect(ok.diagnostics).toEqual([]);
    expect(ok.deflate.server.windowBits).toBe(9);
  });

  it('server_max_window_bits may be answered unasked (§7.1.2.1)', () => {
    const r = negotiateDeflate(ext('permessage-deflate'), one('permessage-deflate; server_max_window_bits=11'));
    expect(r.diagnostics).toEqual([]);
    expect(r.deflate.server.windowBits).toBe(11);
  });

  it('server_no_context_takeover: an offered one must be echoed; an unasked one is fine (§7.1.1.1)', () => {
    const asked = ext('permessage-deflate; server_no_context_takeover');
    expect(codes(negotiateDeflate(asked, one('permessage-deflate')).diagnostics)).toEqual([
      'handshake.deflate.response-invalid',
    ]);
    const unasked = negotiateDeflate(ext('permessage-deflate'), one('permessage-deflate; server_no_context_takeover'));
    expect(unasked.diagnostics).toEqual([]);
    expect(unasked.deflate.server.noContextTakeover).toBe(true);
  });

  it('client_no_context_takeover may be answered unasked (§7.1.1.2)', () => {
    const r = negotiateDeflate(ext('permessage-deflate'), one('permessage-deflate; client_no_context_takeover'));
    expect(r.diagnostics).toEqual([]);
    expect(r.deflate.client.noContextTakeover).toBe(true);
  });

  it('the response may accept any one of several offers', () => {
    const offers = ext('permessage-deflate; server_max_window_bits=10, permessage-deflate; client_max_window_bits');
    expect(negotiateDeflate(offers, one('permessage-deflate; client_max_window_bits=12')).diagnostics).toEqual([]);
  });

  it('a response that fits no offer is reported against the closest one', () => {
    const offers = ext(
      'permessage-deflate; server_max_window_bits=10; server_no_context_takeover, permessage-deflate; server_max_window_bits=9',
    );
    const r = negotiateDeflate(offers, one('permessage-deflate; server_max_window_bits=12'));
    expect(codes(r.diagnostics)).toEqual(['handshake.deflate.response-invalid']);
    expect(r.diagnostics[0].message).toContain('closest is offer 2');
  });

  it('with offers unknown (null) checks the response alone', () => {
    const r = negotiateDeflate(
      null,
      one('permessage-deflate; client_max_window_bits=9; foo; server_max_window_bits=99'),
    );
    expect(codes(r.diagnostics)).toEqual(['handshake.deflate.param-unknown', 'handshake.deflate.param-invalid']);
    expect(r.deflate.client.windowBits).toBe(9);
    expect(r.deflate.server.windowBits).toBe(15);
  });

  it('leaves an unoffered permessage-deflate to the caller (extension.not-offered)', () => {
    expect(negotiateDeflate(ext('x-other'), one('permessage-deflate; client_max_window_bits=9')).diagnostics).toEqual(
      [],
    );
  });

  it('param-duplicate in a response', () => {
    const r = negotiateDeflate(null, one('permessage-deflate; server_no_context_takeover; server_no_context_takeover'));
    expect(codes(r.diagnostics)).toEqual(['handshake.deflate.param-duplicate']);
  });
});

describe('assumedDeflate', () => {
  it('defaults to a 15-bit window with context takeover both ways', () => {
    expect(assumedDeflate()).toEqual({
      client: { windowBits: 15, noContextTakeover: false },
      server: { windowBits: 15, noContextTakeover: false },
    });
  });

  it('uses the given settings for both directions', () => {
    expect(assumedDeflate(9, true)).toEqual({
      client: { windowBits: 9, noContextTakeover: true },
      server: { windowBits: 9, noContextTakeover: true },
    });
  });
});
