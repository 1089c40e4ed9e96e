import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import {
  frameEventDiagnostics,
  renderDiagnosticCodes,
  renderDiagnosticCounts,
  renderDiagnosticDetails,
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

  it('codes for a one-line summary: each severity once, most severe first, each code once', () => {
    const ds = [
      diagnostic('frame.length.non-minimal'),
      diagnostic('frame.mask.missing'),
      diagnostic('tcp.gap'),
      diagnostic('deflate.assumed'),
      diagnostic('tcp.gap', 'another gap'),
    ];
    expect(renderDiagnosticCodes(ds, plain)).toBe(
      '✖ frame.mask.missing ⚠ frame.length.non-minimal tcp.gap ℹ deflate.assumed',
    );
    expect(renderDiagnosticCodes([diagnostic('frame.mask.unexpected')], plain)).toBe('✖ frame.mask.unexpected');
    expect(renderDiagnosticCodes([], plain)).toBe('');
    const colour = createStyle({ color: true, level: 1 });
    expect(renderDiagnosticCodes([diagnostic('tcp.gap')], colour)).toBe(colour.warning('⚠ tcp.gap'));
  });

  it('details under a summary (--errors): one indented line per diagnostic, wire text escaped', () => {
    const ds = [diagnostic('frame.mask.missing'), diagnostic('close.reason.invalid-utf8', 'reason "\x1b[2J"')];
    expect(renderDiagnosticDetails(ds, plain)).toBe(
      '\n  ' + renderDiagnosticLine(ds[0], plain) + '\n  ' + renderDiagnosticLine(ds[1], plain),
    );
    expect(renderDiagnosticDetails(ds, plain)).not.toContain('\x1b');
    expect(renderDiagnosticDetails(ds, plain)).toContain('\\x1b[2J');
    expect(renderDiagnosticDetails([], plain)).toBe('');
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
