// The filter language on hand-made subjects: each field, operator and semantic rule the README
// states (absent fields, several values, type mismatches, slices, json paths), the one-line
// errors with position and suggestion, and a property: any input gives a filter or a
// FilterSyntaxError, nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, type FilterSubject } from '../../src/filter/index.js';

const frame: FilterSubject = {
  kind: 'frame',
  conn: 2,
  dir: 'c2s',
  index: 7,
  opcode: 1,
  fin: true,
  rsv1: true,
  rsv2: false,
  rsv3: false,
  masked: true,
  len: 300,
  lengthEncoding: 16,
  compressed: true,
  text: '{"type":"tick","items":[{"id":4},{"id":9}],"n":"5","ok":true,"nil":null,"tags":["a","b"]}',
  data: new Uint8Array([0x0a, 0x0b, 0x0c, 0x41]),
  diagnostics: [
    { code: 'frame.mask.missing', severity: 'error' },
    { code: 'frame.length.non-minimal', severity: 'warning' },
  ],
  time: 1.25,
  packet: 42,
  connection: {
    client: { ip: '10.1.2.3', port: 50000, family: 4 },
    server: { ip: '127.0.0.1', port: 8080, family: 4 },
    path: '/chat?room=1',
    protocol: 'chat.v2',
    headers: [
      ['Host', 'example.com'],
      ['Sec-WebSocket-Protocol', 'chat.v1, chat.v2'],
      ['Sec-WebSocket-Protocol', 'chat.v2'],
    ],
  },
};

const closeFrame: FilterSubject = {
  kind: 'frame',
  conn: 1,
  dir: 's2c',
  index: 9,
  opcode: 8,
  fin: true,
  rsv1: false,
  rsv2: false,
  rsv3: false,
  masked: false,
  len: 5,
  lengthEncoding: 7,
  compressed: false,
  data: new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65]),
  close: { code: 1000, reason: 'bye' },
  diagnostics: [],
  time: null,
  connection: {
    client: { ip: '::1', port: 41000, family: 6 },
    server: { ip: '::1', port: 9000, family: 6 },
  },
};

const match = (expr: string, s: FilterSubject = frame): boolean => compileFilter(expr).match(s);

describe('fields and operators', () => {
  const table: [string, boolean, boolean][] = [
    // expression, matches `frame`, matches `closeFrame`
    ['conn == 2', true, false],
    ['tcp.stream == 1', true, false],
    ['dir == c2s', true, false],
    ['c2s', true, false],
    ['s2c', false, true],
    ['index >= 7', true, true],
    ['opcode == text', true, false],
    ['opcode == close', false, true],
    ['opcode == 8', false, true],
    ['websocket.opcode == 0x1', true, false],
    ['fin', true, true],
    ['rsv1', true, false],
    ['rsv1 == 0', false, true],
    ['websocket.rsv == 4', true, false],
    ['masked', true, false],
    ['websocket.mask == 1', true, false],
    ['websocket.mask', true, true],
    ['len > 100', true, false],
    ['len <= 5', false, true],
    ['websocket.payload_length == 126', true, false],
    ['websocket.payload_length_ext_16 == 300', true, false],
    ['websocket.payload_length == 5', false, true],
    ['compressed', true, false],
    ['websocket.pmc == 1', true, false],
    ['text contains "tick"', true, false],
    ['websocket.payload.text contains tick', true, false],
    ['text', true, false],
    ['data[0:2] == 0a:0b', true, false],
    ['data[0] == 03', false, true],
    ['data[1-2] == 0b.0c', true, false],
    ['data[-1:] == 41', true, false],
    ['data[2:] == "bye"', false, true],
    ['data contains 0c:41', true, false],
    ['data contains "bye"', false, true],
    ['data[0:10] == 0a', false, false],
    ['close.code == 1000', false, true],
    ['websocket.payload.close.status_code == 1000', false, true],
    ['close.reason == bye', false, true],
    ['close.code', false, true],
    ['json.type == "tick"', true, false],
    ['json.type == tick', true, false],
    ['json.items[0].id > 3', true, false],
    ['json.items[-1].id == 9', true, false],
    ['json.items[2]', false, false],
    ['json.n == 5', false, false],
    ['json.n == "5"', true, false],
    ['json.ok == true', true, false],
    ['json.nil == null', true, false],
    ['json.nil', true, false],
    ['json.error', false, false],
    ['json.tags contains "b"', true, false],
    ['json["type"] matches "^ti"', true, false],
    ['json', true, false],
    ['diag', true, false],
    ['diag == "frame.mask.missing"', true, false],
    ['diag.severity == error', true, false],
    ['diag.severity == warning', true, false],
    ['diag.severity != note', true, false],
    ['diag contains "length"', true, false],
    ['handshake.path == "/chat?room=1"', true, false],
    ['handshake.path matches "^/chat"', true, false],
    ['handshake.protocol == chat.v2', true, false],
    ['handshake.header.host == "example.com"', true, false],
    ['handshake.header.HOST contains example', true, false],
    ['handshake.header.sec-websocket-protocol == chat.v2', true, false],
    ['handshake.header.cookie', false, false],
    ['ip.addr == 127.0.0.1', true, false],
    ['ip.addr == 10.0.0.0/8', true, false],
    ['ip.src == 10.1.2.3', true, false],
    ['ip.dst == 127.0.0.1', true, false],
    ['ipv6.addr == ::1', false, true],
    ['ipv6.src == 0:0::1', false, true],
    ['websocket', true, true],
    ['packet == 42', true, false],
    ['frame.number >= 40', true, false],
    ['frame.time_relative < 2', true, false],
    ['ip && tcp', true, false],
    ['ipv6', false, true],
    ['tcp.port == 8080', true, false],
    ['tcp.port == 41000', false, true],
    ['tcp.srcport == 50000', true, false],
    ['tcp.dstport == 41000', false, true],
    ['time > 1', true, false],
    ['time', true, false],
    ['opcode in {text binary}', true, false],
    ['opcode in {1, 8}', true, true],
    ['len in {1..10}', false, true],
    ['opcode not in {text}', false, true],
    ['text matches "(?i)TICK"', true, false],
    ['text matches /TICK/i', true, false],
    ['text matches /TICK/', false, false],
    ['text ~ "items"', true, false],
    ['opcode == text && len > 100', true, false],
    ['opcode == text and len > 1000', false, false],
    ['opcode == close || len > 100', true, true],
    ['!fin', false, false],
    ['not (opcode == text)', false, true],
    ['len gt 100 and conn eq 2', true, false],
    ['opcode == ping xor opcode == close', false, true],
  ];
  it.each(table)('%s', (expr, onFrame, onClose) => {
    expect(match(expr, frame)).toBe(onFrame);
    expect(match(expr, closeFrame)).toBe(onClose);
  });
});

