import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the decorators with their metadata, which Nest's DI and class-validator need.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts', 'bench/**/*.spec.mjs'],
    // e2e suites start Nest apps, private nats-server and redis-server processes: run files one at a time
    // so that two suites never compete for the two cores and make timing-based waits flaky.
    fileParallelism: false,
    testTimeout: 30_000,
    // .ci/run reads the JSON report (CI does not parse Vitest's summary).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/results.json' },
    hookTimeout: 60_000,
  },
});
