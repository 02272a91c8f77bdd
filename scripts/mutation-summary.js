#!/usr/bin/env node
// Summary of a StrykerJS JSON report (reports/mutation-<scope>/mutation.json): the score per file
// and overall, and every surviving mutant (file:line, mutator, replacement).
//   node scripts/mutation-summary.js reports/mutation-optim/mutation.json
//   node scripts/mutation-summary.js <report> --without test/optim/options.test.ts[,test/...]
//   node scripts/mutation-summary.js <report> --without 'test/tokenizers/wordpiece.test.ts#a surrogate pair'
// --without gives the score the run would have had without those test files (or, with '#', the tests of
// that file whose names contain the text after it): a mutant counts as killed only if some other test killed
// it. It is exact when the run did not bail (stryker.scope.config.mjs sets disableBail).
'use strict';
const fs = require('fs');
const path = require('path');

const [file, flag, list] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/mutation-summary.js <mutation.json> [--without <test files>]');
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const without = flag === '--without' && list ? list.split(',').map((s) => s.trim()).filter(Boolean) : [];

// Test id -> "file#name" for every test in the report.
const testName = new Map();
for (const [testFile, { tests }] of Object.entries(report.testFiles ?? {})) {
  const rel = path.relative(process.cwd(), path.resolve(testFile));
  for (const t of tests) testName.set(t.id, `${rel}#${t.name}`);
}
const dropped = (id) => {
  const name = testName.get(id) ?? '';
  return without.some((w) => {
    const [testFile, text] = w.split('#');
    return name.startsWith(`${testFile}#`) && (text === undefined || name.includes(text));
  });
};

const DETECTED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);
let all = { detected: 0, counted: 0, before: 0, total: 0 };
const survivors = [];
for (const [source, { mutants }] of Object.entries(report.files)) {
  const f = { detected: 0, counted: 0, before: 0, total: mutants.length };
  for (const m of mutants) {
    if (!COUNTED.has(m.status)) continue;
    f.counted++;
    if (DETECTED.has(m.status)) {
      f.detected++;
      const killers = m.killedBy ?? [];
      if (m.status === 'Timeout' || killers.length === 0 || killers.some((id) => !dropped(id))) f.before++;
    }
    if (!DETECTED.has(m.status)) survivors.push(`${source}:${m.location.start.line} ${m.mutatorName} ${m.status}: ${JSON.stringify(m.replacement ?? '').slice(0, 100)}`);
  }
  const pct = (n) => (f.counted ? ((100 * n) / f.counted).toFixed(1) : 'n/a');
  console.log(`${source}: ${pct(f.detected)}% (${f.detected}/${f.counted} of ${f.total} mutants)${without.length ? `, without the given tests ${pct(f.before)}%` : ''}`);
  for (const k of Object.keys(all)) all[k] += f[k];
}
const pct = (n) => ((100 * n) / all.counted).toFixed(1);
console.log(`\nALL: ${pct(all.detected)}% (${all.detected} detected / ${all.counted} counted; ${all.total} mutants, the rest do not compile)${without.length ? `; without the given tests ${pct(all.before)}% (${all.before})` : ''}`);
console.log(`\n${survivors.length} undetected:\n${survivors.join('\n')}`);
