// --tls-detail: the TLS layer under a decrypted connection's frames, for teaching TLS framing
// under WebSocket. The records before the connection opened (the TLS handshake, the HTTP
// upgrade) are listed with the connection; each frame's -V view ends with the records that
// carried its bytes (found by its stream offsets, which count the direction's plaintext) and
// any record without application data that came since (NewSessionTicket, KeyUpdate, alert).
// The renderer trims the log as it goes, so it holds only records not yet passed.
// Layer rule: render/ — pure string building.
import type { Direction, TlsInfo, TlsRecordLog, TlsRecordNote } from '../session/events.js';
import { escapeForTerminal } from './escape.js';
import type { Style } from './style.js';

const CONTENT_TYPES: Readonly<Record<number, string>> = {
  20: 'change_cipher_spec',
  21: 'alert',
  22: 'handshake',
  23: 'application_data',
};

function typeName(type: number): string {
  return CONTENT_TYPES[type] ?? `content type ${type}`;
}

/** The records of a connection so far (its TLS handshake and HTTP upgrade), both directions in packet order. */
export function renderTlsOpening(tls: TlsInfo, style: Style): string | null {
  const log = tls.records;
  if (log === undefined) return null;
  const both = [
    ...log.c2s.map((r) => ({ r, dir: 'c2s' as const })),
    ...log.s2c.map((r) => ({ r, dir: 's2c' as const })),
  ].sort((x, y) => x.r.packet - y.r.packet);
  if (both.length === 0) return null;
  const lines = both.map(({ r, dir }) => recordLine(r, dir, tls, style));
  // what came before the first frame is shown: only a record that may still carry frame bytes stays
  trimShown(log.c2s);
  trimShown(log.s2c);
  return (
    style.heading('TLS records before the WebSocket frames') +
    ' ' +
    style.dim('(--tls-detail; RFC 8446 §5, RFC 5246 §6.2)') +
    '\n' +
    lines.map((l) => '  ' + l).join('\n')
  );
}

/** Keeps only the last record carrying plaintext (the next frame may begin in it). */
function trimShown(records: TlsRecordNote[]): void {
  let keep = -1;
  for (let i = records.length - 1; i >= 0; i--)
    if (records[i].plainLength > 0) {
      keep = i;
      break;
    }
  records.splice(0, keep < 0 ? records.length : keep);
}

/**
 * The records that carried the frame's bytes [start, end] (offsets in the direction's
 * plaintext stream), and those without application data since the last frame shown.
 */
export function renderFrameTlsRecords(
  tls: TlsInfo,
  dir: Direction,
  start: number,
  end: number,
  style: Style,
): string | null {
  const records = tls.records?.[dir];
  if (records === undefined) return null;
  const lines: string[] = [];
  let last = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const rEnd = r.plainStart + r.plainLength - 1;
    if (r.plainLength > 0 && rEnd < start) {
      last = i; // an earlier frame's (or the HTTP head's), not shown again
      continue;
    }
    if (r.plainLength > 0 && r.plainStart > end) break;
    last = i;
    lines.push(recordLine(r, dir, tls, style));
    if (r.plainLength > 0) {
      const from = Math.max(start, r.plainStart);
      const to = Math.min(end, rEnd);
      const size = end - start + 1;
      const whole = from === start && to === end;
      lines.push(
        '    ' +
          (whole
            ? `carries the whole frame (${size} bytes) at plaintext bytes ${from - r.plainStart}–${to - r.plainStart}`
            : `carries bytes ${from - start}–${to - start} of this ${size}-byte frame`),
      );
      if (rEnd >= end) break; // records after the frame's last byte belong to what follows
    }
  }
  if (lines.length === 0) return null;
  // passed records go; the last one stays when the next frame may begin in it
  const lastRecord = records[last];
  const keepLast = lastRecord !== undefined && lastRecord.plainStart + lastRecord.plainLength - 1 > end;
  records.splice(0, keepLast ? last : last + 1);
  return (
    style.heading('TLS records') +
    ' ' +
    style.dim('(--tls-detail; RFC 8446 §5.2)') +
    '\n' +
    lines.map((l) => '  ' + l).join('\n')
  );
}

/** "c2s record #7 (packet 14): application_data, 5 + 51 bytes; CLIENT_TRAFFIC_SECRET_0, sequence number 1 …" */
function recordLine(r: TlsRecordNote, dir: Direction, tls: TlsInfo, style: Style): string {
  const body = r.wireLength - 5;
  let line = `${style.direction(dir)(dir)} record #${r.number} (packet ${r.packet}): ${typeName(r.outerType)}`;
  if (r.innerType !== r.outerType) line += ` → inside: ${typeName(r.innerType)}`;
  line += `, 5 + ${body} bytes`;
  if (r.messages.length > 0) line += ` [${r.messages.map(escapeForTerminal).join(', ')}]`;
  switch (r.outcome) {
    case 'plaintext':
      line += style.dim(r.outerType === 20 ? '; not encrypted' : '; plaintext');
      break;
    case 'decrypted':
      line += `; key ${escapeForTerminal(r.key ?? '?')}, sequence number ${r.seq ?? '?'}`;
      line += style.dim(protection(r, tls));
      break;
    case 'failed':
      line += style.error(`; failed authentication with ${escapeForTerminal(r.key ?? '?')}, sequence number ${r.seq}`);
      break;
    case 'no-key':
      line += style.warning('; not decrypted: no key in the key log');
      break;
    case 'early-data':
      line += `; 0-RTT early data (${escapeForTerminal(r.key ?? 'CLIENT_EARLY_TRAFFIC_SECRET')})`;
      break;
  }
  return line;
}

/** How much of the body protection takes, and what it is made of where the suite says. */
function protection(r: TlsRecordNote, tls: TlsInfo): string {
  const plain = r.plainLength > 0 ? r.plainLength : null;
  if (plain === null) return '';
  const extra = r.wireLength - 5 - plain;
  const cipher = tls.cipher ?? '';
  let what = '';
  if (tls.version === 'TLS 1.3' && extra === 17) what = ': 1-byte inner content type + 16-byte AEAD tag';
  else if (tls.version === 'TLS 1.3') what = ': inner content type, padding, 16-byte AEAD tag';
  else if (/_GCM_/.test(cipher) && extra === 24) what = ': 8-byte explicit nonce + 16-byte GCM tag';
  else if (/CHACHA20/.test(cipher) && extra === 16) what = ': 16-byte Poly1305 tag';
  else if (/_CBC_/.test(cipher)) what = ': IV, MAC and padding';
  return `; ${plain} bytes of plaintext + ${extra} of protection${what}`;
}

/** A frame that is not shown (a filter hid it): the records wholly before its end are passed. */
export function passTlsRecords(tls: TlsInfo, dir: Direction, end: number): void {
  const records = tls.records?.[dir];
  if (records === undefined) return;
  let n = 0;
  // a record without application data is passed when it came inside the frame, not after it
  const passed = (r: TlsRecordNote): boolean =>
    r.plainLength > 0 ? r.plainStart + r.plainLength - 1 <= end : r.plainStart <= end;
  while (n < records.length && passed(records[n])) n++;
  if (n > 0) records.splice(0, n);
}
