import { defineConfig } from 'vitest/config';

// One config for the demo build (later) and the tests. Unit tests need nothing; integration
// tests share one real Kafka broker started by the global setup (or KAFKA_BROKERS).
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // The broker and the tests share two cores: one test file at a time keeps timings sane.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{server,shared,client}/**/*.test.ts'],
          exclude: ['**/*.kafka.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'kafka',
          include: ['{server,shared,client,test}/**/*.kafka.test.ts', 'test/**/*.test.ts'],
          globalSetup: ['./test/kafka-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
