import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  paramsInOrder,
  paramValue,
  parseExtensionHeader,
  plainOffer,
  splitHeaderList,
} from '../../src/protocol/extension-header.js';

const codes = (r: { diagnostics: { code: string }[] }) => r.diagnostics.map((d) => d.code);

describe('splitHeaderList', () => {
  it('splits a comma list and trims spaces and tabs', () => {
    expect(splitHeaderList('keep-alive, Upgrade')).toEqual(['keep-alive', 'Upgrade']);
    expect(splitHeaderList('chat,\tsuperchat ')).toEqual(['chat', 'superchat']);
  });

  it('drops empty elements (RFC 7230 §7)', () => {
    expect(splitHeaderList(' , ,a,,')).toEqual(['a']);
    expect(splitHeaderList('')).toEqual([]);
  });

  it('does not split inside quoted-strings, escaped quotes included', () => {
    expect(splitHeaderList('a; p="x,y", b; q="\\",", c')).toEqual(['a; p="x,y"', 'b; q="\\","', 'c']);
  });
});

describe('parseExtensionHeader (RFC 6455 §9.1)', () => {
  it('parses the Chrome offer: a bare parameter has the value true', () => {
    const r = parseExtensionHeader(['permessage-deflate; client_max_window_bits']);
    expect(r.diagnostics).toEqual([]);
    expect(r.offers.map(plainOffer)).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: true } },
    ]);
    expect(r.offers[0].text).toBe('permessage-deflate; client_max_window_bits');
  });

  it('reads several offers per line and several lines, in order', () => {
    const r = parseExtensionHeader([
      'permessage-deflate; client_max_window_bits=10, permessage-deflate',
      'x-foo;a=1;b',
    ]);
    expect(r.offers.map(plainOffer)).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: '10' } },
      { name: 'permessage-deflate', params: {} },
      { name: 'x-foo', params: { a: '1', b: true } },
    ]);
  });

  it('unescapes quoted-string values and allows whitespace around "="', () => {
    const r = parseExtensionHeader(['e; a="10"; b = "1\\5"; c =\t9']);
    expect(r.diagnostics).toEqual([]);
    expect(r.offers[0].params).toEqual({ a: '10', b: '15', c: '9' });
  });

  it('flags a quoted value that is not a token once unescaped, but keeps the offer', () => {
    const r = parseExtensionHeader(['e; a="x y"']);
    expect(codes(r)).toEqual(['handshake.extension.malformed']);
    expect(r.diagnostics[0].message).toContain('"x y"');
    expect(r.offers[0].params).toEqual({ a: 'x y' });
  });

  it.each([
    ['; a=1', 'name is missing'],
    ['e; =1', 'parameter name'],
    ['e x', 'unexpected "x"'],
    ['e; a=', 'neither a token nor a quoted-string'],
    ['e; a="open', 'neither a token nor a quoted-string'],
    ['e; a=1 2', 'unexpected "2"'],
    ['"e"', 'name is missing'],
  ])('flags and drops the malformed element %j, keeping the others', (bad, why) => {
    const r = parseExtensionHeader([`good, ${bad}`, 'also-good']);
    expect(codes(r)).toEqual(['handshake.extension.malformed']);
    expect(r.diagnostics[0].message).toContain(why);
    expect(r.offers.map((o) => o.name)).toEqual(['good', 'also-good']);
  });

  it('keeps duplicate parameters in paramList; params holds the first', () => {
    const r = parseExtensionHeader(['permessage-deflate; server_max_window_bits=10; server_max_window_bits=12']);
    expect(r.offers[0].params).toEqual({ server_max_window_bits: '10' });
    expect(r.offers[0].paramList).toEqual([
      { name: 'server_max_window_bits', value: '10' },
      { name: 'server_max_window_bits', value: '12' },
    ]);
  });

  it('keeps a parameter named __proto__ as plain data', () => {
    const r = parseExtensionHeader(['e; __proto__=x; constructor']);
    expect(Object.keys(r.offers[0].params)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(r.offers[0].params)).toBe(Object.prototype);
    expect(paramValue(r.offers[0], '__proto__')).toBe('x');
    expect(paramValue(r.offers[0], 'toString')).toBeUndefined();
  });

  it('caps the diagnostics of a hostile header', () => {
    const r = parseExtensionHeader([';,'.repeat(1000)]);
    expect(r.diagnostics).toHaveLength(17);
    expect(r.offers).toEqual([]);
  });

  it('escapes control bytes in messages', () => {
    const r = parseExtensionHeader(['e\x1b[2J']);
    expect(r.diagnostics[0].message).toContain('\\x1b[2J');
    expect(r.diagnostics[0].message).not.toMatch(/[\x00-\x1f]/);
  });

  // Well-formed headers built from the §9.1 grammar, so offers really come back; then the same
  // headers with bytes replaced, to check every offer that survives the damage.
  const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/);
  const ows = fc.constantFrom('', ' ', '\t', ' \t ');
  const element = fc.record({
    name: token,
    params: fc.uniqueArray(
      fc.record({ name: token, value: fc.option(token), quoted: fc.boolean(), escape: fc.nat(7), pad: ows }),
      { selector: (p) => p.name, maxLength: 4 },
    ),
  });
  type Element = typeof element extends fc.Arbitrary<infer T> ? T : never;
  const write = ({ name, params }: Element) =>
    name +
    params
      .map(({ name: n, value, quoted, escape, pad }) => {
        if (value === null) return `${pad};${pad}${n}`;
        // A quoted-pair may escape any character (RFC 7230 §3.2.6); escape one of them.
        const v = quoted
          ? `"${[...value].map((c, i) => (i === escape % value.length ? `\\${c}` : c)).join('')}"`
          : value;
        return `${pad};${pad}${n}${pad}=${pad}${v}`;
      })
      .join('');
  const model = ({ name, params }: Element) => ({
    name,
    params: Object.fromEntries(params.map((p) => [p.name, p.value ?? true])),
  });
  const header = fc.array(fc.array(element, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 });
  const lines = (h: Element[][]) => h.map((line) => line.map(write).join(', '));

  it('parses every well-formed header to exactly its offers, without diagnostics', () => {
    let offers = 0;
    fc.assert(
      fc.property(header, (h) => {
        const r = parseExtensionHeader(lines(h));
        expect(r.diagnostics).toEqual([]);
        expect(r.offers.map(plainOffer)).toEqual(h.flat().map(model));
        offers += r.offers.length;
      }),
      { seed: 7, numRuns: 300 },
    );
    expect(offers).toBeGreaterThan(600);
  });

  it('never throws on damaged headers; every offer kept has a token name and its own text', () => {
    let offers = 0;
    let flagged = 0;
    fc.assert(
      fc.property(
        header,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (h, edits) => {
          const values = lines(h).map((line) => {
            const chars = [...line];
            for (const [at, c] of edits) chars[at % chars.length] = String.fromCharCode(c);
            return chars.join('');
          });
          const r = parseExtensionHeader(values);
          for (const d of r.diagnostics) expect(d.message).not.toMatch(/[\x00-\x1f\x7f]/);
          if (r.diagnostics.length > 0) flagged++;
          for (const o of r.offers) {
            offers++;
            expect(o.name).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
            expect(values.join(',')).toContain(o.text);
            expect(o.text.startsWith(o.name)).toBe(true);
          }
        },
      ),
      { seed: 7, numRuns: 500 },
    );
    // The loop above must have checked many offers, and damage must often be reported.
    expect(offers).toBeGreaterThan(500);
    expect(flagged).toBeGreaterThan(100);
  });

  it('never throws on arbitrary text', () => {
    // Header values are decoded as latin1, so every character is below 0x100. (A 'binary' unit
    // also costs seconds to set up, once, which made this test time out on a busy machine.)
    const latin1 = fc.string({
      unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    });
    let runs = 0;
    fc.assert(
      fc.property(fc.array(latin1, { maxLength: 3 }), (values) => {
        runs++;
        const r = parseExtensionHeader(values);
        for (const o of r.offers) expect(o.name).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
        for (const d of r.diagnostics) expect(d.message).not.toMatch(/[\x00-\x1f\x7f]/);
      }),
      { seed: 7, numRuns: 500 },
    );
    expect(runs).toBe(500);
  });
});

describe('paramsInOrder / plainOffer', () => {
  it('reads a plain record when there is no paramList', () => {
    expect(paramsInOrder({ name: 'e', params: { a: '1', b: true } })).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: true },
    ]);
  });

  it('plainOffer keeps exactly name and params (the JSON contract)', () => {
    const [offer] = parseExtensionHeader(['e; a=1']).offers;
    expect(Object.keys(plainOffer(offer))).toEqual(['name', 'params']);
  });
});
