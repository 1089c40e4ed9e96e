// RFC 6455 §5.5.1 and §7.4 through the close-body reader and the session, from a client
// (masked) and a server (unmasked): every boundary of the close code ranges.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import { parseCloseBody } from '../../src/session/close-body.js';
import { buildFrame } from '../helpers/frame-builder.js';
import { CLOSE_CODE_BOUNDARIES, closeCodeRange } from '../helpers/close-code-table.js';
import { codes, ofType, runHex } from '../helpers/session-run.js';

const be16 = (code: number) => Uint8Array.of(code >> 8, code & 0xff);
const withReason = (code: number, reason: string) => Uint8Array.from([...be16(code), ...Buffer.from(reason)]);
const expectedCodes = (code: number) => {
  const v = closeCodeRange(code).verdict;
  return v === 'ok' ? [] : [v];
};

describe('parseCloseBody: the code and the reason', () => {
  it.each(CLOSE_CODE_BOUNDARIES)('%i', (code) => {
    const out: Diagnostic[] = [];
    const info = parseCloseBody(withReason(code, 'bye'), out);
    expect(info.code).toBe(code);
    expect(info.reason).toBe('bye');
    expect(out.map((d) => d.code)).toEqual(expectedCodes(code));
    const bare: Diagnostic[] = [];
    expect(parseCloseBody(be16(code), bare)).toMatchObject({ code, reason: null });
    expect(bare.map((d) => d.code)).toEqual(expectedCodes(code));
  });

  it('an empty body has no code; a 1-byte body is an error', () => {
    const out: Diagnostic[] = [];
    expect(parseCloseBody(new Uint8Array(0), out)).toEqual({ code: null, codeName: null, reason: null });
    expect(out).toEqual([]);
    expect(parseCloseBody(Uint8Array.of(0x03), out)).toEqual({ code: null, codeName: null, reason: null });
    expect(out.map((d) => d.code)).toEqual(['close.body.one-byte']);
  });

  it('a bad code and a bad reason are both reported', () => {
    const out: Diagnostic[] = [];
    parseCloseBody(Uint8Array.of(0x03, 0xec, 0xc0, 0xaf), out); // 1004, then C0 AF
    expect(out.map((d) => d.code)).toEqual(['close.code.invalid', 'close.reason.invalid-utf8']);
  });
});

describe.each([
  ['client', [0x12, 0x34, 0x56, 0x78], 'c2s'],
  ['server', undefined, 's2c'],
] as const)('session: a Close frame from the %s', (_side, key, dir) => {
  it.each(CLOSE_CODE_BOUNDARIES)('%i', (code) => {
    const wire = buildFrame({
      opcode: 8,
      payload: withReason(code, 'x'),
      maskingKey: key === undefined ? undefined : [...key],
    });
    const [frame] = ofType(runHex(wire), 'frame');
    expect(frame.dir).toBe(dir);
    expect(frame.close?.code).toBe(code);
    expect(codes(frame)).toEqual(expectedCodes(code));
  });
});
