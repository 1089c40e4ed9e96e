// RFC 6455 §7.4 close status codes: every code from 0 to 65535 against the ranges of the RFC.
import { describe, expect, it } from 'vitest';
import { checkCloseCode, closeCodeName } from '../../src/protocol/close-codes.js';
import { CLOSE_CODE_BOUNDARIES, closeCodeRange } from '../helpers/close-code-table.js';

describe('checkCloseCode (RFC 6455 §7.4)', () => {
  it('every code 0-65535 gets the verdict of its range', () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 65535; code++) {
      const got = checkCloseCode(code)?.code ?? 'ok';
      if (got !== closeCodeRange(code).verdict) wrong.push(`${code}: ${got}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it.each(CLOSE_CODE_BOUNDARIES.map((c) => [c, closeCodeRange(c).verdict, closeCodeRange(c).rule] as const))(
    '%i: %s (%s)',
    (code, verdict) => {
      const d = checkCloseCode(code);
      expect(d?.code ?? 'ok').toBe(verdict);
      if (d !== null) expect(d.message).toContain(String(code));
    },
  );

  it('names: the registry names, and the name of each range', () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 65535; code++) {
      const name = closeCodeRange(code).name;
      if (name !== null && closeCodeName(code) !== name) wrong.push(`${code}: ${closeCodeName(code)}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1011, 1012, 1013, 1014].map(closeCodeName)).toEqual([
      'Normal Closure',
      'Going Away',
      'Protocol Error',
      'Unsupported Data',
      'No Status Received',
      'Abnormal Closure',
      'Invalid Frame Payload Data',
      'Internal Error',
      'Service Restart',
      'Try Again Later',
      'Bad Gateway',
    ]);
  });
});
