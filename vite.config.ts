import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One config for the demo build and the tests. The dashboard (demo/) is built with
// `root: 'demo'` passed by demo/server/build.ts (or `vite build demo --config vite.config.ts`);
// the root stays the repository's here so the test globs keep their meaning. Unit tests need
// nothing; integration, package and e2e tests share one real Kafka broker started by the global
// setup (or KAFKA_BROKERS); package tests build dist/ first.
export default defineConfig({
  // JSX through Vite's own esbuild (React's automatic runtime); no React plugin.
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('./demo/dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1_000,
  },
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // The broker and the tests share two cores: one test file at a time keeps timings sane.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{server,shared,client,scripts}/**/*.test.ts'],
          exclude: ['**/*.kafka.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'kafka',
          include: ['{server,shared,client,test}/**/*.kafka.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/package/**', '**/node_modules/**'],
          globalSetup: ['./test/kafka-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The package as published: `npm run build`, then a consumer project that installed it
        // (declarations, browser bundle, packed files, README snippets, other runtimes).
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          globalSetup: ['./test/kafka-global-setup.ts', './test/package/build-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Real Chromium (playwright-core) against the demo server, a real bridge and the same
        // broker as the kafka project (the global setup shares one per run).
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          globalSetup: ['./test/kafka-global-setup.ts', './e2e/build-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
