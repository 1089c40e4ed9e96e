// The parser packages of the views load on first use, not at start-up: `wsinspect hex …` and
// every listing import the view registry, and loading mqtt-packet, @msgpack/msgpack and
// lossless-json up front cost ~60 ms of each run (bench/startup-bench.js). They ship CommonJS,
// so a synchronous require serves the views' synchronous decoding.
// Layer rule: views/ — pure; may use parser packages.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A getter that requires `name` the first time it is called. */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
