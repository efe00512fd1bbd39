import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/harness/sequencer.js';

export default defineConfig({
  test: {
    include: ['appliance/**/*.test.ts', 'provisioning/**/*.test.ts', 'ui/**/*.test.{ts,tsx}', 'test/**/*.test.ts', 'image/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: integration files start real servers; keep them from fighting over the CPU.
    maxWorkers: 2,
    fileParallelism: true,
    // Longest files first (test/harness/file-durations.json when vitest has no results cache, as
    // in a clean clone), so no two-minute file starts after the short ones are done.
    sequence: { sequencer: LongestFirstSequencer },
    reporters: ['default'],
  },
});
