// Mutation testing of one folder against its own tests (npm run test:mutation:<scope>, e.g.
// test:mutation:optim): far faster than the full run, whose initial (dry) run is the whole suite.
//   NODE_PEFT_MUTATION_SCOPE=optim npx stryker run stryker.scope.config.mjs
// The scope table (what is mutated, which tests run) is shared with vitest.stryker-scope.config.ts.
// Each scope keeps its own incremental file and report (reports/mutation-<scope>/).
import base from './stryker.config.mjs';
import { scopes } from './stryker.scopes.mjs';

const name = process.env.NODE_PEFT_MUTATION_SCOPE;
const scope = scopes[name];
if (!scope) throw new Error(`NODE_PEFT_MUTATION_SCOPE must be one of ${Object.keys(scopes).join(', ')} (got ${name})`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: scope.mutate,
  vitest: { configFile: 'vitest.stryker-scope.config.ts', related: true },
  incrementalFile: `reports/stryker-${name}-incremental.json`,
  htmlReporter: { fileName: `reports/mutation-${name}/index.html` },
  jsonReporter: { fileName: `reports/mutation-${name}/mutation.json` },
  dryRunTimeoutMinutes: 20,
  // A folder's own tests take well under a second: a mutant that loops forever is a timeout
  // after 10 s instead of the full run's 60 s.
  timeoutMS: 10_000,
  // Every covering test runs for each mutant (no bail), so the report's killedBy lists all the
  // tests that catch it: what each test file adds can be read from one run.
  disableBail: true,
};
