// -V on a compressed frame: how the payload inflates (RFC 7692 §7.2.2, RFC 1951) — the
// 00 00 ff ff tail put back, each DEFLATE block with BFINAL and BTYPE, for a short message the
// literals and back-references it decodes to, and the size comparison in words. A fragmented
// message is compressed whole (RFC 7692 §6.1), so its last frame explains the inflation of all
// its frames' payloads joined; its earlier frames say where to look.
// Layer rule: render/ — pure string building over protocol/ records.
import { traceDeflate, type DeflateBlock, type DeflateSymbol } from '../protocol/deflate-trace.js';
import type { CompressedMessage, FrameEvent } from '../session/events.js';
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
    const empty = !b.final && b.storedLength === 0;
    const lines = [`${head}, LEN ${b.storedLength ?? 0}`];
    if (empty && last)
      lines.push('  ' + style.dim('the empty block of the sync flush: the 00 00 ff ff put back above'));
    else if (empty)
      lines.push('  ' + style.dim('an empty block: a sync flush inside the message (the sender flushed a fragment)'));
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
export function compressionInWords(wire: number, inflated: number, what: 'text' | 'data', frames = 1): string {
  const across = frames > 1 ? ` (${frames} frames)` : '';
  const head = `${plural(wire, 'byte')} on the wire${across} for ${plural(inflated, 'byte')} of ${what}`;
  if (inflated > wire) {
    const saved = inflated - wire;
    return `${head}: compression saved ${plural(saved, 'byte')} (${Math.round((100 * saved) / inflated)}%)`;
  }
  return `${head}: ${inflated === wire ? 'compression saved nothing' : 'compression made it larger'}`;
}

/** Hex of the joined payload with a bar where one frame's payload ends and the next begins. */
function fragmentsHex(payload: Uint8Array, lengths: readonly number[], max: number, style: Style): string {
  const parts: string[] = [];
  let at = 0;
  for (const n of lengths) {
    if (at >= max) break;
    const end = Math.min(at + n, max);
    parts.push(Array.from(payload.subarray(at, end), (b) => b.toString(16).padStart(2, '0')).join(' '));
    at += n;
  }
  const shown = parts.filter((p) => p !== '').join(style.dim(' | '));
  return payload.length > max ? `${shown} … (${payload.length - max} more)` : shown;
}

const HEADING = (style: Style): string =>
  style.heading('Inflation') + ' ' + style.dim('(RFC 7692 §7.2.2, DEFLATE: RFC 1951 §3.2.3)');

/**
 * The inflation section: for a whole compressed message in one frame, for the last frame of a
 * fragmented one (the message's payloads joined), a pointer to the last frame for its earlier
 * frames; null when not compressed or not inflated.
 */
export function renderInflateView(ev: FrameEvent, style: Style): string | null {
  const frame = ev.frame;
  const whole = ev.compressedMessage;
  if (whole !== undefined) return wholeMessage(whole, ev.index, style);
  if ((ev.compressed || ev.continuesCompressed === true) && !frame.fin)
    return [
      HEADING(style),
      '  permessage-deflate compresses a message, not a frame (RFC 7692 §6.1): this frame holds part',
      '  of the DEFLATE data, which is inflated once the last frame (FIN) has arrived; -V on that',
      '  frame shows the inflation of the whole message.',
    ].join('\n');
  if (!ev.compressed || ev.inflate === undefined || !frame.fin || frame.opcode === 0) return null;
  if (frame.payload.length < frame.payloadLength) return null;
  const payload = frame.payload;
  const lines = [
    HEADING(style),
    '  The sender ended the message with a sync flush and removed its last 4 bytes, 00 00 ff ff;',
    '  they are put back before inflating:',
    `    ${hex(payload, 32)} ${style.derived('+ 00 00 ff ff')}`,
  ];
  const output = ev.textBytes ?? ev.inflated;
  lines.push(...traceLines(payload, output, style));
  const what = frame.opcode === 1 ? 'text' : 'data';
  if (!ev.inflate.partial) lines.push('  ' + compressionInWords(payload.length, ev.inflate.inflatedLength, what));
  return lines.join('\n');
}

function wholeMessage(m: CompressedMessage, lastFrame: number, style: Style): string {
  const n = m.fragmentLengths.length;
  const sizes = m.fragmentLengths.join(' + ');
  const intro =
    `This frame ends a compressed message of ${n} frames (#${m.firstFrame}–#${lastFrame}). ` +
    "permessage-deflate compresses the message, not each frame (RFC 7692 §6.1): the frames' payloads " +
    `are joined (${sizes} = ${plural(m.payload.length, 'byte')}) and inflated once. The sender ended the ` +
    'message with a sync flush and removed its last 4 bytes, 00 00 ff ff; they are put back before inflating:';
  const lines = [
    HEADING(style),
    ...wrap(intro, 92).map((l) => '  ' + l),
    `    ${fragmentsHex(m.payload, m.fragmentLengths, 32, style)} ${style.derived('+ 00 00 ff ff')}`,
  ];
  lines.push(...traceLines(m.payload, m.inflated, style));
  const what = m.opcode === 1 ? 'text' : 'data';
  if (!m.inflate.partial) lines.push('  ' + compressionInWords(m.payload.length, m.inflate.inflatedLength, what, n));
  return lines.join('\n');
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The DEFLATE blocks of `payload` + 00 00 ff ff, with the symbols of the first ones. */
function traceLines(payload: Uint8Array, output: Uint8Array | undefined, style: Style): string[] {
  const data = new Uint8Array(payload.length + 4);
  data.set(payload);
  data.set(TAIL, payload.length);
  const trace = traceDeflate(data, SHOWN_SYMBOLS);
  const lines: string[] = [];
  trace.blocks.forEach((b, i) => {
    for (const l of blockLines(b, i, i === trace.blocks.length - 1, output, style)) lines.push('  ' + l);
  });
  if (trace.error !== null) lines.push('  ' + style.warning(trace.error));
  return lines;
}
