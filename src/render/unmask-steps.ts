// Unmasking shown step by step for the first bytes of a masked frame (RFC 6455 §5.3):
// masked byte ⊕ key[i mod 4] = data byte, in hex, as a character and in binary, so the
// key-index cycling is visible.
// Layer rule: render/ — pure string building; the unmasked bytes are derived data.
import type { Frame } from '../protocol/frame.js';
import { bitString, wirePayload } from '../protocol/frame-fields.js';
import { byteCharLiteral, HEX_BYTE } from './escape.js';
import type { Style } from './style.js';

export interface UnmaskStepsOptions {
  /** How many payload bytes to work through; default 8. */
  readonly count?: number;
}

function keyList(key: Uint8Array): string {
  return `${HEX_BYTE[key[0]]} ${HEX_BYTE[key[1]]} ${HEX_BYTE[key[2]]} ${HEX_BYTE[key[3]]}`;
}

/** "[0] masked 0x7f ⊕ key[0] 0x37 = 0x48 'H'   01111111 ⊕ 00110111 = 01001000" */
function step(i: number, masked: number, key: Uint8Array, data: number, width: number, style: Style): string {
  const k = i & 3;
  const index = `[${i}]`.padEnd(width);
  const char = `'${byteCharLiteral(data)}'`.padEnd(7);
  const sum =
    `${style.payload(`masked 0x${HEX_BYTE[masked]}`)} ⊕ ${style.key(`key[${k}] 0x${HEX_BYTE[key[k]]}`)} = ` +
    `${style.derived(`0x${HEX_BYTE[data]}`)} ${style.derived(char)}`;
  const bits = style.dim(`${bitString(masked, 8)} ⊕ ${bitString(key[k], 8)} = ${bitString(data, 8)}`);
  const wrapNote = i > 0 && k === 0 ? style.dim('  ← key index wraps to 0') : '';
  return `${style.dim(index)} ${sum}  ${bits}${wrapNote}`;
}

/**
 * The unmasking worked through for the first `count` payload bytes; for an unmasked frame a
 * single line saying the payload is sent as is.
 */
export function renderUnmaskSteps(frame: Frame, style: Style, opts?: UnmaskStepsOptions): string {
  const key = frame.masked ? frame.maskingKey : null;
  if (key === null) return style.dim('not masked: the payload bytes are sent as they are');
  const head = `data[i] = masked[i] ⊕ key[i mod 4]   key = ${style.key(keyList(key))}`;
  if (frame.payload.length === 0) {
    return (
      head +
      '\n' +
      style.dim(
        frame.payloadLength === 0 ? '(empty payload: nothing to unmask)' : '(no payload bytes present to unmask)',
      )
    );
  }
  const n = Math.min(frame.payload.length, Math.max(0, opts?.count ?? 8));
  const wire = wirePayload(frame, n);
  const width = `[${n - 1}]`.length;
  const lines = [head];
  for (let i = 0; i < n; i++) lines.push(step(i, wire[i], key, frame.payload[i], width, style));
  const rest = frame.payload.length - n;
  if (rest > 0) lines.push(style.dim(`… ${rest} more ${rest === 1 ? 'byte' : 'bytes'} unmasked the same way`));
  return lines.join('\n');
}
