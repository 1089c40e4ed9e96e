// --stats as a consumer: per-connection statistics of the connections it is asked for,
// printed when a connection ends, and for those that never ended when the input is over.
// Needs no payload bytes kept (pings are control frames, kept whole anyway).
// Layer rule: pipeline/ — a consumer.
import { StatsCollector, type ConnectionStats } from '../../session/connection-stats.js';
import type { InspectEvent } from '../../session/events.js';
import type { EventConsumer } from '../consumer.js';

export class StatsConsumer implements EventConsumer {
  readonly keepPayload = 0;
  /** WebSocket connections seen (all of them, asked for or not). */
  connections = 0;
  private readonly collector = new StatsCollector();

  /**
   * `conns`: the connections summarised (null: all). `print`: writes one connection's figures
   * to `output`, whose pace the pipeline follows.
   */
  constructor(
    private readonly conns: ReadonlySet<number> | null,
    readonly print: (stats: ConnectionStats) => void,
    private readonly output: { ready(): Promise<void>; close(): Promise<void> },
  ) {}

  event(ev: InspectEvent): void {
    if (ev.type === 'connection') this.connections += 1;
    if (this.conns !== null && ev.conn !== null && !this.conns.has(ev.conn)) return;
    const done = this.collector.add(ev);
    if (done !== null) this.print(done);
  }

  /** The connections that never ended, by number (the parallel reader prints them itself). */
  remaining(): ConnectionStats[] {
    return this.collector.remaining();
  }

  finish(): void {
    for (const s of this.remaining()) this.print(s);
  }

  ready(): Promise<void> {
    return this.output.ready();
  }

  close(): Promise<void> {
    return this.output.close();
  }
}
