// What every benchmark receives: sizes and run counts from the environment, with each
// benchmark's own defaults. Layer rule: bench/ — tooling.

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

/**
 * BENCH_MB: input size in MiB (default: the benchmark's defaultMb); BENCH_RUNS: timed runs
 * per contender (default 5); BENCH_ONLY: comma list of contender ids to run (default all).
 */
export function contextFromEnv(benchmark) {
  const only = process.env.BENCH_ONLY;
  return {
    mb: positive('BENCH_MB', benchmark.defaultMb ?? 64),
    runs: Math.round(positive('BENCH_RUNS', 5)),
    only: only === undefined || only === '' ? null : only.split(',').map((s) => s.trim()),
    log: (line) => console.log(line),
  };
}