describe('semantics', () => {
  it('a field the subject lacks makes every comparison false, != included (as in Wireshark)', () => {
    expect(match('close.code != 1000')).toBe(false);
    expect(match('!(close.code == 1000)')).toBe(true);
  });

  it('!= on a field with several values holds when none equals (Wireshark 4); !== when one differs', () => {
    expect(match('tcp.port != 8080')).toBe(false);
    expect(match('tcp.port !== 8080')).toBe(true);
    expect(match('tcp.port === 8080')).toBe(false);
    expect(match('tcp.port != 1')).toBe(true);
  });

  it('json: a value of another type compares false, never an error', () => {
    expect(match('json.type > 3')).toBe(false);
    expect(match('json.items == 4')).toBe(false);
    expect(match('json.ok contains "t"')).toBe(false);
  });

  it('json on text that is not JSON: every json field is absent', () => {
    const s = { ...frame, text: 'not json' };
    expect(match('json', s)).toBe(false);
    expect(match('!json.type', s)).toBe(true);
  });

  it('parses the text as JSON only when a json field is used, and once per match', () => {
    let reads = 0;
    const s = {
      ...frame,
      get text() {
        reads++;
        return '{"a":1,"b":2}';
      },
    };
    expect(match('len > 0 && opcode == text', s)).toBe(true);
    expect(reads).toBe(0);
    const f = compileFilter('json.a == 1 && json.b == 2');
    expect(f.usesJson).toBe(true);
    expect(f.match(s)).toBe(true);
    expect(reads).toBe(1);
    expect(f.match({ ...s, text: '{"a":1,"b":3}' })).toBe(false);
  });

  it('says what an expression reads', () => {
    expect(compileFilter('opcode == text').usesText).toBe(false);
    expect(compileFilter('text contains x').usesText).toBe(true);
    expect(compileFilter('data[0:2] == 0a0b').dataBytes).toBe(2);
    expect(compileFilter('data[4] == 0a').dataBytes).toBe(5);
    expect(compileFilter('data contains 0a').dataBytes).toBe(Infinity);
    expect(compileFilter('len > 1').dataBytes).toBe(0);
    expect(compileFilter('ip.addr == 1.2.3.4').usesConnection).toBe(true);
    expect(compileFilter('len > 1').usesConnection).toBe(false);
  });

  it('names the fields it reads, aliases resolved', () => {
    expect(compileFilter('opcode == text && json.a || !websocket.opcode == 2').fields).toEqual(['opcode', 'json']);
    expect(compileFilter('c2s && tcp.srcport == 1 && handshake.header.host && websocket.rsv == 4').fields).toEqual([
      'dir',
      'tcp.port',
      'handshake.header',
      'websocket.rsv',
    ]);
    expect(compileFilter('frame.number == 1 || tcp.stream == 0').fields).toEqual(['packet', 'conn']);
  });

  it('keeps its source', () => {
    expect(compileFilter('  len > 1 ').source).toBe('  len > 1 ');
  });
});

