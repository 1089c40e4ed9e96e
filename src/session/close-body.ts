// Reads a Close frame's body (RFC 6455 §5.5.1): empty, or a 2-byte status code followed by
// a UTF-8 reason. Layer rule: session/ — pure, uses protocol/close-codes.
import { checkCloseCode, closeCodeName } from '../protocol/close-codes.js';
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { firstInvalidUtf8, isValidUtf8 } from '../protocol/utf8.js';
import type { CloseInfo } from './events.js';

const decoder = new TextDecoder('utf-8');

export function parseCloseBody(body: Uint8Array, out: Diagnostic[]): CloseInfo {
  if (body.length === 0) return { code: null, codeName: null, reason: null };
  if (body.length === 1) {
    // RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer"
    out.push(
      diagnostic(
        'close.body.one-byte',
        `close frame body is the single byte 0x${body[0].toString(16).padStart(2, '0')}; a body must be empty or start with a 2-byte code`,
      ),
    );
    return { code: null, codeName: null, reason: null };
  }
  const code = (body[0] << 8) | body[1];
  const codeProblem = checkCloseCode(code);
  if (codeProblem !== null) out.push(codeProblem);
  const reasonBytes = body.subarray(2);
  if (!isValidUtf8(reasonBytes)) {
    out.push(
      diagnostic(
        'close.reason.invalid-utf8',
        `close reason is not valid UTF-8 (first invalid byte at reason offset ${firstInvalidUtf8(reasonBytes)})`,
      ),
    );
  }
  return { code, codeName: closeCodeName(code), reason: reasonBytes.length > 0 ? decoder.decode(reasonBytes) : null };
}
