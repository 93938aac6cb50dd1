// The fast suite: unit, contract, simulator and transport tests of every package. The slow
// real-upstream tiers live under test/real/ and run through their own config (vitest.real.config.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/test/real/**', '.tools/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    allowOnly: false,
    passWithNoTests: false,
  },
});
