// Test data for UTF-8 validation (RFC 3629 §4, Unicode 15 §3.9 Table 3-7 "Well-Formed UTF-8
// Byte Sequences") and an oracle written straight from that table, independent of src/:
// where the first ill-formed sequence starts, and at which byte a validator reading left to
// right can first tell (fail fast, as Autobahn testsuite case 6.4 requires).
import { hex } from './frame-builder.js';

/** One row of Table 3-7: lead bytes, the allowed second byte, and the sequence length. */
interface Row {
  readonly lead: readonly [number, number];
  readonly second: readonly [number, number];
  readonly length: number;
}

export const TABLE_3_7: readonly Row[] = [
  { lead: [0x00, 0x7f], second: [0, 0], length: 1 }, // U+0000..U+007F
  { lead: [0xc2, 0xdf], second: [0x80, 0xbf], length: 2 }, // U+0080..U+07FF
  { lead: [0xe0, 0xe0], second: [0xa0, 0xbf], length: 3 }, // U+0800..U+0FFF
  { lead: [0xe1, 0xec], second: [0x80, 0xbf], length: 3 }, // U+1000..U+CFFF
  { lead: [0xed, 0xed], second: [0x80, 0x9f], length: 3 }, // U+D000..U+D7FF
  { lead: [0xee, 0xef], second: [0x80, 0xbf], length: 3 }, // U+E000..U+FFFF
  { lead: [0xf0, 0xf0], second: [0x90, 0xbf], length: 4 }, // U+10000..U+3FFFF
  { lead: [0xf1, 0xf3], second: [0x80, 0xbf], length: 4 }, // U+40000..U+FFFFF
  { lead: [0xf4, 0xf4], second: [0x80, 0x8f], length: 4 }, // U+100000..U+10FFFF
];

export interface OracleVerdict {
  /** Start of the first ill-formed sequence (its lead byte, or the stray byte). */
  readonly offset: number;
  /** First byte at which no valid continuation exists; bytes.length when the end cut a sequence off. */
  readonly failAt: number;
}

/** The first ill-formed sequence per Table 3-7, or null when the bytes are well-formed UTF-8. */
export function utf8Oracle(bytes: Uint8Array): OracleVerdict | null {
  let i = 0;
  while (i < bytes.length) {
    const row = TABLE_3_7.find((r) => bytes[i] >= r.lead[0] && bytes[i] <= r.lead[1]);
    if (row === undefined) return { offset: i, failAt: i };
    for (let j = 1; j < row.length; j++) {
      if (i + j >= bytes.length) return { offset: i, failAt: bytes.length };
      const [lo, hi] = j === 1 ? row.second : [0x80, 0xbf];
      if (bytes[i + j] < lo || bytes[i + j] > hi) return { offset: i, failAt: i + j };
    }
    i += row.length;
  }
  return null;
}

export interface Utf8Case {
  /** Class name, or the Autobahn testsuite case number ("6.20.3"). */
  readonly id: string;
  readonly bytes: Uint8Array;
  /** Start of the first ill-formed sequence; null when the bytes are valid UTF-8. */
  readonly invalidAt: number | null;
}

const c = (id: string, h: string, invalidAt: number | null): Utf8Case => ({ id, bytes: hex(h), invalidAt });

