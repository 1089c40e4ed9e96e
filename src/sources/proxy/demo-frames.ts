// Frame building for the demo's two peers (a scripted client and an echo server), so that
// `wsinspect demo` needs no WebSocket library at run time. Frames are written exactly as
// RFC 6455 §5.2 lays them out; client frames are masked with a fresh random key (§5.3).
// Layer rule: sources/ — bytes for the demo's sockets.
import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { applyMask } from '../../protocol/unmask.js';

export interface FrameSpec {
  readonly opcode: number;
  readonly payload: Uint8Array;
  readonly fin?: boolean;
  readonly rsv1?: boolean;
  /** Clients mask every frame; servers never do (RFC 6455 §5.1). */
  readonly mask: boolean;
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const length = spec.payload.length;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + extended + (spec.mask ? 4 : 0));
  head[0] = (spec.fin === false ? 0 : 0x80) | (spec.rsv1 ? 0x40 : 0) | spec.opcode;
  head[1] = (spec.mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) head.writeUInt16BE(length, 2);
  if (extended === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!spec.mask) return Buffer.concat([head, spec.payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + extended);
  return Buffer.concat([head, applyMask(spec.payload, key)]);
}

/**
 * A message compressed on its own (no context takeover, RFC 7692 §7.1.1), with the
 * 00 00 ff ff tail of the final sync flush removed (RFC 7692 §7.2.1).
 */
export function deflateMessage(data: Uint8Array): Buffer {
  const out = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

export function closePayload(code: number, reason: string): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}
