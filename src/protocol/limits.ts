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

export const DEFAULT_LIMITS: Limits = {
  maxFramePayload: 64 * 1024 * 1024,
  maxMessageBytes: 64 * 1024 * 1024,
  maxInflatedBytes: 64 * 1024 * 1024,
  maxHttpHead: 64 * 1024,
  keepBinaryPayload: Infinity,
};

export function resolveLimits(partial?: Partial<Limits>): Limits {
  return partial === undefined ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, ...partial };
}
