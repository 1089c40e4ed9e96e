// The proxy's clock: seconds since the Unix epoch with microsecond precision, the time
// every live StreamEvent carries. Layer rule: sources/ — the only layer that reads clocks.
import { performance } from 'node:perf_hooks';

/** Now, in epoch seconds rounded to the microsecond (Date.now() alone has only milliseconds). */
export function nowSeconds(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1e6;
}
