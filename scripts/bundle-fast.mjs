// Bundles the CLI into two esbuild bundles, so Node resolves, reads and compiles a few files
// instead of the ~200 modules tsc writes (bench/README.md "startup"):
// - dist/fast/: the entry and its start-up fast path (`wsinspect hex`, `wsinspect accept`),
//   kept apart so those two load only what they need;
// - dist/full/: what the entry hands to yargs (cli/main.js: every other command, help, typos)
//   with the worker threads it starts (read-worker, index-worker; their `new URL('./x.js',
//   import.meta.url)` finds them beside it, and `../../package.json` is as far up from
//   dist/full/ as from dist/cli/).
// Built from tsc's output in dist/, so it is the same code; packages stay in node_modules,
// but for yargs, bundled into dist/full/.
// Each bundle reports its own errors (the fast path with its copy of cli-failure, main with
// its own), so a class check (instanceof WsinspectError) never compares two copies of a class.
// Run after tsc by `npm run build`, `prepare` and `npm test`.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, 'dist', 'fast');
const full = join(root, 'dist', 'full');
rmSync(out, { recursive: true, force: true });
rmSync(full, { recursive: true, force: true });

/** The entry's `import('./main.js')` (the yargs CLI) loads the second bundle. */
const mainOutside = {
  name: 'main-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\/main\.js$/ }, (args) =>
      args.importer.endsWith(join('dist', 'cli', 'entry.js')) ? { path: '../full/main.js', external: true } : undefined,
    );
  },
};

const common = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { entry: join(root, 'dist', 'cli', 'entry.js') },
  outdir: out,
  plugins: [mainOutside],
});

await build({
  ...common,
  // yargs goes into the bundle too: its ~30 modules cost ~50 ms of start-up loaded one by one
  // (its locale files are not read then: main.ts sets English); every other package stays
  // in node_modules (ink and React load only for the UI, the views' parsers on first use)
  packages: undefined,
  external: Object.keys(dependencies).filter((name) => name !== 'yargs'),
  entryPoints: {
    main: join(root, 'dist', 'cli', 'main.js'),
    'read-worker': join(root, 'dist', 'pipeline', 'parallel', 'read-worker.js'),
    'index-worker': join(root, 'dist', 'index', 'index-worker.js'),
  },
  outdir: full,
});
