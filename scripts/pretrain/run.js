#!/usr/bin/env node
'use strict';
// Pre-trains one of node-peft's mini models from scratch into models/<name>/ (resumable: run it
// again after an interruption and it continues from its last checkpoint in .cache/pretrain).
//   npm run pretrain:mini-bert      (node scripts/pretrain/run.js mini-bert-cased)
//   npm run pretrain:mini-opt       (node scripts/pretrain/run.js mini-opt)
// Options: --max-steps N (override), --threads N.
const fs = require('fs');
const path = require('path');
const torch = require('../../dist');
const { corpus } = require('./corpus');

const ROOT = path.resolve(__dirname, '../..');
const PRESETS = {
  'mini-bert-cased': {
    family: 'bert', tokenizer: path.join(ROOT, 'data/vocab/bert-base-cased'), blockSize: 128, wholeWordMask: false,
    config: { hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, max_position_embeddings: 512 },
    args: { perDeviceTrainBatchSize: 32, learningRate: 1e-3, warmupRatio: 0.05, weightDecay: 0.01, lrSchedulerType: 'linear', numTrainEpochs: 4 },
  },
  'mini-opt': {
    family: 'opt', tokenizer: path.join(ROOT, 'data/vocab/opt-style'), blockSize: 128,
    config: { vocab_size: 50272, hidden_size: 192, num_hidden_layers: 4, num_attention_heads: 3, ffn_dim: 768, word_embed_proj_dim: 192, max_position_embeddings: 512, pad_token_id: 1, bos_token_id: 2, eos_token_id: 2 },
    args: { perDeviceTrainBatchSize: 16, learningRate: 1e-3, warmupRatio: 0.05, weightDecay: 0.01, lrSchedulerType: 'cosine', numTrainEpochs: 3 },
  },
};

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

async function main() {
  const name = process.argv[2];
  const preset = PRESETS[name];
  if (!preset) throw new Error(`usage: run.js <${Object.keys(PRESETS).join('|')}> [--max-steps N] [--threads N]`);
  if (arg('--threads')) torch.setNumThreads(Number(arg('--threads')));
  const { trainFiles, evalFiles } = corpus(name);
  const outputDir = path.join(ROOT, '.cache/pretrain', name, 'run');
  const saveDir = path.join(ROOT, 'models', name);
  const started = Date.now();
  const r = await torch.pretrain({
    ...preset, trainFiles, evalFiles, saveDir, saveFloat16: true, cache: path.join(ROOT, '.cache/pretrain/tokenized'),
    args: { ...preset.args, outputDir, seed: 42, loggingSteps: 50, saveStrategy: 'steps', saveSteps: 200, saveTotalLimit: 2, ...(arg('--max-steps') ? { maxSteps: Number(arg('--max-steps')) } : {}) },
  });
  const summary = {
    model: name, steps: r.train.globalStep, train_tokens_per_epoch: r.trainTokens, tokens_seen: r.train.globalStep * preset.args.perDeviceTrainBatchSize * preset.blockSize,
    final_train_loss: r.train.trainingLoss, apology_eval_loss: r.evalLoss, apology_perplexity: r.perplexity, eval_tokens: r.evalTokens,
    wall_hours: (Date.now() - started) / 3.6e6, status: r.train.status, command: `npm run pretrain:${name.replace('-cased', '')}`,
    train_files: trainFiles.map((f) => path.relative(ROOT, f)), eval_files: evalFiles.map((f) => path.relative(ROOT, f)), preset,
  };
  fs.writeFileSync(path.join(saveDir, 'pretraining.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((err) => { console.error(`pretrain: ${err.message}`); process.exit(1); });
