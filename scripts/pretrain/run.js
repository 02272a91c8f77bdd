#!/usr/bin/env node
'use strict';
// Pre-trains one of node-peft's mini models from scratch (resumable: run it again after an
// interruption and it continues from its last checkpoint in .cache/pretrain), then exports it to
// models/<name>/ with its model card (export.js).
//   npm run pretrain:mini-bert      (node scripts/pretrain/run.js mini-bert-cased)
//   npm run pretrain:mini-opt       (node scripts/pretrain/run.js mini-opt)
//   npm run pretrain:mini-opt-wide  (question 4 of the experiments; not shipped in models/)
// Options: --max-steps N (override), --threads N.
const fs = require('fs');
const path = require('path');
const torch = require('../../dist');
const { corpus } = require('./corpus');
const { PRESETS, PRETRAIN_ARGS } = require('./presets');

const ROOT = path.resolve(__dirname, '../..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

async function main() {
  const name = process.argv[2];
  const preset = PRESETS[name];
  if (!preset) throw new Error(`usage: run.js <${Object.keys(PRESETS).join('|')}> [--max-steps N] [--threads N]`);
  if (arg('--threads')) torch.setNumThreads(Number(arg('--threads')));
  const { trainFiles, evalFiles } = corpus(preset.corpus ?? name);
  const outputDir = path.join(ROOT, '.cache/pretrain', name, 'run');
  const saveDir = path.join(ROOT, '.cache/pretrain', name, 'final');
  const started = Date.now();
  const { corpus: _corpus, publish: _publish, ...shape } = preset;  // run.js's own fields, not pretrain()'s
  const r = await torch.pretrain({
    ...shape, trainFiles, evalFiles, saveDir, cache: path.join(ROOT, '.cache/pretrain/tokenized'),
    args: { ...preset.args, ...PRETRAIN_ARGS, outputDir, ...(arg('--max-steps') ? { maxSteps: Number(arg('--max-steps')) } : {}) },
  });
  const summary = {
    model: name, steps: r.train.globalStep, train_tokens_per_epoch: r.trainTokens, tokens_seen: r.train.globalStep * preset.args.perDeviceTrainBatchSize * preset.blockSize,
    final_train_loss: r.train.trainingLoss, apology_eval_loss: r.evalLoss, apology_perplexity: r.perplexity, eval_tokens: r.evalTokens,
    wall_hours: (Date.now() - started) / 3.6e6, status: r.train.status, command: `npm run pretrain:${name.replace('-cased', '')}`,
    train_files: trainFiles.map((f) => path.relative(ROOT, f)), eval_files: evalFiles.map((f) => path.relative(ROOT, f)), preset,
  };
  fs.writeFileSync(path.join(saveDir, 'pretraining.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
  // models/<name>/ with its model card, from the final checkpoint.
  require('child_process').execFileSync(process.execPath, [path.join(__dirname, 'export.js'), name], { stdio: 'inherit' });
}

main().catch((err) => { console.error(`pretrain: ${err.message}`); process.exit(1); });
