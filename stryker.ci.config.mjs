// The fast mutation subset CI can afford (npm run test:mutation:ci, a few minutes on 2 cores): the
// logits processors, against their own unit tests only. (Each mutant costs a vitest run, ~2-4 s on
// 2 cores; lib/validate.ts alone has 144 mutants, so it stays in the full run.)
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: ['lib/generation/processors.ts'],
  vitest: { configFile: 'vitest.stryker-ci.config.ts', related: true },
  incrementalFile: 'reports/stryker-ci-incremental.json',
  reporters: ['clear-text', 'progress'],
  thresholds: { high: 90, low: 85, break: 85 },
};
