#!/usr/bin/env node
'use strict';
// Runs the experiments' sweeps (plan.js) with the node-peft command line, one after the other, then
// writes results/ (report.js). Resumable: rerun the same command and finished runs are kept.
//   node scripts/experiments/run.js [name-or-prefix ...] [--threads N]
// e.g. `node scripts/experiments/run.js tweeteval layers ffn/bert` and, in parallel with one
// thread each, `node scripts/experiments/run.js plato ffn/opt --threads 1`.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { ROOT, MODELS, WORK, RANDOM_BERT, sweeps } = require('./plan');

const argv = process.argv.slice(2);
const threadsAt = argv.indexOf('--threads');
const threads = threadsAt >= 0 ? argv.splice(threadsAt, 2)[1] : undefined;
const wanted = argv;

/** mini-bert-cased's config with freshly initialised weights (seed 42), and its tokenizer files. */
async function randomInit() {
  if (fs.existsSync(path.join(RANDOM_BERT, 'model.safetensors'))) return;
  const torch = require('../../dist');
  torch.manualSeed(42);
  const config = JSON.parse(fs.readFileSync(path.join(MODELS.bert, 'config.json'), 'utf8'));
  const model = torch.BertForMaskedLM.fromConfig(new torch.BertConfig(config));
  await model.savePretrained(RANDOM_BERT);
  // A fixed pooler, as the pre-trained folder has (lib/train/bert-pooler.ts): the baseline differs only in being untrained.
  await torch.addBertPooler(RANDOM_BERT, { hiddenSize: config.hidden_size, seed: 42 });
  for (const f of ['vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) fs.copyFileSync(path.join(MODELS.bert, f), path.join(RANDOM_BERT, f));
}

async function main() {
  const all = sweeps();
  const names = Object.keys(all).filter((n) => wanted.length === 0 || wanted.some((w) => n === w || n.startsWith(`${w}/`)));
  if (names.length === 0) throw new Error(`no experiment matches ${wanted.join(' ')}; the experiments are: ${Object.keys(all).join(', ')}`);
  await randomInit();
  for (const name of names) {
    const { model, args } = all[name];
    const out = path.join(WORK, name);
    console.log(`experiments: ${name} -> ${path.relative(ROOT, out)}`);
    const cli = [path.join(ROOT, 'dist/cli/index.js'), 'sweep', '--model', model, ...args, '--output-dir', out, '--quiet', ...(threads ? ['--threads', threads] : [])];
    const r = spawnSync(process.execPath, cli, { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${name}: node-peft sweep exited with ${r.status ?? r.signal}; run the same command again to resume`);
  }
  require('./report').writeResults();
}

main().catch((err) => { console.error(`experiments: ${err.message}`); process.exit(1); });
