import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import {
  frameEventDiagnostics,
  renderDiagnosticCounts,
  renderDiagnosticLine,
  renderDiagnostics,
} from '../../src/render/diagnostics-view.js';
import { createStyle } from '../../src/render/style.js';
import { frameEvent, frameFromHex } from './frames.js';

const plain = createStyle({ color: false });

describe('diagnostics view', () => {
  it('one line: severity, code, message, RFC section', () => {
    expect(renderDiagnosticLine(diagnostic('frame.mask.missing'), plain)).toBe(
      '✖ error   frame.mask.missing  client-to-server frame is not masked  (RFC 6455 §5.1)',
    );
    expect(renderDiagnosticLine(diagnostic('tcp.gap'), plain)).toBe(
      '⚠ warning tcp.gap  bytes missing from the TCP stream (not captured)',
    );
  });

  it('escapes wire text quoted in a message', () => {
    expect(renderDiagnosticLine(diagnostic('close.reason.invalid-utf8', 'reason "\x1b[2J"'), plain)).toContain(
      'reason "\\x1b[2J"',
    );
  });

  it('counts by severity, most severe first', () => {
    const ds = [
      diagnostic('frame.length.non-minimal'),
      diagnostic('frame.mask.missing'),
      diagnostic('tcp.gap'),
      diagnostic('deflate.assumed'),
    ];
    expect(renderDiagnosticCounts(ds, plain)).toBe('✖ 1 ⚠ 2 ℹ 1');
    expect(renderDiagnosticCounts([], plain)).toBe('');
  });

  it('a block with a heading, empty when there is nothing', () => {
    expect(renderDiagnostics([diagnostic('frame.opcode.reserved')], plain)).toBe(
      'Diagnostics (1)\n  ✖ error   frame.opcode.reserved  reserved opcode  (RFC 6455 §5.2)',
    );
    expect(renderDiagnostics([], plain)).toBe('');
  });

  it("merges the frame's and the event's diagnostics, each once", () => {
    const own = diagnostic('frame.mask.missing');
    const ev = frameEvent(frameFromHex('81 00', [own]), {
      diagnostics: [own, diagnostic('message.continuation.orphan')],
    });
    expect(frameEventDiagnostics(ev).map((d) => d.code)).toEqual(['frame.mask.missing', 'message.continuation.orphan']);
  });
});
