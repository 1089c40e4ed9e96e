#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds dist/ through the `prepare` script. The entry
// and its fast path come bundled in dist/fast/, the rest of the CLI in dist/full/
// (scripts/bundle-fast.mjs); a build without the bundles (tsc alone) runs dist/cli/entry.js,
// the same code as separate modules.
let entry;
try {
  entry = await import('../dist/fast/entry.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/fast/entry.js')) throw error;
  entry = await import('../dist/cli/entry.js');
}
entry.main(process.argv.slice(2));
