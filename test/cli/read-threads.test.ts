// --threads: the parallel reader's output is byte for byte the single-thread reader's, for
// every fixture and the options it is used with. In-process runs with stdout collected: every
// fixture and option set with shards on this thread (the same shard and merge code over real
// MessageChannels, without a thread's start-up), and a part of them again with worker threads.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShardSpawner } from '../../dist/pipeline/parallel/read-worker-messages.js';
import { spawnInThread } from '../../dist/pipeline/parallel/read-worker.js';
import { ROOT } from '../helpers/cli-run.js';
import { OPTION_SETS, threadRuns } from './read-in-process.js';

const FIXTURES = readdirSync(join(ROOT, 'fixtures'))
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .sort();

/** Every option set with --threads 1 and each of `threads`: all must print the same, and succeed. */
async function expectSameOutput(
  fixture: string,
  optionSets: readonly (readonly string[])[],
  threads: readonly string[],
  spawn?: ShardSpawner,
): Promise<void> {
  const results = await threadRuns(join(ROOT, 'fixtures', fixture), optionSets, threads, spawn);
  results.forEach(([one, ...others], i) => {
    const what = `${fixture} ${optionSets[i].join(' ')}`;
    expect(one.error, what).toBeNull();
    others.forEach((r, k) => expect(r, `${what} --threads ${threads[k]}`).toEqual(one));
  });
  // the listing is not empty: there is something to merge
  expect(results[0][0].stdout.split('\n').length).toBeGreaterThan(3);
}

describe('wsinspect FILE --threads N: every fixture, every option set (shards on this thread)', () => {
  it('finds the fixtures', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(15);
  });

  for (const fixture of FIXTURES) {
    it(`${fixture}: --threads 2 and 3 print what --threads 1 prints`, async () => {
      await expectSameOutput(fixture, OPTION_SETS, ['2', '3'], spawnInThread);
    });
  }
});

describe('wsinspect FILE --threads N: worker threads', () => {
  for (const fixture of FIXTURES) {
    it(`${fixture}: --threads 2 prints what --threads 1 prints (default, --json)`, async () => {
      await expectSameOutput(fixture, [[], ['--json']], ['2']);
    }, 30_000);
  }

  it('interleaved.pcap (three connections): every option set with --threads 2 and 3', async () => {
    await expectSameOutput('interleaved.pcap', OPTION_SETS, ['2', '3']);
  }, 60_000);
});
