// The tests of one mutation scope (stryker.scope.config.mjs): NODE_PEFT_MUTATION_SCOPE names it.
import { defineConfig } from 'vitest/config';
import base from './vitest.stryker.config';
// @ts-expect-error: a plain ES module without types
import { scopes } from './stryker.scopes.mjs';

const scope = scopes[process.env.NODE_PEFT_MUTATION_SCOPE ?? ''];
if (!scope) throw new Error(`NODE_PEFT_MUTATION_SCOPE names no scope of stryker.scopes.mjs`);

const tests: string[] = scope.tests;
export default defineConfig({
  test: {
    ...base.test,
    include: tests.filter((t) => !t.startsWith('!')),
    exclude: [...(base.test?.exclude ?? []), ...tests.filter((t) => t.startsWith('!')).map((t) => t.slice(1))],
  },
});
