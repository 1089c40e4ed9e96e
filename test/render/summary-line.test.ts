import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import { renderFrameSummary } from '../../src/render/summary-line.js';
import { createStyle } from '../../src/render/style.js';
import { buildFrame } from '../helpers/frame-builder.js';
import { frameEvent, frameFromHex, frameFromWire, withCountingPayload } from './frames.js';

const plain = createStyle({ color: false });

describe('renderFrameSummary', () => {
  it('masked text frame from the client', () => {
    const ev = frameEvent(frameFromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), { index: 3, text: 'Hello' });
    expect(renderFrameSummary(ev, plain)).toBe('→ #3 text FIN 5 bytes masked 37fa213d "Hello"');
  });

  it('compressed frame: RSV1 flag, compressed, the inflated text', () => {
    const ev = frameEvent(frameFromHex('c1 85 43 02 0a cf 71 36 3e cb 43'), { compressed: true, text: 'Hello' });
    expect(renderFrameSummary(ev, plain)).toBe('→ #1 text FIN RSV1 5 bytes masked 43020acf compressed "Hello"');
  });

  it('binary from the server: hex preview, cut', () => {
    const ev = frameEvent(frameFromWire(withCountingPayload('82 7e 01 00', 256)), { index: 2 });
    expect(renderFrameSummary(ev, plain, { maxPreview: 8 })).toBe('← #2 binary FIN 256 bytes 00 01 02 03 …');
  });

  it('64-bit length', () => {
    const ev = frameEvent(frameFromWire(withCountingPayload('82 7f 00 00 00 00 00 01 00 00', 65536)));
    expect(renderFrameSummary(ev, plain)).toContain('binary FIN 65536 bytes');
  });

  it('close frame: code, name and escaped reason', () => {
    const ev = frameEvent(frameFromHex('88 05 03 e8 62 79 65'), {
      close: { code: 1000, codeName: 'Normal Closure', reason: 'bye' },
    });
    expect(renderFrameSummary(ev, plain)).toBe('← #1 close FIN 5 bytes 1000 Normal Closure "bye"');
  });

  it('fragment without FIN, text decoded from this frame only', () => {
    const ev = frameEvent(frameFromHex('01 03 48 65 6c'));
    expect(renderFrameSummary(ev, plain)).toBe('← #1 text 3 bytes "Hel"');
  });

  it('names the diagnostics by code (not a bare count) and notes truncation', () => {
    const frame = frameFromHex('81 05 48 65', [diagnostic('frame.truncated')]);
    const ev = frameEvent(frame, {
      dir: 'c2s',
      diagnostics: [diagnostic('frame.mask.missing'), diagnostic('tcp.gap')],
    });
    expect(renderFrameSummary(ev, plain)).toBe(
      '→ #1 text FIN 5 bytes (truncated: 2 present) "He"  ✖ frame.truncated frame.mask.missing ⚠ tcp.gap',
    );
  });

  it('--max-payload shortens the preview below its own room: text, hex and a close reason', () => {
    const text = frameEvent(frameFromWire(buildFrame({ payload: 'abcdefghij' })));
    expect(renderFrameSummary(text, plain, { maxPayload: 4 })).toBe('← #1 text FIN 10 bytes "abc…"');
    expect(renderFrameSummary(text, plain, { maxPayload: 10 })).toBe('← #1 text FIN 10 bytes "abcdefghij"');
    expect(renderFrameSummary(text, plain, { maxPayload: 0 })).toBe('← #1 text FIN 10 bytes');
    const message = frameEvent(frameFromWire(buildFrame({ payload: 'abcdefghij' })), { text: 'abcdefghij' });
    expect(renderFrameSummary(message, plain, { maxPayload: 3 })).toBe('← #1 text FIN 10 bytes "ab…"');
    const binary = frameEvent(frameFromWire(withCountingPayload('82 7e 01 00', 256)), { index: 2 });
    expect(renderFrameSummary(binary, plain, { maxPayload: 3 })).toBe('← #2 binary FIN 256 bytes 00 01 02 …');
    expect(renderFrameSummary(binary, plain, { maxPayload: 65536 })).toContain(' 12 13 …');
    const close = frameEvent(frameFromHex('88 05 03 e8 62 79 65'), {
      close: { code: 1000, codeName: 'Normal Closure', reason: 'bye' },
    });
    expect(renderFrameSummary(close, plain, { maxPayload: 2 })).toBe('← #1 close FIN 5 bytes 1000 Normal Closure "b…"');
  });

  it('escapes hostile text and names a reserved opcode', () => {
    const title = '\x1b]0;pwned\x07\u202e';
    const ev = frameEvent(frameFromWire(buildFrame({ payload: title })), { text: title });
    expect(renderFrameSummary(ev, plain)).toBe('← #1 text FIN 13 bytes "\\x1b]0;pwned\\x07\\u{202e}"');
    const hostile = frameEvent(frameFromHex('81 03 1b 5b 32'), { text: '\x1b[2' });
    expect(renderFrameSummary(hostile, plain)).toBe('← #1 text FIN 3 bytes "\\x1b[2"');
    expect(renderFrameSummary(frameEvent(frameFromHex('8b 00')), plain)).toBe('← #1 reserved 0xb FIN 0 bytes');
  });
});
