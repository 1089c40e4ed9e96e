// Bundles the CLI's entry and its start-up fast path (`wsinspect hex`, `wsinspect accept`)
// into dist/fast/: a few modules instead of the ~100 Node would otherwise resolve, read and
// compile one by one (about a third of hex's start-up CPU time; bench/README.md "startup").
// Built from tsc's output in dist/, so it is the same code. Everything else the entry hands to
// yargs (dist/cli/main.js: every other command, help, typos) stays outside the bundle and is
// loaded from dist/cli/ as before, with its workers; packages stay in node_modules. Errors
// thrown on the fast path are reported by the bundle's own copy of cli-failure, so a class
// check (instanceof WsinspectError) never compares two copies of a class.
// Run after tsc by `npm run build`, `prepare` and `npm test`.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'fast');
rmSync(out, { recursive: true, force: true });

/** The entry's `import('./main.js')` (the yargs CLI) stays a module of dist/cli/. */
const mainOutside = {
  name: 'main-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\/main\.js$/ }, (args) =>
      args.importer.endsWith(join('dist', 'cli', 'entry.js')) ? { path: '../cli/main.js', external: true } : undefined,
    );
  },
};

await build({
  entryPoints: { entry: join(root, 'dist', 'cli', 'entry.js') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [mainOutside],
  logLevel: 'warning',
});
