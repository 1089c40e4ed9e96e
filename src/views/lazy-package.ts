// The parser packages of the views load on first use, not at start-up: `wsinspect hex …` and
// every listing import the view registry, and loading mqtt-packet, @msgpack/msgpack and
// lossless-json up front cost ~60 ms of each run (bench/startup-bench.js). They ship CommonJS,
// so a synchronous require serves the views' synchronous decoding. cborg ships ES modules
// only (its package.json exports just an "import" condition, so require('cborg') cannot even
// resolve it): lazyEsmPackage resolves it as an import would and loads the file with require(),
// which loads ES modules from Node 20.19 on (package.json engines), without a warning.
// Layer rule: views/ — pure; may use parser packages.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A getter that requires `name` the first time it is called. */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}

/**
 * A getter that loads the ES-module-only package `name` the first time it is called: resolved
 * with the "import" condition, then loaded synchronously (require of an ES module, Node ≥ 20.19).
 */
export function lazyEsmPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded !== undefined) return loaded;
    // a require() made at the package's own entry file loads that file by its name
    const url = import.meta.resolve(name);
    const file = `./${decodeURIComponent(url.slice(url.lastIndexOf('/') + 1))}`;
    try {
      loaded = createRequire(url)(file) as T;
    } catch (err) {
      // only where require() of ES modules is switched off (--no-experimental-require-module)
      throw new Error(`cannot load ${name} (${(err as Error).message})`);
    }
    return loaded;
  };
}
