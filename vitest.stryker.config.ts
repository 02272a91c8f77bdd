// The vitest configuration StrykerJS runs (stryker.config.mjs): the unit and parity suites, without
// the distribution tests (they build and pack the whole package), without the native-memory tests
// (RSS and GC behaviour of the addon, which no mutant of lib/ changes, and slow on a busy machine),
// and with a shorter fuzz run.
// Stryker's vitest runner uses worker threads, one at a time.
import { defineConfig } from 'vitest/config';

process.env.NODE_PEFT_FUZZ_COUNT ??= '200';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/distribution/**', 'test/tensor/memory.test.ts', 'test/io/memory.test.ts', '**/node_modules/**'],
    // One worker thread keeps its modules (and the loaded addon) between runs: Stryker switches
    // mutants through a global, so nothing needs re-importing, and each run skips loading libtorch.
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
