// The cases the foundation issue says must decode exactly, through the SessionDecoder as
// `wsinspect hex` feeds it, each also checked for chunking invariance.
import { describe, expect, it } from 'vitest';
import { chunkings, concatBytes, hex } from '../helpers/frame-builder.js';
import { codes, eventDigest, ofType, runHex, type HexRunOptions } from '../helpers/session-run.js';

function decodeInvariant(text: string, opts: HexRunOptions = {}) {
  const bytes = hex(text);
  const whole = runHex(bytes, opts);
  const digest = eventDigest(whole);
  for (const chunks of chunkings(bytes)) expect(eventDigest(runHex(bytes, { ...opts, chunks }))).toEqual(digest);
  return whole;
}

describe('session: the foundation cases', () => {
  it('c1 85 43 02 0a cf 71 36 3e cb 43 inflates to "111"', () => {
    const events = decodeInvariant('c1 85 43 02 0a cf 71 36 3e cb 43');
    const [frame] = ofType(events, 'frame');
    expect(frame.dir).toBe('c2s');
    expect(frame.compressed).toBe(true);
    expect(frame.text).toBe('111');
    expect(frame.inflate).toEqual({ compressedLength: 5, inflatedLength: 3, partial: false });
    expect(codes(frame)).toEqual([]);
    expect(ofType(events, 'diagnostic').map((d) => d.diagnostic.code)).toEqual(['deflate.assumed']);
    const [message] = ofType(events, 'message');
    expect([message.text, message.compressed, message.frames, message.complete]).toEqual(['111', true, 1, true]);
  });

  it('truncated compressed server frame shows what can be inflated as partial', () => {
    const events = decodeInvariant('c1 18 7a 36 a7 f7 69 d7 c2 a7 33 57 3c 9d 3d e9 ae 29 56 0a 86 86 86 00 00');
    const [frame] = ofType(events, 'frame');
    expect(frame.dir).toBe('s2c');
    expect(frame.frame.truncated).toBe(true);
    expect(codes(frame)).toContain('frame.truncated');
    expect(codes(frame)).toContain('deflate.partial');
    expect(frame.inflate?.partial).toBe(true);
    expect(frame.text?.length).toBeGreaterThan(0);
    const [message] = ofType(events, 'message');
    expect(message.complete).toBe(false);
  });

  it('RFC 6455 §5.7 examples', () => {
    expect(ofType(decodeInvariant('81 05 48 65 6c 6c 6f'), 'frame')[0].text).toBe('Hello');
    const masked = ofType(decodeInvariant('81 85 37 fa 21 3d 7f 9f 4d 51 58'), 'frame')[0];
    expect([masked.dir, masked.text, codes(masked)]).toEqual(['c2s', 'Hello', []]);
    const frag = decodeInvariant('01 03 48 65 6c 80 02 6c 6f', { dir: 's2c' });
    expect(ofType(frag, 'frame').map((f) => f.text)).toEqual([undefined, undefined]);
    const [msg] = ofType(frag, 'message');
    expect([msg.text, msg.frames, msg.firstFrame, msg.lastFrame, codes(msg)]).toEqual(['Hello', 2, 1, 2, []]);
    const pingPong = ofType(decodeInvariant('89 05 48 65 6c 6c 6f 8a 85 37 fa 21 3d 7f 9f 4d 51 58'), 'frame');
    expect(pingPong.map((f) => [f.dir, f.frame.opcode, Buffer.from(f.frame.payload).toString(), codes(f)])).toEqual([
      ['s2c', 9, 'Hello', []],
      ['c2s', 10, 'Hello', []],
    ]);
  });

  it('256-byte and 65536-byte binary messages', () => {
    const a = ofType(runHex(concatBytes(hex('82 7e 01 00'), new Uint8Array(256).fill(1))), 'message')[0];
    expect([a.opcode, a.length, a.data.length]).toEqual([2, 256, 256]);
    const b = ofType(
      runHex(concatBytes(hex('82 7f 00 00 00 00 00 01 00 00'), new Uint8Array(65536).fill(2))),
      'message',
    )[0];
    expect([b.opcode, b.length]).toEqual([2, 65536]);
  });

  it('RFC 7692 §7.2.3: "Hello" twice with context takeover', () => {
    const events = decodeInvariant('c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00');
    expect(ofType(events, 'frame').map((f) => [f.text, codes(f)])).toEqual([
      ['Hello', []],
      ['Hello', []],
    ]);
  });

  it('RFC 7692 §7.2.3: the second message fails without context takeover, and says why', () => {
    const events = decodeInvariant('c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00', { noContextTakeover: true });
    const frames = ofType(events, 'frame');
    expect(codes(frames[0])).toEqual([]);
    expect(codes(frames[1])).toContain('deflate.context-takeover');
  });
});

