// Timing for benchmarks: one warm-up per contender, then N rounds in rotating order (so no
// contender always runs first or right after another's garbage), a forced GC before every
// timed run when node runs with --expose-gc, and medians. Layer rule: bench/ — tooling.

/** Runs fn once and returns [seconds, result]. */
export function timeOnce(fn) {
  const t0 = process.hrtime.bigint();
  const result = fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return [seconds, result];
}

/** Collects garbage left by the previous run so it is not charged to the next one. */
export function settleHeap() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * contenders: [{ id, prepare?(), run() → result, check(result) }]. check throws when a run
 * decoded wrong. Returns Map id → { seconds: number[], median }.
 */
export function measureRounds(contenders, { runs, onRun = () => {} }) {
  const timed = (c) => {
    c.prepare?.();
    settleHeap();
    const [seconds, result] = timeOnce(() => c.run());
    c.check(result);
    return seconds;
  };
  for (const c of contenders) timed(c); // warm-up: JIT and caches, not counted
  const out = new Map(contenders.map((c) => [c.id, { seconds: [], median: 0 }]));
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(round + i) % contenders.length];
      const seconds = timed(c);
      out.get(c.id).seconds.push(seconds);
      onRun(c, round, seconds);
    }
  }
  for (const entry of out.values()) entry.median = median(entry.seconds);
  return out;
}

/**
 * Speed of `b` relative to `a` (a.seconds / b.seconds), paired by round and the median taken:
 * a slow spell on a shared machine hits both contenders of a round, so it cancels out.
 */
export function pairedRatio(a, b) {
  return median(a.seconds.map((s, i) => s / b.seconds[i]));
}

/**
 * measureRounds for contenders whose run() returns a promise (timed until it settles). Also
 * records the process's CPU time per run (user + system, every thread: zlib's thread pool
 * too), steadier than wall time on a shared machine. Map id → { seconds, cpu, median, cpuMedian }.
 */
export async function measureRoundsAsync(contenders, { runs, onRun = () => {} }) {
  const timed = async (c) => {
    c.prepare?.();
    settleHeap();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const result = await c.run();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    c.check(result);
    return [seconds, (cpu.user + cpu.system) / 1e6];
  };
  for (const c of contenders) await timed(c); // warm-up: JIT and caches, not counted
  const out = new Map(contenders.map((c) => [c.id, { seconds: [], cpu: [], median: 0, cpuMedian: 0 }]));
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(round + i) % contenders.length];
      const [seconds, cpu] = await timed(c);
      out.get(c.id).seconds.push(seconds);
      out.get(c.id).cpu.push(cpu);
      onRun(c, round, seconds);
    }
  }
  for (const entry of out.values()) {
    entry.median = median(entry.seconds);
    entry.cpuMedian = median(entry.cpu);
  }
  return out;
}
