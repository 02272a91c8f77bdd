// The tests of npm run test:mutation:ci (stryker.ci.config.mjs): the unit tests of what it mutates.
import { defineConfig } from 'vitest/config';
import base from './vitest.stryker.config';

export default defineConfig({
  test: { ...base.test, include: ['test/generation/processors.test.ts'] },
});