describe('errors: one line, a position, a suggestion', () => {
  const errors: [string, string][] = [
    ['websocket.opcod == 1', 'unknown field "websocket.opcod" at 1 — did you mean websocket.opcode?'],
    ['len > 1 && websockt.fin', 'unknown field "websockt.fin" at 12 — did you mean websocket.fin?'],
    ['frobnicate', 'unknown field "frobnicate" at 1'],
    [
      'opcode == txt',
      '"txt" is not an opcode (0-15 or continuation, text, binary, close, ping, pong) at 11 — did you mean text?',
    ],
    ['len == abc', '"abc" is not a number (len is numeric) at 8'],
    ['len = 3', '"=" is not an operator at 5 — did you mean ==?'],
    ['dir == c3s', '"c3s" is not a direction (c2s or s2c) at 8 — did you mean c2s?'],
    [
      'diag == "frame.mask.mising"',
      '"frame.mask.mising" is not a diagnostic code at 9 — did you mean frame.mask.missing?',
    ],
    ['diag.severity == fatal', '"fatal" is not a severity (error, warning or note) at 18'],
    ['ip.addr == ::1', '"::1" is an IPv6 address; ip.addr holds IPv4 at 12'],
    ['ip.addr == 300.1.1.1', '"300.1.1.1" is not an IP address (like 10.0.0.1, 10.0.0.0/8, ::1) at 12'],
    ['fin > 1', 'fin is a flag: compare it with == or != (true/false, 1/0) at 5'],
    ['len contains 3', 'contains needs a text, bytes or json field; len is not one at 5'],
    ['len matches "3"', 'matches needs a text field; len is not one at 5'],
    ['text matches 3', 'matches needs a regular expression: "…" or /…/flags, found "3" at 14'],
    ['data[0:2] == zz', '"zz" is not a byte string (like 0a:0b, or "text") at 14'],
    ['text[0:2] == ab', 'text cannot be sliced (only data can) at 5'],
    ['data[x] == 0a', '"x" is not a slice ([start:length], [start-end] or [index]) at 6'],
    ['text matches /(/', 'not a valid regular expression: Invalid regular expression: /(/u: Unterminated group at 14'],
    ['text matches /a/g', 'regular expression flag "g" (i, m and s are allowed) at 14'],
    ['text == "abc', 'unterminated string (no closing ") at 9'],
    ['(len > 3', 'expected ")" (for the "(" at 1), found the end at 9'],
    ['len > 3)', 'unmatched ")" at 8'],
    ['len >', 'expected a value for len at 6'],
    ['', 'empty expression at 1'],
    ['   ', 'empty expression at 1'],
    ['5', 'expected a field, found "5" at 1'],
    ['len > 3 5', 'expected && or || before "5" at 9'],
    ['len > 3 &&', 'expression ended where a field was expected at 11'],
    ['opcode in {}', 'empty set at 11'],
    ['opcode in {1 2', 'expected "}" to close the set at 15'],
    ['len > 1 # x', 'unexpected character "#" at 9'],
    ['text == \u0007', 'unexpected character "\\x07" at 9'],
    ['json.a. == 1', 'empty key in a json path at 1'],
    ['websocket == 1', 'websocket is a protocol: use it alone (websocket && …) at 11'],
    ['ip contains 1', 'ip is a protocol: use it alone (ip && …) at 4'],
  ];
  it.each(errors)('%s', (expr, message) => {
    let thrown: unknown;
    try {
      compileFilter(expr);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FilterSyntaxError);
    expect((thrown as FilterSyntaxError).message).toBe(message);
    expect((thrown as FilterSyntaxError).position).toBe(Number(/ at (\d+)(?: —|$)/.exec(message)![1]));
  });

  it('names the suggestion apart, for callers that word the line themselves', () => {
    try {
      compileFilter('websocket.opcod == 1');
    } catch (error) {
      expect(error).toMatchObject({
        reason: 'unknown field "websocket.opcod"',
        position: 1,
        suggestion: 'websocket.opcode',
      });
    }
  });

  it('refuses nesting deeper than 200 instead of overflowing the stack', () => {
    expect(() => compileFilter('('.repeat(10_000) + 'fin' + ')'.repeat(10_000))).toThrow(FilterSyntaxError);
    expect(() => compileFilter('!'.repeat(100_000) + 'fin')).toThrow(FilterSyntaxError);
    expect(compileFilter('('.repeat(150) + 'fin' + ')'.repeat(150)).match(frame)).toBe(true);
  });
});