/** Every class of ill-formed sequence that Table 3-7 rules out, with where it starts. */
export const ILL_FORMED_CLASSES: readonly Utf8Case[] = [
  // lead bytes C0 and C1 can only write overlong 2-byte forms (U+0000..U+007F)
  c('C0 lead (overlong "/")', 'c0 af', 0),
  c('C0 lead (overlong NUL)', 'c0 80', 0),
  c('C1 lead (overlong U+007F)', 'c1 bf', 0),
  c('C0 alone before ASCII', '41 c0 41', 1),
  // overlong 3- and 4-byte forms: E0 needs A0..BF, F0 needs 90..BF
  c('E0 80 overlong', 'e0 80 af', 0),
  c('E0 9F overlong (maximum)', 'e0 9f bf', 0),
  c('E0 80 80 overlong NUL', '48 69 e0 80 80', 2),
  c('F0 80 overlong', 'f0 80 80 af', 0),
  c('F0 8F overlong (maximum)', 'f0 8f bf bf', 0),
  c('F0 80 80 80 overlong NUL after text', '61 62 63 f0 80 80 80', 3),
  // UTF-16 surrogates U+D800..U+DFFF: ED needs 80..9F
  c('surrogate ED A0 80 (U+D800)', 'ed a0 80', 0),
  c('surrogate ED BF BF (U+DFFF)', 'ed bf bf', 0),
  c('surrogate pair written as two 3-byte forms', 'ed a0 80 ed b0 80', 0),
  c('surrogate after text', 'c3 a9 ed ad bf', 2),
  // above U+10FFFF: F4 needs 80..8F, F5..FF never lead
  c('F4 90 (U+110000)', 'f4 90 80 80', 0),
  c('F4 BF (above U+10FFFF)', 'f4 bf bf bf', 0),
  c('F5 lead', 'f5 80 80 80', 0),
  c('F7 BF BF BF (U+1FFFFF, 4-byte scheme)', 'f7 bf bf bf', 0),
  c('F8 5-byte lead', 'f8 88 80 80 80', 0),
  c('FC 6-byte lead', 'fc 84 80 80 80 80', 0),
  c('FE', '41 fe', 1),
  c('FF', 'ff', 0),
  // continuation bytes 80..BF where a lead byte is due
  c('lone continuation 80', '80', 0),
  c('lone continuation BF after text', '41 42 bf', 2),
  c('continuation after a complete 2-byte sequence', 'c3 a9 a9', 2),
  c('continuation after a complete 4-byte sequence', 'f0 9f 98 80 80', 4),
  // truncated sequences at the end of the bytes
  c('2-byte lead at end', '41 c3', 1),
  c('3-byte sequence missing 1 byte at end', '41 e2 82', 1),
  c('3-byte lead at end', 'e2', 0),
  c('4-byte sequence missing 1 byte at end', '41 f0 9f 98', 1),
  c('4-byte sequence missing 2 bytes at end', 'f0 9f', 0),
  c('F4 8F at end', 'f4 8f', 0),
  // truncated sequences followed by ASCII
  c('2-byte lead then ASCII', 'c3 41', 0),
  c('3-byte sequence missing 1 byte then ASCII', '61 e2 82 61', 1),
  c('4-byte sequence missing 1 byte then ASCII', 'f0 9f 98 41', 0),
  c('4-byte lead then ASCII', '41 f1 41', 1),
];

/** Well-formed boundary sequences of Table 3-7 (each row's first and last), for contrast. */
export const WELL_FORMED_BOUNDARIES: readonly Utf8Case[] = [
  c('U+007F', '7f', null),
  c('U+0080 (C2 80)', 'c2 80', null),
  c('U+07FF (DF BF)', 'df bf', null),
  c('U+0800 (E0 A0 80)', 'e0 a0 80', null),
  c('U+0FFF (E0 BF BF)', 'e0 bf bf', null),
  c('U+1000 (E1 80 80)', 'e1 80 80', null),
  c('U+D7FF (ED 9F BF)', 'ed 9f bf', null),
  c('U+E000 (EE 80 80)', 'ee 80 80', null),
  c('U+FFFF (EF BF BF)', 'ef bf bf', null),
  c('U+10000 (F0 90 80 80)', 'f0 90 80 80', null),
  c('U+3FFFF (F0 BF BF BF)', 'f0 bf bf bf', null),
  c('U+40000 (F1 80 80 80)', 'f1 80 80 80', null),
  c('U+10FFFF (F4 8F BF BF)', 'f4 8f bf bf', null),
];

const KOSME = 'ce ba e1 bd b9 cf 83 ce bc ce b5'; // "κόσμε", 11 bytes

/**
 * Autobahn testsuite (crossbario/autobahn-testsuite) case 6.3.1 and the 6.5–6.23 groups of
 * case6_x_x.py (Markus Kuhn's UTF-8-test.txt), numbered as the testsuite numbers them: group
 * 6.i in the order of createUtf8TestSequences(), case 6.i.j in the order of its payloads.
 * The testsuite only says valid or not; invalidAt is where the first ill-formed sequence starts.
 */
export const AUTOBAHN_6: readonly Utf8Case[] = buildAutobahn();

/** Case 6.4.1–6.4.4: the 6.3.1 payload with 6.4's F4 90 80 80 in place of ED A0 80; the offset of F4 is 11. */
export const AUTOBAHN_6_4 = {
  part1: hex(KOSME),
  part2: hex('f4 90 80 80'),
  part3: hex('65 64 69 74 65 64'),
  invalidAt: 11,
} as const;

