import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // fast-check: a global seed (FC_SEED) and a time limit that also bounds shrinking.
    setupFiles: ['test/helpers/fast-check-setup.ts'],
  },
});
