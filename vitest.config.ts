import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // fast-check: a global seed (FC_SEED) and a time limit that also bounds shrinking.
    setupFiles: ['test/helpers/fast-check-setup.ts'],
    // A test that spawns the CLI a dozen times takes seconds on a loaded 2-core machine; the
    // limit is there to end a hung test, not to time one (the bench does that).
    testTimeout: 30_000,
  },
});