function buildAutobahn(): Utf8Case[] {
  const cases: Utf8Case[] = [c('6.3.1', `${KOSME} ed a0 80 65 64 69 74 65 64`, 11)];
  const groups: [string, [string, number | null][]][] = [];
  const group = (n: string, payloads: [string, number | null][]) => groups.push([n, payloads]);
  const bad = (h: string): [string, number] => [h, 0];
  const good = (h: string): [string, null] => [h, null];
  group('6.5', [
    good('68 65 6c 6c 6f 24 77 6f 72 6c 64'),
    good('68 65 6c 6c 6f c2 a2 77 6f 72 6c 64'),
    good('68 65 6c 6c 6f e2 82 ac 77 6f 72 6c 64'),
    good('68 65 6c 6c 6f f0 a4 ad a2 77 6f 72 6c 64'),
    good(KOSME),
  ]);
  // 6.6.1–6.6.11: every prefix of "κόσμε"; one that ends inside a code point is invalid there
  const kosme = KOSME.split(' ');
  const charStarts = [0, 2, 5, 7, 9];
  group(
    '6.6',
    kosme.map((_, i): [string, number | null] => {
      const end = i + 1;
      const start = Math.max(...charStarts.filter((s) => s < end));
      return [kosme.slice(0, end).join(' '), [2, 5, 7, 9, 11].includes(end) ? null : start];
    }),
  );
  group('6.7', [good('00'), good('c2 80'), good('e0 a0 80'), good('f0 90 80 80')]);
  group('6.8', [bad('f8 88 80 80 80'), bad('fc 84 80 80 80 80')]);
  group('6.9', [good('7f'), good('df bf'), good('ef bf bf'), good('f4 8f bf bf')]);
  group('6.10', [bad('f7 bf bf bf'), bad('fb bf bf bf bf'), bad('fd bf bf bf bf bf')]);
  group('6.11', [good('ed 9f bf'), good('ee 80 80'), good('ef bf bd'), good('f4 8f bf bf'), bad('f4 90 80 80')]);
  const range = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, k) => (from + k).toString(16).padStart(2, '0'));
  group('6.12', [
    bad('80'),
    bad('bf'),
    bad('80 bf'),
    bad('80 bf 80'),
    bad('80 bf 80 bf'),
    bad('80 bf 80 bf 80'),
    bad('80 bf 80 bf 80 bf'),
    bad(range(0x80, 0xbf).join(' ')), // xrange(0x80, 0xbf): 80..BE
  ]);
  group(
    '6.13', // each lead byte followed by a space: C0..DE, E0..EE, F0..F6, F8..FA, FC
    [
      [0xc0, 0xdf],
      [0xe0, 0xef],
      [0xf0, 0xf7],
      [0xf8, 0xfb],
      [0xfc, 0xfd],
    ].map(([from, to]) =>
      bad(
        range(from, to)
          .flatMap((b) => [b, '20'])
          .join(' '),
      ),
    ),
  );
  const missingLast = ['c0', 'e0 80', 'f0 80 80', 'f8 80 80 80', 'fc 80 80 80 80'];
  const missingLastHigh = ['df', 'ef bf', 'f7 bf bf', 'fb bf bf bf', 'fd bf bf bf bf'];
  group('6.14', [...missingLast, ...missingLastHigh].map(bad));
  group('6.15', [bad([...missingLast, ...missingLastHigh].join(' '))]);
  group('6.16', [bad('fe'), bad('ff'), bad('fe fe ff ff')]);
  group('6.17', [bad('c0 af'), bad('e0 80 af'), bad('f0 80 80 af'), bad('f8 80 80 80 af'), bad('fc 80 80 80 80 af')]);
  group('6.18', [bad('c1 bf'), bad('e0 9f bf'), bad('f0 8f bf bf'), bad('f8 87 bf bf bf'), bad('fc 83 bf bf bf bf')]);
  group('6.19', [bad('c0 80'), bad('e0 80 80'), bad('f0 80 80 80'), bad('f8 80 80 80 80'), bad('fc 80 80 80 80 80')]);
  group('6.20', ['ed a0 80', 'ed ad bf', 'ed ae 80', 'ed af bf', 'ed b0 80', 'ed be 80', 'ed bf bf'].map(bad));
  group(
    '6.21',
    ['ed a0 80', 'ed ad bf', 'ed ae 80', 'ed af bf'].flatMap((high) =>
      ['ed b0 80', 'ed bf bf'].map((low) => bad(`${high} ${low}`)),
    ),
  );
  const nonCharacters = ['ef bf be', 'ef bf bf'];
  for (const z1 of ['f0', 'f1', 'f2', 'f3', 'f4'])
    for (const z2 of ['8f', '9f', 'af', 'bf'])
      if (z1 !== 'f4' || z2 === '8f')
        for (const z3 of ['be', 'bf']) if (!(z1 === 'f0' && z2 === '8f')) nonCharacters.push(`${z1} ${z2} bf ${z3}`);
  group('6.22', nonCharacters.map(good));
  group('6.23', ['ef bf b9', 'ef bf ba', 'ef bf bb', 'ef bf bc', 'ef bf bd', 'ef bf be', 'ef bf bf'].map(good));
  for (const [name, payloads] of groups) payloads.forEach(([h, at], j) => cases.push(c(`${name}.${j + 1}`, h, at)));
  return cases;
}

/** Every case of this file: the Table 3-7 classes, the boundaries and the Autobahn tables. */
export const ALL_UTF8_CASES: readonly Utf8Case[] = [...ILL_FORMED_CLASSES, ...WELL_FORMED_BOUNDARIES, ...AUTOBAHN_6];