describe('session: rules', () => {
  it('flags an unmasked client frame and a masked server frame when the direction is known', () => {
    expect(codes(ofType(runHex('81 02 68 69', { dir: 'c2s' }), 'frame')[0])).toEqual(['frame.mask.missing']);
    expect(codes(ofType(runHex('81 82 01 02 03 04 69 6b', { dir: 's2c' }), 'frame')[0])).toEqual([
      'frame.mask.unexpected',
    ]);
  });

  it('control frame rules', () => {
    const long = concatBytes(hex('89 7e 00 7e'), new Uint8Array(126));
    expect(codes(ofType(runHex(long, { dir: 's2c' }), 'frame')[0])).toEqual(['frame.control.too-long']);
    expect(codes(ofType(runHex('09 00', { dir: 's2c' }), 'frame')[0])).toEqual(['frame.control.fragmented']);
    expect(codes(ofType(runHex('83 00', { dir: 's2c' }), 'frame')[0])).toEqual(['frame.opcode.reserved']);
    expect(codes(ofType(runHex('8b 00', { dir: 's2c' }), 'frame')[0])).toEqual(['frame.opcode.reserved']);
  });

  it('RSV rules', () => {
    expect(codes(ofType(runHex('a1 00', { dir: 's2c' }), 'frame')[0])).toEqual(['frame.rsv.unexpected']);
    const cont = ofType(runHex('41 01 f2 c0 01 00', { dir: 's2c' }), 'frame');
    expect(codes(cont[1])).toContain('frame.rsv1.continuation');
    expect(codes(ofType(runHex('c9 00', { dir: 's2c' }), 'frame')[0])).toEqual(['frame.rsv1.control']);
  });

  it('fragmentation rules: orphan continuation, interrupted message, control frames in between', () => {
    expect(codes(ofType(runHex('80 02 68 69', { dir: 's2c' }), 'frame')[0])).toEqual(['message.continuation.orphan']);
    const interrupted = runHex('01 01 61 81 01 62', { dir: 's2c' });
    expect(codes(ofType(interrupted, 'frame')[1])).toEqual(['message.interrupted']);
    expect(ofType(interrupted, 'message').map((m) => [m.text, m.complete])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    const withPing = ofType(runHex('01 01 61 89 00 80 01 62', { dir: 's2c' }), 'message');
    expect(withPing.map((m) => [m.text, m.frames, m.firstFrame, m.lastFrame, codes(m)])).toEqual([['ab', 2, 1, 3, []]]);
  });

  it('UTF-8: a code point split across fragments is valid, invalid bytes are flagged', () => {
    // "é" = c3 a9 split between frames
    const split = ofType(runHex('01 01 c3 80 01 a9', { dir: 's2c' }), 'message');
    expect([split[0].text, codes(split[0])]).toEqual(['é', []]);
    expect(codes(ofType(runHex('81 02 c3 28', { dir: 's2c' }), 'frame')[0])).toEqual(['message.text.invalid-utf8']);
    expect(codes(ofType(runHex('01 01 c3 80 00', { dir: 's2c' }), 'message')[0])).toEqual([
      'message.text.invalid-utf8',
    ]);
    expect(codes(ofType(runHex('81 03 ed a0 80', { dir: 's2c' }), 'frame')[0])).toEqual(['message.text.invalid-utf8']);
  });

  it('close frames: codes, names, reasons and the rules', () => {
    const close = (body: string) =>
      ofType(runHex(`88 ${hex(body).length.toString(16).padStart(2, '0')} ${body}`, { dir: 's2c' }), 'frame')[0];
    const normal = close('03 e8 62 79 65');
    expect([normal.close, codes(normal)]).toEqual([{ code: 1000, codeName: 'Normal Closure', reason: 'bye' }, []]);
    expect(close('').close).toEqual({ code: null, codeName: null, reason: null });
    expect(codes(close('03'))).toEqual(['close.body.one-byte']);
    for (const code of [1005, 1006, 1015])
      expect(codes(close(code.toString(16).padStart(4, '0')))).toEqual(['close.code.reserved-not-on-wire']);
    for (const code of [0, 999, 1016, 2999, 5000])
      expect(codes(close(code.toString(16).padStart(4, '0')))).toEqual(['close.code.invalid']);
    for (const code of [1000, 1001, 1011, 1012, 1014, 3000, 3999, 4000, 4999])
      expect(codes(close(code.toString(16).padStart(4, '0')))).toEqual([]);
    expect(close('0f a0').close?.codeName).toBe('Private use');
    expect(codes(close('03 e8 ff'))).toEqual(['close.reason.invalid-utf8']);
  });

  it('data after close is flagged', () => {
    const events = ofType(runHex('88 02 03 e8 81 01 61', { dir: 's2c' }), 'frame');
    expect(codes(events[1])).toEqual(['frame.after-close']);
  });

  it('an incomplete header at the end becomes a diagnostic; an open message is incomplete', () => {
    const events = runHex('01 01 61 82 7e 01', { dir: 's2c' });
    expect(ofType(events, 'diagnostic').map((d) => d.diagnostic.code)).toContain('frame.truncated');
    expect(ofType(events, 'message').map((m) => [m.complete, codes(m)])).toEqual([[false, ['message.incomplete']]]);
    const end = ofType(events, 'end')[0];
    expect([end.reason, end.frames, end.messages]).toEqual(['input-ended', { c2s: 0, s2c: 1 }, { c2s: 0, s2c: 1 }]);
  });
});

describe('session: UTF-8 offsets point at the start of the ill-formed sequence', () => {
  const diagnosticText = (e: { diagnostics: readonly { code: string; message: string }[] }) =>
    e.diagnostics.filter((d) => d.code.endsWith('invalid-utf8')).map((d) => d.message);

  it('a text message cut inside a code point: the same offset whole or fragmented', () => {
    const whole = ofType(runHex('81 02 41 c3', { dir: 's2c' }), 'message')[0];
    const fragmented = ofType(runHex('01 02 41 c3 80 00', { dir: 's2c' }), 'message')[0];
    expect(diagnosticText(whole)).toEqual(['text message ends inside a UTF-8 sequence (offset 1)']);
    expect(diagnosticText(fragmented)).toEqual(['text message ends inside a UTF-8 sequence (offset 1)']);
  });

  it('a close reason cut inside a code point', () => {
    const close = ofType(runHex('88 05 03 e8 41 e2 82', { dir: 's2c' }), 'frame')[0];
    expect(diagnosticText(close)).toEqual(['close reason is not valid UTF-8 (first invalid byte at reason offset 1)']);
  });
});
