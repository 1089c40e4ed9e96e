import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import { renderFrameView, type FrameViewOptions } from '../../src/render/frame-view.js';
import { renderFrameSummary } from '../../src/render/summary-line.js';
import { renderHandshake } from '../../src/render/handshake-view.js';
import { createStyle } from '../../src/render/style.js';
import { buildFrame } from '../helpers/frame-builder.js';
import { anyCodePointString } from '../helpers/arbitraries.js';
import { frameEvent, frameFromHex, frameFromWire, withCountingPayload } from './frames.js';

const plain = createStyle({ color: false });
const colour = createStyle({ color: true });
const opts: FrameViewOptions = { explain: false, maxPayload: 256, assumptions: [] };
const ANSI = /\x1b\[/;

const masked = () => frameEvent(frameFromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), { index: 1, text: 'Hello' });

describe('renderFrameView', () => {
  it('composes summary, header diagram, fields, wire bytes, unmasking and payload in that order', () => {
    const out = renderFrameView(masked(), plain, opts);
    const order = [
      '→ #1 text FIN 5 bytes masked 37fa213d "Hello"',
      'Frame header (RFC 6455 §5.2)',
      '  |1|0|0|0|0 0 0 1|1|0 0 0 0 1 0 1|0 0 1 1 0 1 1 1 1 1 1 1 1 0 1 0|  bytes 0–3',
      'Fields',
      'Wire bytes (frame at stream offset 0)',
      '  0000  81|85|37 fa 21 3d|7f 9f  4d 51 58                 |..7.!=..MQX|',
      'Unmasking (RFC 6455 §5.3)',
      "  [0] masked 0x7f ⊕ key[0] 0x37 = 0x48 'H'",
      'Payload 5 bytes [shown unmasked]',
      '"Hello"',
    ];
    let at = 0;
    for (const part of order) {
      const found = out.indexOf(part, at);
      expect(found, part).toBeGreaterThanOrEqual(at);
      at = found + part.length;
    }
    expect(out).not.toContain('Diagnostics');
    expect(out).not.toContain('Assumptions');
  });

  it('unmasked frame: no unmasking section', () => {
    const out = renderFrameView(frameEvent(frameFromWire(withCountingPayload('82 7e 01 00', 256))), plain, opts);
    expect(out).not.toContain('Unmasking');
    expect(out).toContain('16 bits = 256');
  });

  it('diagnostics, explanations and assumptions', () => {
    const frame = frameFromHex('83 00', [diagnostic('frame.opcode.reserved')]);
    const ev = frameEvent(frame, { dir: 'c2s', diagnostics: [diagnostic('frame.mask.missing')] });
    const out = renderFrameView(ev, plain, {
      ...opts,
      explain: true,
      assumptions: ['direction taken from the mask bit'],
    });
    expect(out).toContain('Diagnostics (2)');
    expect(out).toContain('✖ error   frame.opcode.reserved  reserved opcode  (RFC 6455 §5.2)');
    expect(out).toContain('✖ error   frame.mask.missing');
    expect(out).toMatch(/✖ opcode\s+4–7\s+0x3\s+reserved \(non-control\) opcode/);
    expect(out).toMatch(/✖ MASK\s+8\s+0/);
    expect(out).toContain('rule: 0x0 continuation, 0x1 text');
    expect(out).toContain('Assumptions\n  • direction taken from the mask bit');
  });

  it('colour on gives ANSI codes, colour off none', () => {
    const ev = masked();
    const o = { ...opts, explain: true, assumptions: ['x'] };
    expect(renderFrameView(ev, colour, o)).toMatch(ANSI);
    expect(renderFrameView(ev, plain, o)).not.toMatch(ANSI);
    expect(renderFrameSummary(ev, colour)).toMatch(ANSI);
    expect(renderFrameSummary(ev, plain)).not.toMatch(ANSI);
    const hs = {
      type: 'handshake' as const,
      conn: 1,
      time: null,
      handshake: {
        side: 'request' as const,
        method: 'GET',
        path: '/',
        httpVersion: 'HTTP/1.1',
        headers: [],
        key: null,
        version: null,
        protocols: [],
        extensions: [],
        isUpgrade: true,
        headLength: 0,
        diagnostics: [],
      },
    };
    expect(renderHandshake(hs, colour)).toMatch(ANSI);
    expect(renderHandshake(hs, plain)).not.toMatch(ANSI);
  });

  it('never emits a raw control or bidi char, nor throws, for any frame and text', () => {
    fc.assert(
      fc.property(
        fc.record({
          fin: fc.boolean(),
          rsv1: fc.boolean(),
          opcode: fc.integer({ min: 0, max: 15 }),
          key: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
          text: anyCodePointString(60),
          reason: anyCodePointString(20),
          cut: fc.nat({ max: 8 }),
        }),
        ({ text, reason, key, cut, ...spec }) => {
          const wire = buildFrame({ ...spec, maskingKey: key, payload: text });
          // cut up to 8 bytes off the end, never into the header: truncated frames render too
          const headerLength = wire.length - new TextEncoder().encode(text).length;
          const frame = frameFromWire(wire.subarray(0, Math.max(headerLength, wire.length - cut)));
          const ev = frameEvent(frame, { text, close: { code: 1000, codeName: 'Normal Closure', reason } });
          const out = renderFrameView(ev, plain, { ...opts, assumptions: [reason] }) + renderFrameSummary(ev, plain);
          expect(out.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
        },
      ),
      { numRuns: 300 },
    );
  });
});
