// RFC 6455 §5.2 payload length forms: "the minimal number of bytes MUST be used to encode the
// length". Each length form at the boundaries of the next smaller form, as test data.

export interface LengthForm {
  readonly encoding: 7 | 16 | 64;
  readonly length: number;
  /** null when this is the minimal form; otherwise the form that must be used. */
  readonly mustUse: 'the 7-bit field' | 'the 16-bit form' | null;
}

const form = (encoding: 7 | 16 | 64, length: number): LengthForm => ({
  encoding,
  length,
  mustUse:
    length < 126
      ? encoding === 7
        ? null
        : 'the 7-bit field'
      : length < 65536 && encoding === 64
        ? 'the 16-bit form'
        : null,
});

export const LENGTH_FORMS: readonly LengthForm[] = [
  form(7, 0),
  form(7, 125),
  form(16, 0),
  form(16, 124),
  form(16, 125),
  form(16, 126),
  form(16, 127),
  form(16, 65535),
  form(64, 0),
  form(64, 125),
  form(64, 126),
  form(64, 65534),
  form(64, 65535),
  form(64, 65536),
  form(64, 65537),
];

/** The 2-10 header bytes of an unmasked binary FIN frame with this length written in this form (no payload). */
export function lengthHeader(f: LengthForm, masked = false): number[] {
  const m = masked ? 0x80 : 0;
  if (f.encoding === 7) return [0x82, m | f.length];
  if (f.encoding === 16) return [0x82, m | 126, f.length >> 8, f.length & 0xff];
  return [
    0x82,
    m | 127,
    0,
    0,
    0,
    0,
    (f.length >>> 24) & 0xff,
    (f.length >> 16) & 0xff,
    (f.length >> 8) & 0xff,
    f.length & 0xff,
  ];
}
