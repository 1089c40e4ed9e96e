// Every memory bound of the capture layer in one place, with defaults chosen so a 1 GB
// capture of any content stays far below 200 MB of RSS (DESIGN principle 6).
// Layer rule: capture/ — plain data.

export interface CaptureLimits {
  /** Out-of-order bytes held per direction before the first hole is declared a gap. */
  readonly maxHeldBytesPerDirection: number;
  /** Out-of-order bytes held across all connections. */
  readonly maxHeldBytesTotal: number;
  /** First bytes kept per direction while deciding whether a connection is WebSocket. */
  readonly detectionBytes: number;
  /** Detection bytes kept across all connections; past it, connections decide early. */
  readonly detectionBytesTotal: number;
  /** Delivered bytes remembered per direction to check retransmissions against. */
  readonly historyBytes: number;
  /** Largest capture record (pcapng block, pcap packet) accepted; larger is malformed. */
  readonly maxRecordBytes: number;
  /** IP fragment bytes held across all datagrams being reassembled; past it the oldest are dropped. */
  readonly maxFragmentBytesTotal: number;
  /** Capture seconds a datagram waits for its missing fragments (Linux ipfrag_time). */
  readonly fragmentTimeoutSeconds: number;
}

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = {
  maxHeldBytesPerDirection: 1024 * 1024,
  maxHeldBytesTotal: 64 * 1024 * 1024,
  detectionBytes: 8 * 1024,
  detectionBytesTotal: 32 * 1024 * 1024,
  historyBytes: 4 * 1024,
  maxRecordBytes: 16 * 1024 * 1024,
  maxFragmentBytesTotal: 16 * 1024 * 1024,
  fragmentTimeoutSeconds: 30,
};
