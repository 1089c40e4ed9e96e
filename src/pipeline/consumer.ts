// What a consumer of the pipeline's events declares and receives: the text and JSON printers,
// --stats, the parallel reader's observer (consumers/), and the StreamEvent recorders
// (the proxy's pcapng writer). Layer rule: pipeline/ — types and one rule.
import type { InspectEvent, StreamEvent } from '../session/events.js';

export interface EventConsumer {
  /**
   * Bytes of each uncompressed binary payload this consumer needs (its display limit, plus
   * one so "truncated" is known; Infinity for a consumer that needs whole payloads). The
   * pipeline keeps the largest of its consumers' needs, so memory stays bounded by what is
   * shown, yet a consumer that wants whole payloads gets them.
   */
  readonly keepPayload: number;
  /** Every decoded event, in order. */
  event(event: InspectEvent): void;
  /** The source's first packet time: relative times count from it. */
  timeOrigin?(time: number): void;
  /** Input over and every connection ended (the session stage's last events came first). */
  finish?(): void;
  /** Resolves when the consumer can take more: sources wait for it between input chunks. */
  ready?(): Promise<void>;
  /** Everything written; resolves once it is out. */
  close?(): Promise<void>;
}

/** A consumer of the raw StreamEvents (before any decoding): recorders. */
export interface StreamConsumer {
  stream(event: StreamEvent): void;
  close?(): Promise<void>;
}

/** The keep limit of a pipeline: the largest need of its consumers (0 when none looks at payloads). */
export function keepLimit(consumers: readonly EventConsumer[]): number {
  let keep = 0;
  for (const c of consumers) keep = Math.max(keep, c.keepPayload);
  return keep;
}
