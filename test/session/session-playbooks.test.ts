// Session playbooks: StreamEvents in, event kinds and diagnostic codes out.
import { deflateRawSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../src/session/events.js';
import { buildFrame, chunkings, concatBytes } from '../helpers/frame-builder.js';
import { codes, eventDigest, ofType, runSession } from '../helpers/session-run.js';

const enc = (s: string) => new TextEncoder().encode(s);
const REQUEST = enc(
  [
    'GET /chat HTTP/1.1',
    'Host: example.com',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
    '',
    '',
  ].join('\r\n'),
);
const RESPONSE = (accept = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', ext = 'permessage-deflate') =>
  enc(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${accept}`,
      ...(ext ? [`Sec-WebSocket-Extensions: ${ext}`] : []),
      '',
      '',
    ].join('\r\n'),
  );

/** permessage-deflate body of one message (RFC 7692 §7.2.1: sync flush, trailer removed). */
function deflateMessage(text: string): Uint8Array {
  const out = deflateRawSync(enc(text), { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

const data = (dir: 'c2s' | 's2c', bytes: Uint8Array, time = 1): StreamEvent => ({
  kind: 'data',
  conn: 1,
  dir,
  bytes,
  time,
});
const end: StreamEvent = { kind: 'end', conn: 1, reason: 'tcp-fin', time: 9 };
const KEY = [1, 2, 3, 4];

describe('session playbooks', () => {
  it('a whole conversation: handshake, compressed frames both ways, close handshake', () => {
    const events = runSession([
      data('c2s', REQUEST),
      data('s2c', RESPONSE()),
      data('c2s', buildFrame({ rsv1: true, payload: deflateMessage('hello server'), maskingKey: KEY })),
      data('s2c', buildFrame({ rsv1: true, payload: deflateMessage('hello client') })),
      data(
        'c2s',
        buildFrame({ opcode: 8, payload: concatBytes(Uint8Array.of(0x03, 0xe8), enc('done')), maskingKey: KEY }),
      ),
      data('s2c', buildFrame({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8) })),
      end,
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'handshake',
      'handshake',
      'frame',
      'message',
      'frame',
      'message',
      'frame',
      'frame',
      'end',
    ]);
    const [req, res] = ofType(events, 'handshake');
    expect(codes(req.handshake)).toEqual([]);
    expect(codes(res.handshake)).toEqual([]);
    expect(ofType(events, 'frame').map((f) => [f.dir, f.index, f.text ?? f.close?.reason, codes(f)])).toEqual([
      ['c2s', 1, 'hello server', []],
      ['s2c', 2, 'hello client', []],
      ['c2s', 3, 'done', []],
      ['s2c', 4, null, []],
    ]);
    const endEvent = ofType(events, 'end')[0];
    expect([endEvent.reason, endEvent.frames, endEvent.messages]).toEqual([
      'close-handshake',
      { c2s: 2, s2c: 2 },
      { c2s: 1, s2c: 1 },
    ]);
    expect(endEvent.bytes.c2s).toBe(REQUEST.length + 2 + 4 + deflateMessage('hello server').length + 2 + 4 + 6);
  });

  it('decodes the same in any chunking of either direction', () => {
    const c2s = concatBytes(
      REQUEST,
      buildFrame({ rsv1: true, payload: deflateMessage('abc'.repeat(50)), maskingKey: KEY }),
      buildFrame({ fin: false, payload: 'frag', maskingKey: KEY }),
      buildFrame({ opcode: 0, payload: 'ment', maskingKey: KEY }),
    );
    const s2c = concatBytes(
      RESPONSE(),
      buildFrame({ rsv1: true, payload: deflateMessage('xyz'.repeat(40)) }),
      buildFrame({ rsv1: true, payload: deflateMessage('xyz'.repeat(41)) }),
    );
    const run = (a: Uint8Array[], b: Uint8Array[]) =>
      eventDigest(runSession([...a.map((x) => data('c2s', x)), ...b.map((x) => data('s2c', x)), end]));
    const whole = run([c2s], [s2c]);
    expect(whole.filter((e) => (e as unknown[])[0] === 'message')).toHaveLength(4);
    for (const chunks of chunkings(c2s, 3)) expect(run(chunks, [s2c])).toEqual(whole);
    for (const chunks of chunkings(s2c, 3)) expect(run([c2s], chunks)).toEqual(whole);
  });

  it('client frames sent before the 101 are held until the negotiation is known', () => {
    const events = runSession([
      data('c2s', concatBytes(REQUEST, buildFrame({ rsv1: true, payload: deflateMessage('early'), maskingKey: KEY }))),
      data('s2c', RESPONSE()),
      end,
    ]);
    expect(ofType(events, 'frame').map((f) => [f.text, codes(f)])).toEqual([['early', []]]);
  });

  it('a wrong Sec-WebSocket-Accept is flagged and frames still decode', () => {
    const events = runSession([
      data('c2s', REQUEST),
      data('s2c', RESPONSE('AAAAAAAAAAAAAAAAAAAAAAAAAAA=')),
      data('s2c', buildFrame({ payload: 'hi' })),
      end,
    ]);
    expect(codes(ofType(events, 'handshake')[1].handshake)).toContain('handshake.accept.mismatch');
    expect(ofType(events, 'frame')[0].text).toBe('hi');
  });

  it('RSV1 without negotiated deflate is an error and is not inflated', () => {
    const events = runSession([
      data('c2s', REQUEST),
      data('s2c', RESPONSE(undefined, '')),
      data('s2c', buildFrame({ rsv1: true, payload: 'hi' })),
      end,
    ]);
    const [frame] = ofType(events, 'frame');
    expect([frame.compressed, frame.text, codes(frame)]).toEqual([false, 'hi', ['frame.rsv.unexpected']]);
  });

  it('a refused upgrade decodes no frames', () => {
    const refused = enc('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno');
    const events = runSession([
      data('c2s', REQUEST),
      data('s2c', refused),
      data('c2s', buildFrame({ payload: 'x', maskingKey: KEY })),
      end,
    ]);
    expect(codes(ofType(events, 'handshake')[1].handshake)).toEqual(['handshake.status.not-101']);
    expect(ofType(events, 'frame')).toEqual([]);
  });

  it('gap: the open message is abandoned, decoding resumes at the next plausible header', () => {
    const before = buildFrame({ fin: false, opcode: 1, payload: 'part one ' });
    const after = concatBytes(
      enc('lost tail of a frame'),
      buildFrame({ payload: 'next message' }),
      buildFrame({ opcode: 9, payload: 'p' }),
    );
    const events = runSession([
      data('c2s', REQUEST),
      data('s2c', RESPONSE(undefined, '')),
      data('s2c', before),
      { kind: 'gap', conn: 1, dir: 's2c', length: 100, time: 2 },
      data('s2c', after),
      end,
    ]);
    const diags = ofType(events, 'diagnostic').map((d) => d.diagnostic.code);
    expect(diags).toEqual(['tcp.gap', 'tcp.resync', 'tcp.fin-without-close']);
    const messages = ofType(events, 'message');
    expect(messages.map((m) => [m.text, m.complete])).toEqual([
      ['part one ', false],
      ['next message', true],
    ]);
    expect(codes(messages[0])).toEqual(['tcp.gap']);
    const frames = ofType(events, 'frame');
    expect(frames[1].frame.offset).toBe(before.length + 100 + 'lost tail of a frame'.length);
  });

  it('a Close that is never answered is reported at the end of the connection', () => {
    const events = runSession([
      data('c2s', REQUEST),
      data('s2c', RESPONSE(undefined, '')),
      data('c2s', buildFrame({ opcode: 8, payload: Uint8Array.of(3, 0xe8), maskingKey: KEY })),
      end,
    ]);
    expect(ofType(events, 'diagnostic').map((d) => d.diagnostic.code)).toEqual(['close.not-echoed']);
    expect(ofType(events, 'end')[0].reason).toBe('tcp-fin');
  });

  it('a response without a request skips the checks that need it', () => {
    const events = runSession([data('s2c', RESPONSE()), data('s2c', buildFrame({ payload: 'hi' })), end]);
    expect(ofType(events, 'diagnostic')[0].diagnostic.code).toBe('handshake.missing');
    expect(ofType(events, 'frame')[0].text).toBe('hi');
  });
});
