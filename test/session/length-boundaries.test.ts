// RFC 6455 §5.2 minimal payload length and §5.5 control frame length, through the session as
// `wsinspect hex` runs it, from a client (masked) and a server (unmasked), at each boundary.
import { describe, expect, it } from 'vitest';
import { buildFrame, concatBytes } from '../helpers/frame-builder.js';
import { LENGTH_FORMS } from '../helpers/length-forms.js';
import { codes, ofType, runHex } from '../helpers/session-run.js';

describe.each([
  ['client', [9, 8, 7, 6], 'c2s'],
  ['server', undefined, 's2c'],
] as const)('session: frames from the %s', (_side, key, dir) => {
  const maskingKey = key === undefined ? undefined : [...key];

  it.each(LENGTH_FORMS.map((f) => [f.length, f.encoding, f.mustUse ?? 'minimal', f] as const))(
    'length %i in the %i-bit form: %s',
    (_n, _e, _m, form) => {
      const payload = Uint8Array.from({ length: form.length }, (_, i) => (i * 31) & 0xff);
      const wire = concatBytes(
        buildFrame({ opcode: 2, payload, maskingKey, lengthEncoding: form.encoding }),
        buildFrame({ opcode: 9, payload: 'next', maskingKey }),
      );
      const events = runHex(wire);
      const frames = ofType(events, 'frame');
      expect(frames.map((f) => [f.dir, f.frame.opcode, f.frame.payloadLength])).toEqual([
        [dir, 2, form.length],
        [dir, 9, 4],
      ]);
      expect(codes(frames[0])).toEqual(form.mustUse === null ? [] : ['frame.length.non-minimal']);
      expect(codes(frames[1])).toEqual([]);
      const [message] = ofType(events, 'message');
      expect([message.length, Buffer.from(message.data).equals(Buffer.from(payload))]).toEqual([form.length, true]);
    },
  );

  it('control frames: 125 payload bytes are allowed, 126 are too many (§5.5)', () => {
    for (const [n, want] of [
      [125, []],
      [126, ['frame.control.too-long']],
    ] as const) {
      const [frame] = ofType(runHex(buildFrame({ opcode: 9, payload: new Uint8Array(n), maskingKey })), 'frame');
      expect([frame.dir, codes(frame)]).toEqual([dir, want]);
    }
  });
});
