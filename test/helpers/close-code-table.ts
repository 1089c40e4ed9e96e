// RFC 6455 §7.4 and the IANA WebSocket Close Code Number Registry, written out as ranges for
// tests (independent of src/protocol/close-codes.ts): what a code in a Close frame means and
// which diagnostic it must get.

export type CloseCodeVerdict = 'ok' | 'close.code.invalid' | 'close.code.reserved-not-on-wire';

interface Range {
  readonly from: number;
  readonly to: number;
  readonly verdict: CloseCodeVerdict;
  readonly name: string | null;
  readonly rule: string;
}

export const CLOSE_CODE_RANGES: readonly Range[] = [
  { from: 0, to: 999, verdict: 'close.code.invalid', name: 'Invalid', rule: '§7.4.2: 0-999 are not used' },
  { from: 1000, to: 1003, verdict: 'ok', name: null, rule: '§7.4.1: defined codes' },
  { from: 1004, to: 1004, verdict: 'close.code.invalid', name: 'Reserved', rule: '§7.4.1: 1004 is reserved' },
  {
    from: 1005,
    to: 1006,
    verdict: 'close.code.reserved-not-on-wire',
    name: null,
    rule: '§7.4.1: 1005 and 1006 MUST NOT be set in a Close frame',
  },
  { from: 1007, to: 1014, verdict: 'ok', name: null, rule: '§7.4.1 and the IANA registry (1012-1014)' },
  {
    from: 1015,
    to: 1015,
    verdict: 'close.code.reserved-not-on-wire',
    name: 'TLS Handshake',
    rule: '§7.4.1: 1015 MUST NOT be set in a Close frame',
  },
  {
    from: 1016,
    to: 2999,
    verdict: 'close.code.invalid',
    name: 'Unassigned (reserved for this protocol)',
    rule: '§7.4.2: 1000-2999 are reserved for this protocol',
  },
  {
    from: 3000,
    to: 3999,
    verdict: 'ok',
    name: 'Registered (libraries, frameworks, applications)',
    rule: '§7.4.2: 3000-3999 are registered with IANA',
  },
  { from: 4000, to: 4999, verdict: 'ok', name: 'Private use', rule: '§7.4.2: 4000-4999 are for private use' },
  { from: 5000, to: 65535, verdict: 'close.code.invalid', name: 'Invalid', rule: 'outside every range of §7.4.2' },
];

export function closeCodeRange(code: number): Range {
  return CLOSE_CODE_RANGES.find((r) => code >= r.from && code <= r.to)!;
}

/** Each end of each range, and one past it: every boundary of §7.4. */
export const CLOSE_CODE_BOUNDARIES: readonly number[] = [
  ...new Set(CLOSE_CODE_RANGES.flatMap((r) => [r.from, r.to])),
].sort((a, b) => a - b);
