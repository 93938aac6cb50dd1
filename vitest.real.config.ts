// The real-upstream tier: tests under test/real/ that start real services (Alertmanager, Home
// Assistant, kube-apiserver and etcd, MinIO, Chromium for the console) on 127.0.0.1. Slower;
// run by `make test-real`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/test/real/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.tools/**'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    allowOnly: false,
    fileParallelism: false,
  },
});
