// --stats of what application views understood: per method, event or operation, how often it
// was asked, how many answers were errors, the latency of the first answer (p50, p90, max),
// and how many requests that expect an answer never got one. Fed MessageEvents carrying
// `app` (views/). Layer rule: session/ — pure data.
import type { AppItem, AppPair, MessageEvent } from './events.js';

export interface MethodStats {
  readonly name: string;
  count: number;
  /** Requests that expect an answer (JSON-RPC requests, Socket.IO events with an ack id, GraphQL operations). */
  awaiting: number;
  answered: number;
  errors: number;
  /** Milliseconds from each request to its first answer. */
  readonly latencies: number[];
}

export interface AppStats {
  /** The protocol(s) seen, in order. */
  readonly protocols: string[];
  readonly methods: MethodStats[];
}

export function emptyAppStats(): AppStats {
  return { protocols: [], methods: [] };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export class AppStatsCollector {
  private readonly answered = new Set<string>();
  private readonly errored = new Set<string>();
  private readonly byName = new Map<string, MethodStats>();

  constructor(private readonly stats: AppStats) {}

  private method(name: string): MethodStats {
    let m = this.byName.get(name);
    if (m === undefined) {
      m = { name, count: 0, awaiting: 0, answered: 0, errors: 0, latencies: [] };
      this.byName.set(name, m);
      this.stats.methods.push(m);
    }
    return m;
  }

  add(ev: MessageEvent): void {
    const app = ev.app;
    if (app === undefined) return;
    if (!this.stats.protocols.includes(app.protocol)) this.stats.protocols.push(app.protocol);
    for (const item of app.items) {
      if (item.request !== undefined) {
        const m = this.method(item.request);
        m.count++;
        if (item.awaits === true) m.awaiting++;
      }
      const pair: AppPair | undefined = item.pair ?? (app.items.length === 1 ? ev.pair : undefined);
      if (pair !== undefined) this.answer(pair, item);
    }
  }

  /** The first answer to a request counts its latency; any error answer counts once. */
  private answer(pair: AppPair, item: AppItem): void {
    const key = `${pair.conn}/${pair.index}/${pair.request}`;
    const m = this.method(pair.request);
    if (!this.answered.has(key)) {
      this.answered.add(key);
      m.answered++;
      if (pair.latencyMs !== null) m.latencies.push(pair.latencyMs);
    }
    if (item.error === true && !this.errored.has(key)) {
      this.errored.add(key);
      m.errors++;
    }
  }
}
