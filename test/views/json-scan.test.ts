// scanJson, the views' byte scanner, against JSON.parse and compact(): it must accept exactly
// what JSON.parse accepts, and call a text canonical only when compact() of its value gives the
// text back (the Socket.IO summaries are then the text itself).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compact, parseJson } from '../../src/views/app-json.js';
import { scanJson, scanned } from '../../src/views/json-scan.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

function check(s: string): void {
  const b = bytes(s);
  const valid = scanJson(b);
  expect(valid, s).toBe(parses(new TextDecoder().decode(b)));
  const canonical = scanned.canonical;
  expect(scanJson(b, 0, b.length, false), s).toBe(valid);
  scanned.canonical = canonical;
  if (valid && scanned.canonical) {
    const v = parseJson(s);
    expect(v instanceof Error).toBe(false);
    expect(compact(v as never, Infinity), s).toBe(s);
  }
}

describe('scanJson', () => {
  it('agrees with JSON.parse and compact() on hand-picked texts', () => {
    for (const s of [
      '{}',
      '[]',
      '{"a":1}',
      '{"a":1,"a":2}',
      '{"b":1,"1":2}',
      '[1,2,3]',
      ' [1] ',
      '[1,]',
      '[,1]',
      '{"a":}',
      '{"a"1}',
      '{,}',
      '"x"',
      '"\\u00e9"',
      '"\\u00g9"',
      '"\\x"',
      '"a\tb"',
      '-0',
      '0',
      '01',
      '-',
      '1.',
      '1.5',
      '1e5',
      '1E+5',
      '1e',
      '123456789012345',
      '1234567890123456',
      '12345678901234567890',
      'true',
      'tru',
      'false',
      'null',
      'nul',
      '[true,false,null]',
      '{"é":"ü"}',
      '\ufeff{}',
      '[[[[[[]]]]]]',
      '['.repeat(100) + ']'.repeat(100),
      '['.repeat(100) + ']'.repeat(99),
      '{"a":{"a":1},"b":{"a":2}}',
      '{"a":{"b":1,"b":2}}',
      '{"__proto__":1}',
      '',
      ' ',
      '[1] x',
      '["message",{"text":"hello 0","room":"lobby"}]',
    ])
      check(s);
  });

  it('agrees with JSON.parse and compact() on generated JSON, compact and spaced', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (v, spaced) => {
        check(JSON.stringify(v, null, spaced ? 1 : undefined));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with JSON.parse on JSON with one byte changed', () => {
    const alphabet = ' "\\,:[]{}0123456789-+.eEtrufalsn\u00e9x';
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.nat(), (s, at, ch) => {
        if (s.length === 0) return;
        const i = at % s.length;
        check(s.slice(0, i) + alphabet[ch % alphabet.length] + s.slice(i + 1));
        check(s.slice(0, i) + s.slice(i + 1));
      }),
      { numRuns: 3000 },
    );
  });

  it("finds the end of a top-level array's first element", () => {
    expect(scanJson(bytes('["a",{"b":[1,2]},3]'))).toBe(true);
    expect(scanned.firstComma).toBe(4);
    expect(scanned.canonical).toBe(true);
    expect(scanJson(bytes('[{"b":[1,2]}]'))).toBe(true);
    expect(scanned.firstComma).toBe(-1);
    expect(scanJson(bytes('{"b":[1,2]}'))).toBe(true);
    expect(scanned.firstComma).toBe(-1);
  });
});
