// `wsinspect accept`: derivation, pasted header lines, checking a pair, --new, --explain, and
// keys that are not the base64 of 16 bytes (RFC 6455 §4.1 item 7).
import { describe, expect, it } from 'vitest';
import { keyProblem, newKey, computeAccept } from '../../src/protocol/accept-key.js';
import { runCli } from '../helpers/cli-run.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

describe('keyProblem says what is wrong with a key', () => {
  it.each([
    [KEY, null],
    ['', 'the key is empty'],
    ['abc', 'the key has 3 characters; base64 comes in groups of 4, and 16 bytes take 24 (ending "==")'],
    ['dGhlIHNhbXBsZSBub25jZ Q=', 'the key contains " " (U+0020), which is not a base64 character'],
    [
      'dGhlIHNhbXBsZSBub25jZQ',
      'the key has 22 characters; base64 comes in groups of 4, and 16 bytes take 24 (ending "==")',
    ],
    ['dGhlIHNhbXBsZQ==', 'the key decodes to 10 bytes; it must be the base64 of 16 bytes (24 characters)'],
    ['dGhl=HNhbXBsZSBub25jZQ==', 'the key has "=" padding in the middle; base64 pads only at the end'],
    ['dGhlIHNhbXBsZSBub25jZR==', 'the key is not canonical base64: the bits after the 16th byte must be zero'],
  ])('%j', (key, problem) => {
    expect(keyProblem(key)).toBe(problem);
  });

  it('newKey makes valid, different keys', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newKey()));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(keyProblem(k)).toBeNull();
  });
});

describe('wsinspect accept', () => {
  it('takes a pasted header line for the key and the accept', () => {
    const r = runCli(['accept', `Sec-WebSocket-Key: ${KEY}`, `sec-websocket-accept:${ACCEPT}`]);
    expect(r.stdout).toContain(`1. Sec-WebSocket-Key, as sent (not base64-decoded)  ${KEY}\n`);
    expect(r.stdout).toContain('✓ the sent value matches');
    expect(r.status).toBe(0);
  });

  it('checks a pair: a wrong accept is ✗ and exit status 1', () => {
    const r = runCli(['accept', KEY, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=']);
    expect(r.stdout).toContain(`✗ mismatch: sent AAAAAAAAAAAAAAAAAAAAAAAAAAA=, expected ${ACCEPT}`);
    expect(r.status).toBe(1);
    const json = JSON.parse(runCli(['accept', '--json', KEY, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=']).stdout);
    expect([json.match, json.sent, json.accept, json.keyValid]).toEqual([
      false,
      'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      ACCEPT,
      true,
    ]);
  });

  it('an invalid key is said, still derived (a server would compute it), and exits 1', () => {
    const r = runCli(['accept', 'abc']);
    expect(r.stdout.split('\n')[0]).toBe(
      '⚠ the key has 3 characters; base64 comes in groups of 4, and 16 bytes take 24 (ending "==") (RFC 6455 §4.1);' +
        ' the accept below is what a server would still compute',
    );
    expect(r.stdout).toContain(`Sec-WebSocket-Accept: ${computeAccept('abc')}`);
    expect(r.status).toBe(1);
    const json = JSON.parse(runCli(['accept', '--json', 'abc']).stdout);
    expect([json.keyValid, json.keyProblem]).toEqual([false, expect.stringContaining('3 characters')]);
  });

  it('--new makes a fresh valid key with its accept', () => {
    const r = runCli(['accept', '--new', '--json']);
    const json = JSON.parse(r.stdout);
    expect(keyProblem(json.key)).toBeNull();
    expect(json.accept).toBe(computeAccept(json.key));
    expect(r.status).toBe(0);
    expect(runCli(['accept', '--new', KEY]).stderr).toContain('give either --new or a KEY, not both');
  });

  it('--explain says why the GUID exists (RFC 6455 §1.3)', () => {
    const plain = runCli(['accept', KEY]).stdout;
    const explained = runCli(['accept', '--explain', KEY]).stdout;
    expect(plain).not.toContain('Why a fixed GUID');
    expect(explained).toContain('Why a fixed GUID (RFC 6455 §1.3)');
    expect(explained).toContain('cannot fake an upgrade');
  });

  it('no key at all is a usage error', () => {
    const r = runCli(['accept']);
    expect(r.stderr.split('\n')[0]).toBe('wsinspect: no key given (or --new to make one)');
    expect(r.status).toBe(2);
  });
});
