// -V on a compressed frame: how the payload inflates (RFC 7692 §7.2.2, RFC 1951) — the
// 00 00 ff ff tail put back, each DEFLATE block with BFINAL and BTYPE, for a short message the
// literals and back-references it decodes to, and the size comparison in words.
// Layer rule: render/ — pure string building over protocol/ records.
import { traceDeflate, type DeflateBlock, type DeflateSymbol } from '../protocol/deflate-trace.js';
import type { FrameEvent } from '../session/events.js';
import { escapeForTerminal } from './escape.js';
import type { Style } from './style.js';

/** Symbols listed per block; the rest are counted. */
const SHOWN_SYMBOLS = 12;

const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

const BTYPE = ['00 stored (no compression)', '01 fixed Huffman codes', '10 dynamic Huffman codes', '11 reserved'];

const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;

function hex(bytes: Uint8Array, max: number): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} … (${bytes.length - max} more)` : shown;
}

function byteText(b: number): string {
  return b >= 0x20 && b < 0x7f ? JSON.stringify(String.fromCharCode(b)) : `0x${b.toString(16).padStart(2, '0')}`;
}

function symbolLine(s: DeflateSymbol, output: Uint8Array | undefined): string {
  if (s.kind === 'literal') return `literal  ${byteText(s.byte)}`;
  const from =
    s.distance > s.at
      ? `${plural(s.distance, 'byte')} back, in an earlier message (context takeover)`
      : `${plural(s.distance, 'byte')} back`;
  let line = `match    copy ${s.length} from ${from}`;
  if (output !== undefined && s.at + s.length <= output.length) {
    const text = Buffer.from(output.subarray(s.at, s.at + Math.min(s.length, 40))).toString('latin1');
    line += ` → ${escapeForTerminal(JSON.stringify(text))}${s.length > 40 ? '…' : ''}`;
  }
  return line;
}

function blockLines(b: DeflateBlock, i: number, last: boolean, output: Uint8Array | undefined, style: Style): string[] {
  const head = `block ${i + 1}  BFINAL ${b.final ? 1 : 0}  BTYPE ${BTYPE[b.type]}`;
  if (b.type === 0) {
    const flush = last && !b.final && b.storedLength === 0;
    const lines = [`${head}, LEN ${b.storedLength ?? 0}`];
    if (flush) lines.push('  ' + style.dim('the empty block of the sync flush: the 00 00 ff ff put back above'));
    return lines;
  }
  if (b.type === 3) return [head];
  const counts = `${plural(b.literals, 'literal')}, ${plural(b.matches, 'back-reference')} → ${plural(b.outputLength, 'byte')}`;
  const lines = [`${head}: ${counts}${b.complete ? '' : style.warning(' (cut off: no end-of-block code)')}`];
  for (const s of b.symbols) lines.push('  ' + symbolLine(s, output));
  const more = b.literals + b.matches - b.symbols.length;
  if (more > 0) lines.push('  ' + style.dim(`… ${plural(more, 'more symbol')}`));
  if (b.complete) lines.push('  ' + style.dim('end of block (code 256)'));
  return lines;
}

/** "5 bytes on the wire for 3 bytes of text: compression made it larger". */
export function compressionInWords(wire: number, inflated: number, what: 'text' | 'data'): string {
  const head = `${plural(wire, 'byte')} on the wire for ${plural(inflated, 'byte')} of ${what}`;
  if (inflated > wire) {
    const saved = inflated - wire;
    return `${head}: compression saved ${plural(saved, 'byte')} (${Math.round((100 * saved) / inflated)}%)`;
  }
  return `${head}: ${inflated === wire ? 'compression saved nothing' : 'compression made it larger'}`;
}

/**
 * The inflation section for a whole compressed message in one frame, or null (not
 * compressed, not inflated, or a fragment: the message's bytes span several frames).
 */
export function renderInflateView(ev: FrameEvent, style: Style): string | null {
  const frame = ev.frame;
  if (!ev.compressed || ev.inflate === undefined || !frame.fin || frame.opcode === 0) return null;
  if (frame.payload.length < frame.payloadLength) return null;
  const payload = frame.payload;
  const data = new Uint8Array(payload.length + 4);
  data.set(payload);
  data.set(TAIL, payload.length);
  const trace = traceDeflate(data, SHOWN_SYMBOLS);
  const output = ev.textBytes ?? ev.inflated;
  const lines = [
    style.heading('Inflation') + ' ' + style.dim('(RFC 7692 §7.2.2, DEFLATE: RFC 1951 §3.2.3)'),
    '  The sender ended the message with a sync flush and removed its last 4 bytes, 00 00 ff ff;',
    '  they are put back before inflating:',
    `    ${hex(payload, 32)} ${style.derived('+ 00 00 ff ff')}`,
  ];
  trace.blocks.forEach((b, i) => {
    for (const l of blockLines(b, i, i === trace.blocks.length - 1, output, style)) lines.push('  ' + l);
  });
  if (trace.error !== null) lines.push('  ' + style.warning(trace.error));
  const what = frame.opcode === 1 ? 'text' : 'data';
  if (!ev.inflate.partial) lines.push('  ' + compressionInWords(payload.length, ev.inflate.inflatedLength, what));
  return lines.join('\n');
}
