// MessageEvents for view tests: what the session stage hands the view stage, built from text
// or bytes (frame indexes counted per builder, so pairing sees distinct requests).
import type { Direction, MessageEvent } from '../../src/session/events.js';

export function messageMaker(
  conn = 1,
): (payload: string | Uint8Array, dir: Direction, time?: number | null) => MessageEvent {
  let index = 0;
  return (payload, dir, time = null) => {
    index++;
    const text = typeof payload === 'string' ? payload : undefined;
    const data = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    return {
      type: 'message',
      conn,
      dir,
      time,
      opcode: text === undefined ? 2 : 1,
      frames: 1,
      firstFrame: index,
      lastFrame: index,
      compressed: false,
      data,
      length: data.length,
      ...(text === undefined ? {} : { text }),
      complete: true,
      diagnostics: [],
    };
  };
}
