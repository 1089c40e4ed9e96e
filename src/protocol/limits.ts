// Every resource limit in one place, with defaults (DESIGN principle 6). Lengths read from
// the wire are checked against these before anything is allocated.
// Layer rule: protocol/ — plain data.

export interface Limits {
  /** Largest frame payload kept in memory; bigger frames are counted and skipped. */
  readonly maxFramePayload: number;
  /** Largest reassembled message kept (wire bytes before inflation). */
  readonly maxMessageBytes: number;
  /** Largest inflated size of one compressed message (decompression bomb guard). */
  readonly maxInflatedBytes: number;
  /** Largest HTTP head (request line + headers) parsed in a handshake. */
  readonly maxHttpHead: number;
  /**
   * Bytes kept of each frame of a binary message sent uncompressed (opcode 2 with RSV1 clear,
   * and its continuation frames), and of the message they make up; the rest is counted in
   * payloadSkipped (and the message's length) without a diagnostic. Not a safety limit: a
   * caller that shows at most N payload bytes sets N + 1, so a large binary message is never
   * copied just to go unseen. Text (UTF-8 is checked) and compressed frames are kept whole.
   */
  readonly keepBinaryPayload: number;
}

export const DEFAULT_LIMITS: Limits = resolveLimits({});

/**
 * The limits with defaults filled in. Every result has the same shape and only integer fields
 * (so code reading a Limits sees one hidden class and no double field): keepBinaryPayload is
 * capped at the most a frame or a message can keep anyway (maxFramePayload, maxMessageBytes),
 * which changes nothing it decides and turns the "keep everything" Infinity into an integer.
 */
export function resolveLimits(partial?: Partial<Limits>): Limits {
  const maxFramePayload = partial?.maxFramePayload ?? 64 * 1024 * 1024;
  const maxMessageBytes = partial?.maxMessageBytes ?? 64 * 1024 * 1024;
  const keep = partial?.keepBinaryPayload ?? Infinity;
  return {
    maxFramePayload,
    maxMessageBytes,
    maxInflatedBytes: partial?.maxInflatedBytes ?? 64 * 1024 * 1024,
    maxHttpHead: partial?.maxHttpHead ?? 64 * 1024,
    keepBinaryPayload: Math.min(keep, Math.max(maxFramePayload, maxMessageBytes)),
  };
}
