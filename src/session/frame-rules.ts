// Per-frame protocol rules that need the connection's context (direction, negotiated
// extensions, close state). Each rule is a small named function; checkFrame runs the list.
// Layer rule: session/ — pure, uses protocol/.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { isControlOpcode, isReservedOpcode, opcodeName, type Frame } from '../protocol/frame.js';
import type { Direction } from './events.js';

export interface FrameContext {
  readonly dir: Direction;
  /** False when the direction was inferred from the mask bit (hex input without --from). */
  readonly directionKnown: boolean;
  /** permessage-deflate in effect (negotiated or assumed), so RSV1 has a meaning. */
  readonly deflate: boolean;
  /** This direction already sent a Close frame. */
  readonly closeSent: boolean;
}

type FrameRule = (frame: Frame, ctx: FrameContext) => Diagnostic | null;

// RFC 6455 §5.1: a client MUST mask every frame it sends to the server.
const clientMustMask: FrameRule = (f, ctx) =>
  ctx.directionKnown && ctx.dir === 'c2s' && !f.masked ? diagnostic('frame.mask.missing') : null;

// RFC 6455 §5.1: a server MUST NOT mask any frame it sends to the client.
const serverMustNotMask: FrameRule = (f, ctx) =>
  ctx.directionKnown && ctx.dir === 's2c' && f.masked ? diagnostic('frame.mask.unexpected') : null;

// RFC 6455 §5.2: opcodes 0x3–0x7 and 0xB–0xF are reserved.
const reservedOpcode: FrameRule = (f) =>
  isReservedOpcode(f.opcode)
    ? diagnostic(
        'frame.opcode.reserved',
        `opcode 0x${f.opcode.toString(16)} is reserved (${isControlOpcode(f.opcode) ? 'control' : 'non-control'})`,
      )
    : null;

// RFC 6455 §5.5: control frames MUST have a payload length of 125 bytes or less.
const controlTooLong: FrameRule = (f) =>
  isControlOpcode(f.opcode) && f.payloadLength > 125
    ? diagnostic(
        'frame.control.too-long',
        `${opcodeName(f.opcode)} frame payload is ${f.payloadLength} bytes; control frames carry at most 125`,
      )
    : null;

// RFC 6455 §5.5: control frames MUST NOT be fragmented.
const controlFragmented: FrameRule = (f) =>
  isControlOpcode(f.opcode) && !f.fin
    ? diagnostic(
        'frame.control.fragmented',
        `${opcodeName(f.opcode)} frame has FIN clear; control frames must not be fragmented`,
      )
    : null;

// RFC 6455 §5.2: RSV bits MUST be 0 unless an extension defining them was negotiated.
const rsvWithoutExtension: FrameRule = (f, ctx) => {
  if (!(f.rsv1 && !ctx.deflate) && !f.rsv2 && !f.rsv3) return null;
  const bits = [f.rsv1 && !ctx.deflate ? 'RSV1' : '', f.rsv2 ? 'RSV2' : '', f.rsv3 ? 'RSV3' : ''].filter(Boolean);
  return bits.length > 0
    ? diagnostic(
        'frame.rsv.unexpected',
        `${bits.join(', ')} set but no negotiated extension defines ${bits.length > 1 ? 'them' : 'it'}`,
      )
    : null;
};

// RFC 7692 §6.1: RSV1 marks the first frame of a compressed message; never a continuation.
const rsv1OnContinuation: FrameRule = (f, ctx) =>
  ctx.deflate && f.rsv1 && f.opcode === 0 ? diagnostic('frame.rsv1.continuation') : null;

// RFC 7692 §6.1: control frames are never compressed by permessage-deflate.
const rsv1OnControl: FrameRule = (f, ctx) =>
  ctx.deflate && f.rsv1 && isControlOpcode(f.opcode) ? diagnostic('frame.rsv1.control') : null;

// RFC 6455 §5.5.1: after sending a Close frame, the endpoint MUST NOT send more data frames.
const afterClose: FrameRule = (f, ctx) =>
  ctx.closeSent
    ? diagnostic('frame.after-close', `${opcodeName(f.opcode)} frame sent after this side's Close frame`)
    : null;

const FRAME_RULES: readonly FrameRule[] = [
  clientMustMask,
  serverMustNotMask,
  reservedOpcode,
  controlTooLong,
  controlFragmented,
  rsvWithoutExtension,
  rsv1OnContinuation,
  rsv1OnControl,
  afterClose,
];

/** Appends every broken rule's diagnostic to `out`. */
export function checkFrame(frame: Frame, ctx: FrameContext, out: Diagnostic[]): void {
  if (breaksNoRule(frame, ctx)) return;
  checkEveryRule(frame, ctx, out);
}

/**
 * True only for a frame that no rule above objects to, decided with a few comparisons: the
 * common frame of a listing skips the rule list. False says nothing (the rules decide);
 * test/session/frame-rules-fast-path.test.ts holds it to the rule list for every header.
 */
export function breaksNoRule(f: Frame, ctx: FrameContext): boolean {
  if (ctx.closeSent || f.rsv2 || f.rsv3) return false;
  if (ctx.directionKnown && f.masked !== (ctx.dir === 'c2s')) return false;
  const op = f.opcode;
  if (op <= 2) return !f.rsv1 || (ctx.deflate && op !== 0);
  return op >= 8 && op <= 10 && !f.rsv1 && f.fin && f.payloadLength <= 125;
}

/** checkFrame without its shortcut: every rule, in order. */
export function checkEveryRule(frame: Frame, ctx: FrameContext, out: Diagnostic[]): void {
  for (const rule of FRAME_RULES) {
    const d = rule(frame, ctx);
    if (d !== null) out.push(d);
  }
}