/** Pieces of the language, so random input reaches deep into the parser, not only the lexer. */
const piece = fc.constantFrom(
  'len',
  'opcode',
  'text',
  'data',
  'data[0:2]',
  'data[',
  ']',
  'json.a',
  'json.items[0].id',
  '[0]',
  '.x',
  'websocket.opcode',
  'ip.addr',
  'tcp.port',
  'diag',
  'diag.severity',
  'handshake.header.host',
  'c2s',
  '==',
  '!=',
  '<',
  '>=',
  '=',
  '===',
  '!==',
  '&&',
  '||',
  '!',
  'and',
  'or',
  'not',
  'xor',
  'in',
  'contains',
  'matches',
  '~',
  '(',
  ')',
  '{',
  '}',
  ',',
  '"',
  "'",
  '/',
  '/i',
  '"(?i)x"',
  '0a:0b',
  '1',
  '-1',
  '0x10',
  '1.5',
  '1..3',
  'text',
  'error',
  '/(/',
  '"["',
  '/x/g',
  '10.0.0.0/8',
  '::1',
  'true',
  'null',
  ' ',
  '\\',
  '\u00e9',
  '\u0000',
);

const fieldPiece = fc.constantFrom(
  'len',
  'opcode',
  'text',
  'data',
  'data[0:2]',
  'json.a',
  'json.items[0]',
  'websocket.opcode',
  'websocket.fin',
  'ip.addr',
  'ipv6.addr',
  'tcp.port',
  'diag',
  'diag.severity',
  'handshake.header.host',
  'dir',
  'fin',
  'close.code',
  'time',
  'txet',
);
const opPiece = fc.constantFrom(
  '==',
  '!=',
  '<',
  '>=',
  '===',
  '!==',
  'contains',
  'matches',
  '~',
  'in',
  'not in',
  '',
  'eq',
);
const valuePiece = fc.constantFrom(
  '1',
  'text',
  '"x"',
  '/(/',
  '/x/i',
  '/x/g',
  '"(?i)x"',
  '"["',
  '0a:0b',
  '{1 2}',
  '{1..3}',
  '{',
  '10.0.0.0/8',
  '::1',
  'c2s',
  'error',
  'frame.mask.missing',
  'true',
  'null',
  '-1',
  '0x10',
  '1.5',
  '',
);
/** Clauses (field, operator, value) joined by connectors: reaches every literal conversion. */
const clauses = fc
  .array(
    fc.tuple(
      fc.constantFrom('', '!', '(', 'not '),
      fieldPiece,
      opPiece,
      valuePiece,
      fc.constantFrom('', ')'),
      fc.constantFrom(' && ', ' || ', ' and ', ' '),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((cs) =>
    cs.map(([pre, f, op, v, post, join], i) => `${i === 0 ? '' : join}${pre}${f} ${op} ${v}${post}`).join(''),
  );

function outcome(expr: string): 'ok' | 'syntax' {
  try {
    compileFilter(expr).match(frame);
    return 'ok';
  } catch (error) {
    if (error instanceof FilterSyntaxError && !error.message.includes('\n') && error.position >= 1) return 'syntax';
    throw error;
  }
}

describe('any input gives a filter or a one-line FilterSyntaxError', () => {
  it('random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => void outcome(s)),
      { numRuns: 3000 },
    );
  });

  it('random clauses', () => {
    const seen = { ok: 0, syntax: 0 };
    fc.assert(
      fc.property(clauses, (expr) => {
        seen[outcome(expr)]++;
      }),
      { numRuns: 5000 },
    );
    expect(seen.ok).toBeGreaterThan(100);
    expect(seen.syntax).toBeGreaterThan(100);
  });

  it("random sequences of the language's pieces (and they match without throwing)", () => {
    const seen = { ok: 0, syntax: 0 };
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), fc.boolean(), (parts, spaced) => {
        seen[outcome(parts.join(spaced ? ' ' : ''))]++;
      }),
      { numRuns: 5000 },
    );
    // the generator reaches both outcomes, so the property is not vacuous
    expect(seen.ok).toBeGreaterThan(20);
    expect(seen.syntax).toBeGreaterThan(20);
  });
});
