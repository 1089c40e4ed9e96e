import { describe, expect, it } from 'vitest';
import { acceptDerivation, type AcceptDerivation } from '../../src/protocol/accept-key.js';
import { renderAcceptDerivation } from '../../src/render/accept-view.js';
import { createStyle } from '../../src/render/style.js';

const plain = createStyle({ color: false });

// The RFC 6455 §1.3 example, written out so this test does not depend on the hashing.
const rfcExample: AcceptDerivation = {
  key: 'dGhlIHNhbXBsZSBub25jZQ==',
  guid: '258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
  concatenated: 'dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
  sha1Hex: 'b37a4f2cc0624f1690f64606cf385945b2bec4ea',
  accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
};

describe('renderAcceptDerivation', () => {
  it('shows key + GUID → SHA-1 hex → base64, step by step', () => {
    const out = renderAcceptDerivation(rfcExample, plain);
    expect(out).toMatch(/1\. Sec-WebSocket-Key.* dGhlIHNhbXBsZSBub25jZQ==$/m);
    expect(out).toMatch(/2\. append the fixed GUID.* 258EAFA5-E914-47DA-95CA-C5AB0DC85B11$/m);
    expect(out).toMatch(/= key \+ GUID\s+dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11$/m);
    expect(out).toMatch(/3\. SHA-1.* b37a4f2cc0624f1690f64606cf385945b2bec4ea$/m);
    expect(out).toMatch(/4\. base64.* s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=$/m);
    expect(out.split('\n').at(-1)).toBe('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('checks a sent value', () => {
    expect(renderAcceptDerivation(rfcExample, plain, { sent: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' })).toContain(
      '✓ the sent value matches',
    );
    expect(renderAcceptDerivation(rfcExample, plain, { sent: 'nope' })).toContain(
      '✗ mismatch: sent nope, expected s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    );
  });

  it('escapes a hostile key', () => {
    const out = renderAcceptDerivation(acceptDerivation('\x1b[31mkey'), plain);
    expect(out).toContain('\\x1b[31mkey');
    expect(out).not.toContain('\x1b');
  });
});
