#!/usr/bin/env node
// The audit of issue #15 seeded small bugs into lib/ one at a time; the suite missed these eight.
// This script seeds each TypeScript one again, runs the tests meant to catch it, restores the file
// and prints which tests failed. (The eighth, the safetensors header-length bound, is native:
// scripts/native-mutations.js seeds it as 'safetensors-header-bound'.)
//
//   node scripts/seeded-bugs.js        # exit code = the number of bugs no test caught
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');

const BUGS = [
  { bug: "'~' no longer punctuation in the BERT basic tokenizer", file: 'lib/tokenizers/unicode.ts',
    find: '(cp >= 123 && cp <= 126)', replace: '(cp >= 123 && cp <= 125)', tests: ['test/tokenizers/basic.test.ts'] },
  { bug: 'base_layer bias fallback removed from the adapter key mapping', file: 'lib/peft/state-dict.ts',
    find: 'if (!names.has(name) && names.has(`${module}.base_layer.${name.slice(dot + 1)}`)) return `${module}.base_layer.${name.slice(dot + 1)}`;', replace: '', tests: ['test/peft/lora-options.test.ts'] },
  { bug: "bias: 'all' biases no longer saved in an adapter", file: 'lib/peft/state-dict.ts',
    find: "(bias && config.bias === 'all') ||", replace: '', tests: ['test/peft/lora-options.test.ts'] },
  { bug: 'NaN accepted by the number validator', file: 'lib/validate.ts',
    find: "if (typeof value !== 'number' || Number.isNaN(value)) invalid(name, 'a number', value);", replace: "if (typeof value !== 'number') invalid(name, 'a number', value);", tests: ['test/validate.test.ts'] },
  { bug: 'topP ignored', file: 'lib/generation/generate.ts',
    find: 'scores = topP(topK(temperature(scores, s.temperature), s.topK), s.topP);', replace: 'scores = topK(temperature(scores, s.temperature), s.topK); void topP;', tests: ['test/generation/sampling.parity.test.ts'] },
  { bug: 'doSample ignored (sampling silently greedy)', file: 'lib/generation/generate.ts',
    find: 'if (!s.doSample) return { next: scores.argmax(-1), scores };', replace: 'return { next: scores.argmax(-1), scores };', tests: ['test/generation/sampling.parity.test.ts', 'test/models/generate.test.ts'] },
  { bug: 'alphaPattern ignored', file: 'lib/peft/peft-model.ts',
    find: 'alpha: patternValue(config.alphaPattern, target, config.loraAlpha),', replace: 'alpha: config.loraAlpha,', tests: ['test/peft/adapters.test.ts'] },
];

let restore = null;
process.on('SIGINT', () => { if (restore) restore(); process.exit(130); });

let missed = 0;
for (const b of BUGS) {
  const file = path.join(ROOT, b.file);
  const original = fs.readFileSync(file, 'utf8');
  if (original.split(b.find).length !== 2) throw new Error(`${b.bug}: the text to change is not in ${b.file} exactly once; update this script`);
  restore = () => fs.writeFileSync(file, original);
  fs.writeFileSync(file, original.replace(b.find, b.replace));
  let r;
  try {
    r = spawnSync('npx', ['vitest', 'run', ...b.tests], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  } finally {
    restore();
    restore = null;
  }
  const out = `${r.stdout}${r.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
  const failing = [...new Set([...out.matchAll(/^ FAIL +(.*)$/gm)].map((m) => m[1].trim()))];
  const caught = r.status !== 0 && failing.length > 0;
  if (!caught) missed++;
  console.log(`${caught ? 'caught  ' : 'MISSED  '} ${b.bug}`);
  for (const f of failing) console.log(`           ${f}`);
}
console.log(`\n${BUGS.length - missed}/${BUGS.length} seeded TypeScript bugs caught`);
process.exitCode = missed;
