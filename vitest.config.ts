import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['appliance/**/*.test.ts', 'provisioning/**/*.test.ts', 'ui/**/*.test.{ts,tsx}', 'test/**/*.test.ts', 'image/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: integration files start real servers; keep them from fighting over the CPU.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
  },
});
