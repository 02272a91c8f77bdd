// StrykerJS mutation testing (npm run test:mutation): mutants of lib/ must make a test fail.
// Incremental: reports/stryker-incremental.json remembers each mutant's result, so a rerun only
// tests mutants whose code or covering tests changed. Scope one folder with
//   npm run test:mutation -- --mutate 'lib/peft/**/*.ts'
// Runs one test process at a time (2-core machines shared with others: run it under nice).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'lib/**/*.ts',
    // The addon contract, load-time checks and the CLI: exercised through everything else, and
    // their mutants mostly break loading the addon (every test fails), which says nothing.
    '!lib/binding.ts', '!lib/prebuild.ts', '!lib/cli/**', '!lib/index.ts', '!lib/**/index.ts',
  ],
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 1,
  testRunnerNodeArgs: ['--expose-gc'],  // the memory tests call gc(), as vitest.config.ts allows
  timeoutMS: 60_000,
  dryRunTimeoutMinutes: 45,  // the initial run is the whole suite (tests import lib/index), single-threaded
  timeoutFactor: 2,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  ignorePatterns: ['build-cmake', 'prebuilds', '.cache', 'reports', 'bench', '.stryker-tmp', 'build/Release/obj.target', 'build/Release/.deps'],
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
