// --stats per method, event or operation: counts, errors, first-answer latency (nearest-rank
// p50/p90, max) and unanswered requests, on the real JSON-RPC and GraphQL fixtures, and the
// collector's rules on made-up messages.
import { describe, expect, it } from 'vitest';
import { AppStatsCollector, emptyAppStats, percentile } from '../../src/session/app-stats.js';
import { jsonRpcView } from '../../src/views/jsonrpc-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

interface Method {
  name: string;
  count: number;
  errors: number;
  answered: number;
  unanswered: number;
  latencyMs: { p50: number | null; p90: number | null; max: number | null };
}

async function statsOf(name: string): Promise<{ conn: number; app?: { protocols: string[]; methods: Method[] } }[]> {
  const run = await readInProcess([fixture(name), '--stats', '--json']);
  expect(run.error).toBeNull();
  return run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('--stats per method', () => {
  it('percentiles are nearest-rank', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([7], 0.9)).toBe(7);
  });

  it('JSON-RPC fixture: the batch counts per call, the orphaned and the hanging requests are unanswered', async () => {
    const [conn] = await statsOf('jsonrpc.pcap');
    const by = Object.fromEntries(conn.app!.methods.map((m) => [m.name, m]));
    expect(conn.app!.protocols).toEqual(['json-rpc']);
    expect(by.add).toMatchObject({ count: 2, errors: 0, answered: 2, unanswered: 0 });
    expect(by.add.latencyMs.max).toBeGreaterThanOrEqual(by.add.latencyMs.p50!);
    expect(by.nope).toMatchObject({ count: 1, errors: 1, answered: 1, unanswered: 0 });
    expect(by.log).toMatchObject({
      count: 2,
      answered: 0,
      unanswered: 0,
      latencyMs: { p50: null, p90: null, max: null },
    });
    expect(by.echo).toMatchObject({ count: 2, answered: 1, unanswered: 1 });
    expect(by.hang).toMatchObject({ count: 1, answered: 0, unanswered: 1 });
  });

  it('GraphQL fixture: a subscription counts its first result only; the validation error is an error', async () => {
    const stats = await statsOf('graphql.pcap');
    const methods = stats.flatMap((s) => s.app?.methods ?? []);
    expect(methods.find((m) => m.name === 'subscription Countdown')).toMatchObject({
      count: 1,
      answered: 1,
      errors: 0,
    });
    expect(methods.find((m) => m.name === 'query Invalid')).toMatchObject({ count: 1, answered: 1, errors: 1 });
    expect(methods.find((m) => m.name === 'query Broken')).toMatchObject({ count: 1, answered: 1, errors: 1 });
  });

  it('the text table lists the same figures', async () => {
    const run = await readInProcess([fixture('jsonrpc.pcap'), '--stats']);
    expect(run.stdout).toContain('  application  json-rpc');
    expect(run.stdout).toMatch(/^ {4}hang +1 +0 +— +— +— +1$/m);
  });

  it('latency is of the first answer; a second answer to the same request is not counted again', () => {
    const view = jsonRpcView({ conn: 1, path: null, strict: true });
    const m = messageMaker();
    const stats = emptyAppStats();
    const collector = new AppStatsCollector(stats);
    for (const [text, dir, t] of [
      ['{"jsonrpc":"2.0","method":"a","id":1}', 'c2s', 0],
      ['{"jsonrpc":"2.0","method":"a","id":2}', 'c2s', 0.001],
      ['{"jsonrpc":"2.0","result":1,"id":2}', 's2c', 0.004],
      ['{"jsonrpc":"2.0","result":1,"id":1}', 's2c', 0.01],
      ['{"jsonrpc":"2.0","result":1,"id":1}', 's2c', 0.02],
    ] as const) {
      const msg = m(text, dir, t);
      const d = view.decode(msg);
      collector.add({ ...msg, app: d.app ?? undefined, pair: d.pair });
    }
    expect(stats.methods).toEqual([{ name: 'a', count: 2, awaiting: 2, answered: 2, errors: 0, latencies: [3, 10] }]);
  });
});
