import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HttpHeadParser,
  headerValues,
  quoteText,
  splitHttpHead,
  trimOws,
  type HttpHeadResult,
} from '../../src/protocol/http-head-parser.js';
import { chunkings, seededRandom, splitAt } from '../helpers/frame-builder.js';

const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

const HEAD = 'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\r\n';
const FRAME = '\x81\x05hello';

/** Pushes chunks; returns the first result and everything pushed after it. */
function run(chunks: Uint8Array[], maxHead = 1024): { result: HttpHeadResult | null; rest: string; nulls: number } {
  const parser = new HttpHeadParser(maxHead);
  let result: HttpHeadResult | null = null;
  let rest = '';
  let nulls = 0;
  for (const c of chunks) {
    if (result !== null) {
      rest += text(c);
      continue;
    }
    result = parser.push(c);
    if (result === null) nulls++;
    else rest += text(result.rest);
  }
  return { result, rest, nulls };
}

describe('HttpHeadParser: finding the end of the head', () => {
  it('returns head and the bytes after it from one push', () => {
    const { result } = run([latin1(HEAD + FRAME)]);
    expect(result?.kind).toBe('head');
    expect(result?.tooLarge).toBe(false);
    expect(text(result!.head)).toBe(HEAD);
    expect(text(result!.rest)).toBe(FRAME);
  });

  it('returns null while the head is incomplete and counts the buffered bytes', () => {
    const parser = new HttpHeadParser(1024);
    expect(parser.push(latin1('GET / HTTP/1.1\r\nHost: a\r\n'))).toBeNull();
    expect(parser.push(latin1('\r'))).toBeNull();
    expect(parser.bufferedLength).toBe(26);
    const r = parser.push(latin1('\nX'));
    expect(text(r!.head)).toBe('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(text(r!.rest)).toBe('X');
    expect(parser.bufferedLength).toBe(0);
  });

  it('gives the same head and rest when split at every byte (one cut, and byte by byte)', () => {
    const bytes = latin1(HEAD + FRAME);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const got = run([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(text(got.result!.head)).toBe(HEAD);
      expect(got.rest).toBe(FRAME);
    }
    for (const chunks of chunkings(bytes)) {
      const got = run(chunks);
      expect(text(got.result!.head)).toBe(HEAD);
      expect(got.rest).toBe(FRAME);
    }
  });

  it('finds a terminator that straddles two pushes, wherever it is cut', () => {
    for (const [a, b] of [
      ['x\r\n\r', '\nR'],
      ['x\r\n', '\r\nR'],
      ['x\r', '\n\r\nR'],
      ['x\n', '\nR'],
    ]) {
      const got = run([latin1(`GET / HTTP/1.1\r\n${a}`), latin1(b)]);
      expect(got.result?.kind).toBe('head');
      expect(got.rest).toBe('R');
    }
  });

  it('accepts a bare LF LF terminator leniently', () => {
    const { result } = run([latin1('GET / HTTP/1.1\nHost: a\n\nR')]);
    expect(text(result!.head)).toBe('GET / HTTP/1.1\nHost: a\n\n');
    expect(text(result!.rest)).toBe('R');
  });

  it('does not end the head at CR CR LF or a lone CRLF', () => {
    expect(run([latin1('GET / HTTP/1.1\r\nA: b\r\r\n')]).result).toBeNull();
    expect(run([latin1('GET / HTTP/1.1\r\n')]).result).toBeNull();
  });

  it('keeps a copy of partial input, so a reused caller buffer cannot change the head', () => {
    const parser = new HttpHeadParser(1024);
    const buf = latin1('GET / HTTP/1.1\r\n');
    parser.push(buf);
    buf.fill(0x41);
    expect(text(parser.push(latin1('\r\n'))!.head)).toBe('GET / HTTP/1.1\r\n\r\n');
  });

  it('is ready for the next head after a result (keep-alive after a non-101)', () => {
    const parser = new HttpHeadParser(1024);
    const first = parser.push(latin1(`${HEAD}${HEAD}`));
    expect(text(first!.head)).toBe(HEAD);
    const second = parser.push(first!.rest);
    expect(text(second!.head)).toBe(HEAD);
    expect(second!.rest.length).toBe(0);
  });

  it('reset() forgets a partial head', () => {
    const parser = new HttpHeadParser(1024);
    parser.push(latin1('GARBAGE\r\n'));
    parser.reset();
    expect(text(parser.push(latin1('GET / HTTP/1.1\r\n\r\n'))!.head)).toBe('GET / HTTP/1.1\r\n\r\n');
  });
});

describe('HttpHeadParser: the size limit', () => {
  it('accepts a head of exactly maxHead bytes, terminator included', () => {
    const head = latin1('GET / HTTP/1.1\r\n\r\n');
    expect(run([head], head.length).result?.kind).toBe('head');
    expect(run([head], head.length - 1).result?.kind).toBe('too-large');
  });

  it('reports too-large with the first maxHead bytes, the unscanned rest and a diagnostic', () => {
    const { result } = run([latin1('A'.repeat(20))], 10);
    expect(result?.kind).toBe('too-large');
    if (result?.kind !== 'too-large') return;
    expect(result.tooLarge).toBe(true);
    expect(result.head.length).toBe(10);
    expect(result.rest.length).toBe(10);
    expect(result.diagnostic.code).toBe('handshake.head.too-large');
    expect(result.diagnostic.message).toContain('10 bytes');
  });

  it('reports too-large across pushes without buffering more than maxHead', () => {
    const parser = new HttpHeadParser(10);
    expect(parser.push(latin1('A'.repeat(6)))).toBeNull();
    const r = parser.push(latin1('B'.repeat(6)));
    expect(r?.kind).toBe('too-large');
    expect(text(r!.head)).toBe('AAAAAABBBB');
    expect(text(r!.rest)).toBe('BB');
  });

  it('reports too-large when the terminator lies beyond the limit, at any split', () => {
    const bytes = latin1(`GET / HTTP/1.1\r\nX: ${'y'.repeat(40)}\r\n\r\n`);
    for (const chunks of chunkings(bytes)) expect(run(chunks, 30).result?.kind).toBe('too-large');
  });
});

describe('HttpHeadParser: hostile input', () => {
  it('never throws on random bytes, and every chunking agrees with the whole', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 1_000_000 }), (bytes, seed) => {
        const whole = run([bytes], 200);
        const rnd = seededRandom(seed);
        const cuts = Array.from({ length: 6 }, () => Math.floor(rnd() * bytes.length));
        const split = run(splitAt(bytes, cuts), 200);
        expect(split.result?.kind).toBe(whole.result?.kind);
        if (whole.result !== null) expect(text(split.result!.head)).toBe(text(whole.result.head));
        expect(split.rest).toBe(whole.result === null ? '' : text(whole.result.rest));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('an empty push is a no-op', () => {
    const parser = new HttpHeadParser(4);
    expect(parser.push(new Uint8Array(0))).toBeNull();
    expect(parser.bufferedLength).toBe(0);
  });
});

describe('splitHttpHead', () => {
  const codes = (h: ReturnType<typeof splitHttpHead>) => h.diagnostics.map((d) => d.code);

  it('keeps names as written, trims values, and keeps wire order', () => {
    const h = splitHttpHead(
      latin1('GET / HTTP/1.1\r\nhOsT:  a.b \r\nX-B:\tv\t\r\nX-A: 1\r\nX-B: 2\r\n\r\n'),
      'handshake.request.malformed',
    );
    expect(h.startLine).toBe('GET / HTTP/1.1');
    expect(h.headers).toEqual([
      ['hOsT', 'a.b'],
      ['X-B', 'v'],
      ['X-A', '1'],
      ['X-B', '2'],
    ]);
    expect(h.diagnostics).toEqual([]);
    expect(headerValues(h.headers, 'x-b')).toEqual(['v', '2']);
    expect(headerValues(h.headers, 'HOST')).toEqual(['a.b']);
  });

  it('skips empty lines before the start line (RFC 7230 §3.5)', () => {
    expect(splitHttpHead(latin1('\r\nGET / HTTP/1.1\r\n\r\n'), 'handshake.request.malformed').startLine).toBe(
      'GET / HTTP/1.1',
    );
  });

  it('flags obs-fold, a line without a colon and space before the colon, and goes on', () => {
    const h = splitHttpHead(
      latin1('GET / HTTP/1.1\r\nA: 1\r\n  folded\r\nnocolon\r\nB : 2\r\nC: 3\r\n\r\n'),
      'handshake.response.malformed',
    );
    expect(h.headers).toEqual([
      ['A', '1'],
      ['C', '3'],
    ]);
    expect(codes(h)).toEqual([
      'handshake.response.malformed',
      'handshake.response.malformed',
      'handshake.response.malformed',
    ]);
    expect(h.diagnostics[0].message).toContain('folding');
    expect(h.diagnostics[1].message).toContain('"nocolon"');
    expect(h.diagnostics[2].message).toContain('whitespace before the colon');
  });

  it('keeps a header whose value holds NUL or ESC, flagged with the bytes escaped', () => {
    const h = splitHttpHead(latin1('GET / HTTP/1.1\r\nX-Evil: a\x00b\x1b[31m\r\n\r\n'), 'handshake.request.malformed');
    expect(h.headers).toEqual([['X-Evil', 'a\x00b\x1b[31m']]);
    expect(codes(h)).toEqual(['handshake.request.malformed']);
    expect(h.diagnostics[0].message).toContain('a\\x00b\\x1b[31m');
    expect(h.diagnostics[0].message).not.toMatch(/[\x00-\x1f]/);
  });

  it('does not trim latin1 NBSP, which is not OWS', () => {
    const h = splitHttpHead(latin1('GET / HTTP/1.1\r\nX: \xa0v\xa0 \r\n\r\n'), 'handshake.request.malformed');
    expect(h.headers).toEqual([['X', '\xa0v\xa0']]);
  });

  it('flags a head that ends without the blank line', () => {
    const h = splitHttpHead(latin1('GET / HTTP/1.1\r\nA: 1'), 'handshake.request.malformed');
    expect(h.headers).toEqual([['A', '1']]);
    expect(h.diagnostics[0].message).toContain('blank line');
  });

  it('caps the diagnostics of a head full of bad lines', () => {
    const h = splitHttpHead(latin1(`GET / HTTP/1.1\r\n${'bad\r\n'.repeat(1000)}\r\n`), 'handshake.request.malformed');
    expect(h.diagnostics).toHaveLength(17);
    expect(h.diagnostics[16].message).toContain('984 more');
  });
});

describe('quoteText and trimOws', () => {
  it('escapes quotes, backslashes, controls and non-ASCII, and cuts long text', () => {
    expect(quoteText('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteText('\x00\x1b\x7f\xe9\u20ac')).toBe('"\\x00\\x1b\\x7f\\xe9\\u20ac"');
    expect(quoteText('x'.repeat(100), 5)).toBe('"xxxxx"... (100 characters)');
  });

  it('trims spaces and tabs only', () => {
    expect(trimOws(' \t a b \t')).toBe('a b');
    expect(trimOws('\x0bv\x0c')).toBe('\x0bv\x0c');
  });
});
