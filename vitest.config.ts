import { defineConfig } from 'vitest/config';

// Four suites, run in this order by `npm test` (test/run-tests.mjs):
// unit (pure, fast), infra (CDK synth + assertions + cdk-nag), integration (real emulators on loopback),
// faults (the short fault campaign and the bad-input campaign).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/fuzz/**/*.test.ts'] } },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'clients/typescript/test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file starts its own emulators; two cores are shared between them.
          maxWorkers: 2,
        },
      },
      {
        // The fault campaign and the bad-input campaign (docs/reliability.md): long, and timing-sensitive, so one
        // file at a time.
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          testTimeout: 600_000,
          // The 2,000-message campaign runs in beforeAll: ~2.5 minutes here, more on a busy machine.
          hookTimeout: 900_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
