// Close status codes (RFC 6455 §7.4 and the IANA WebSocket Close Code Number Registry) and
// the rules a code on the wire must satisfy. Layer rule: protocol/ — pure data and checks.
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';

const NAMES: Readonly<Record<number, string>> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1004: 'Reserved',
  1005: 'No Status Received',
  1006: 'Abnormal Closure',
  1007: 'Invalid Frame Payload Data',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1010: 'Mandatory Extension',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
  1014: 'Bad Gateway',
  1015: 'TLS Handshake',
};

export function closeCodeName(code: number): string {
  const known = NAMES[code];
  if (known !== undefined) return known;
  if (code >= 3000 && code <= 3999) return 'Registered (libraries, frameworks, applications)';
  if (code >= 4000 && code <= 4999) return 'Private use';
  if (code >= 1016 && code <= 2999) return 'Unassigned (reserved for this protocol)';
  return 'Invalid';
}

/** Rules for a code sent in a Close frame; private-use and registered ranges are never errors. */
export function checkCloseCode(code: number): Diagnostic | null {
  // RFC 6455 §7.4.1: 1005, 1006 and 1015 are for reporting and "MUST NOT be set as a status code in a Close control frame"
  if (code === 1005 || code === 1006 || code === 1015) {
    return diagnostic(
      'close.code.reserved-not-on-wire',
      `close code ${code} (${NAMES[code]}) must not be sent in a Close frame`,
    );
  }
  // RFC 6455 §7.4.2: 0–999 are not used; 1016–2999 are reserved for future revisions of the protocol
  if (code < 1000 || code >= 5000)
    return diagnostic('close.code.invalid', `close code ${code} is outside every range allowed on the wire`);
  if (code === 1004) return diagnostic('close.code.invalid', 'close code 1004 is reserved and must not be sent');
  if (code >= 1016 && code <= 2999) {
    return diagnostic(
      'close.code.invalid',
      `close code ${code} is in 1016–2999, reserved for future versions of the protocol`,
    );
  }
  return null;
}
