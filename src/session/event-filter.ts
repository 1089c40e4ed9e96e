// Display filters for captures and the proxy (--conn, --dir, --opcode, --grep, --errors):
// a predicate over InspectEvents. Decoding always sees everything; only what is shown is
// filtered, as with Wireshark's display filters. Layer rule: session/ — pure.
import { isControlOpcode, opcodeName } from '../protocol/frame.js';
import type { Direction, InspectEvent } from './events.js';

export interface FilterSpec {
  readonly conns?: readonly number[];
  readonly dir?: Direction;
  /** Opcode names: text, binary, close, ping, pong, continuation, control, reserved. */
  readonly opcodes?: readonly string[];
  readonly grep?: RegExp;
  readonly errorsOnly?: boolean;
  /**
   * -Y/--filter: an expression of the filter language, as typed (plain data: a worker thread
   * can be sent it). createEventFilter does not look at it: filter/display-filter.ts compiles
   * it and combines the two by AND.
   */
  readonly expression?: string;
}

export const OPCODE_FILTER_NAMES = [
  'text',
  'binary',
  'continuation',
  'close',
  'ping',
  'pong',
  'control',
  'data',
  'reserved',
] as const;

function opcodeMatches(opcode: number, names: readonly string[]): boolean {
  const name = opcodeName(opcode);
  for (const n of names) {
    if (n === name) return true;
    if (n === 'control' && isControlOpcode(opcode)) return true;
    if (n === 'data' && !isControlOpcode(opcode)) return true;
  }
  return false;
}

/** Returns a predicate; events with no opinion of a criterion (connection, end) pass it. */
export function createEventFilter(spec: FilterSpec): (ev: InspectEvent) => boolean {
  const conns = spec.conns !== undefined && spec.conns.length > 0 ? new Set(spec.conns) : null;
  const contentFilter =
    spec.dir !== undefined || spec.opcodes !== undefined || spec.grep !== undefined || spec.errorsOnly === true;
  return (ev) => {
    if (conns !== null && (ev.conn === null || !conns.has(ev.conn))) return false;
    switch (ev.type) {
      case 'frame':
      case 'message': {
        if (spec.dir !== undefined && ev.dir !== spec.dir) return false;
        const opcode = ev.type === 'frame' ? ev.frame.opcode : ev.opcode;
        if (spec.opcodes !== undefined && !opcodeMatches(opcode, spec.opcodes)) return false;
        if (spec.grep !== undefined) {
          const text = ev.type === 'frame' ? (ev.text ?? ev.close?.reason ?? undefined) : ev.text;
          if (text === undefined || !spec.grep.test(text)) return false;
        }
        return spec.errorsOnly !== true || ev.diagnostics.length > 0;
      }
      case 'diagnostic':
        return (
          (spec.dir === undefined || ev.dir === undefined || ev.dir === spec.dir) &&
          spec.opcodes === undefined &&
          spec.grep === undefined
        );
      case 'handshake':
        if (spec.errorsOnly === true) return ev.handshake.diagnostics.length > 0;
        return spec.opcodes === undefined && spec.grep === undefined;
      default:
        // connection and end lines frame the output; a content filter hides them
        return !contentFilter;
    }
  };
}
