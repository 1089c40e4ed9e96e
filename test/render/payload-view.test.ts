import { describe, expect, it } from 'vitest';
import { renderPayloadView } from '../../src/render/payload-view.js';
import { createStyle } from '../../src/render/style.js';
import { buildFrame } from '../helpers/frame-builder.js';
import { frameEvent, frameFromHex, frameFromWire, withCountingPayload } from './frames.js';

const textEvent = (text: string) => frameEvent(frameFromWire(buildFrame({ payload: text })), { text });

const plain = createStyle({ color: false });

describe('renderPayloadView', () => {
  it('masked text: the size, marked as shown unmasked, and the text', () => {
    const out = renderPayloadView(
      frameEvent(frameFromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), { text: 'Hello' }),
      plain,
    );
    expect(out).toBe('Payload 5 bytes [shown unmasked]\n  text (UTF-8)\n    "Hello"');
  });

  it('inflated text with compressed and inflated sizes and ratio, marked derived', () => {
    const ev = frameEvent(frameFromHex('c1 85 43 02 0a cf 71 36 3e cb 43'), {
      compressed: true,
      text: 'Hello Hello Hello',
      inflate: { compressedLength: 5, inflatedLength: 17, partial: false },
    });
    const out = renderPayloadView(ev, plain);
    expect(out).toContain('compressed (permessage-deflate, RSV1)');
    expect(out).toContain('[inflated: 5 bytes compressed → 17 bytes, ratio 3.40:1]');
    expect(out).toContain('text [inflated UTF-8]');
    expect(out).toContain('"Hello Hello Hello"');
  });

  it('a partial inflation says so', () => {
    const ev = frameEvent(frameFromHex('c1 01 00'), {
      compressed: true,
      inflate: { compressedLength: 1, inflatedLength: 0, partial: true },
    });
    expect(renderPayloadView(ev, plain)).toContain('partial: only part of the message could be inflated');
  });

  it('multi-line text: one display line per newline, newline still shown, controls escaped', () => {
    const out = renderPayloadView(textEvent('a\nb\x1b[0m\n\u202ec'), plain);
    expect(out.split('\n').slice(2)).toEqual(['    "a\\n', '     b\\x1b[0m\\n', '     \\u{202e}c"']);
  });

  it('close frame: code with its name and the reason', () => {
    const ev = frameEvent(frameFromHex('88 05 03 e8 62 79 65'), {
      close: { code: 1000, codeName: 'Normal Closure', reason: 'bye' },
    });
    expect(renderPayloadView(ev, plain)).toBe('Payload 5 bytes\n  code    1000 Normal Closure\n  reason  "bye"');
  });

  it('close frame with an empty body', () => {
    const ev = frameEvent(frameFromHex('88 00'), { close: { code: null, codeName: null, reason: null } });
    expect(renderPayloadView(ev, plain)).toBe('Payload 0 bytes\n  (empty)');
  });

  it('binary: a hex dump, cut at maxPayload', () => {
    const out = renderPayloadView(frameEvent(frameFromWire(withCountingPayload('82 7e 01 00', 256))), plain, {
      maxPayload: 20,
    });
    expect(out).toContain('showing the first 20 of 256 bytes');
    expect(out).toContain('    0000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|');
    expect(out).toContain('… 236 more bytes not shown');
  });

  it('truncated: how many bytes are present', () => {
    const out = renderPayloadView(frameEvent(frameFromHex('82 18 00 01 02 03 04 05 06 07 08 09 0a 0b')), plain);
    expect(out).toContain('12 of 24 bytes present (the input ended inside the frame)');
  });

  it('bytes over the buffering limit: counted, not kept', () => {
    const frame = { ...frameFromHex('82 7e 01 00 00 01'), payloadSkipped: 254, truncated: false };
    expect(renderPayloadView(frameEvent(frame), plain)).toContain(
      '2 of 256 bytes kept; 254 beyond what is buffered or shown were counted, not kept',
    );
  });

  it('text cut at maxPayload says how much is left', () => {
    const out = renderPayloadView(textEvent('abcdefghij'), plain, { maxPayload: 4 });
    expect(out).toContain('"abcd… (6 more characters)');
  });
});
