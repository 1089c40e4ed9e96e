// Vitest setup file (vitest.config.ts `setupFiles`): one fast-check configuration for every
// property test, so that a failing property is reproducible and reports within seconds.
//  - seed: FC_SEED when set (an integer), else a fixed default; a property's own `seed` wins.
//  - interruptAfterTimeLimit + markInterruptAsFailure: a run, shrinking included, stops after
//    FC_TIME_LIMIT_MS (default 20000, under vitest's 30 s test timeout) and fails with the
//    counterexample found so far, instead of shrinking large inputs for minutes.
//  - maxSkipsPerRun: a precondition (fc.pre) that rejects too much fails instead of spinning.
import fc from 'fast-check';
import { beforeEach, onTestFailed } from 'vitest';

const DEFAULT_SEED = 6455;
const DEFAULT_TIME_LIMIT_MS = 20_000;

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name}=${JSON.stringify(raw)} is not an integer`);
  return value;
}

export const FC_SEED = integerFromEnv('FC_SEED', DEFAULT_SEED);
export const FC_TIME_LIMIT_MS = integerFromEnv('FC_TIME_LIMIT_MS', DEFAULT_TIME_LIMIT_MS);

fc.configureGlobal({
  seed: FC_SEED,
  interruptAfterTimeLimit: FC_TIME_LIMIT_MS,
  markInterruptAsFailure: true,
  maxSkipsPerRun: 100,
});

// fast-check names the seed and path of a failure in its message; say how to rerun it too.
beforeEach(() => {
  onTestFailed(({ task }) => {
    const messages = (task.result?.errors ?? []).map((e) => String(e.message ?? ''));
    if (!messages.some((m) => /^Property (failed|interrupted)/m.test(m))) return;
    console.error(
      `fast-check: global seed ${FC_SEED} (FC_SEED=${FC_SEED} reruns it; a property's own seed is in the message above); ` +
        `runs stop after ${FC_TIME_LIMIT_MS} ms (FC_TIME_LIMIT_MS)`,
    );
  });
});
