// The fast mutation subset CI can afford (npm run test:mutation:ci, a few minutes on 2 cores): the
// validators and the logits processors, against their own unit tests only.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: ['lib/validate.ts', 'lib/generation/processors.ts'],
  vitest: { configFile: 'vitest.stryker-ci.config.ts', related: true },
  incrementalFile: 'reports/stryker-ci-incremental.json',
  reporters: ['clear-text', 'progress'],
  thresholds: { high: 95, low: 90, break: 90 },
};
