'use strict';
// The original write-up's experiments on node-peft's mini models and real data, as `node-peft
// sweep` invocations (run.js runs them; report.js turns their summaries into results/). Every
// run of a group shares one budget and seed; only the method, rank, layers or targets change.
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const MODELS = {
  bert: path.join(ROOT, 'models/mini-bert-cased'), opt: path.join(ROOT, 'models/mini-opt'),
  // Question (4)'s wider mini-opt: `npm run pretrain:mini-opt-wide` makes it (not shipped: over models/' size budget).
  optWide: path.join(ROOT, '.cache/pretrain/mini-opt-wide/model'),
};
const WORK = path.join(ROOT, '.cache/experiments');
/** mini-bert-cased's architecture with random weights: the no-pre-training baseline (run.js makes it). */
const RANDOM_BERT = path.join(WORK, 'random-init-mini-bert-cased');

// TweetEval: train on the exact test split (12,284 tweets), evaluate on the exact validation split
// (2,000), which no pre-training corpus contains. One epoch, batch 32, tweets cut at 64 tokens.
const TWEETEVAL = [
  '--data-dir', 'data/tweeteval-sentiment', '--train-split', 'test', '--eval-split', 'val', '--max-length', '64',
  '--epochs', '1', '--batch-size', '32', '--eval-batch-size', '64', '--warmup-ratio', '0.06', '--weight-decay', '0.01',
  '--lr', '2e-4', '--lora-lr', '2e-3', '--alpha', '16', '--dropout', '0.1', '--logging-steps', '20', '--save-steps', '100', '--save-total-limit', '1',
];

// Plato: the dialogues mini-opt never saw in pre-training (its corpus has only the Republic, 1497,
// and the Laws, 1750), the Apology (1656) held out. A third of an epoch of 128-token blocks.
const PLATO_TRAIN = ['1572', '1584', '1591', '1600', '1636', '1642', '1643', '1657', '1658', '1672', '1726', '1735', '1738', '1744'].map((id) => `data/plato/${id}.txt`);
const PLATO = [
  '--train-file', ...PLATO_TRAIN, '--eval-file', 'data/plato/1656.txt', '--block-size', '128',
  '--epochs', '0.34', '--batch-size', '16', '--eval-batch-size', '32', '--warmup-ratio', '0.06', '--weight-decay', '0.01',
  '--lr', '2e-4', '--lora-lr', '2e-3', '--alpha', '16', '--dropout', '0.05', '--logging-steps', '20', '--save-steps', '100', '--save-total-limit', '1',
];

const SEEDS = [42, 43, 44];

/** name → { model, args } of each sweep; output folders are WORK/<name>. */
function sweeps() {
  const s = {};
  const add = (name, model, args) => { s[name] = { model, args }; };
  add('tweeteval/seed-42', MODELS.bert, [...TWEETEVAL, '--methods', 'full,top1,top2', '--lora-r', '1,2,4,8,16,32', '--seed', '42']);
  add('tweeteval/random-init-seed-42', RANDOM_BERT, [...TWEETEVAL, '--methods', 'full', '--lora-r', '8', '--seed', '42']);
  for (const seed of SEEDS.slice(1)) {
    add(`tweeteval/seed-${seed}`, MODELS.bert, [...TWEETEVAL, '--methods', 'full', '--lora-r', '8', '--seed', String(seed)]);
    add(`tweeteval/random-init-seed-${seed}`, RANDOM_BERT, [...TWEETEVAL, '--methods', 'full', '--seed', String(seed)]);
  }
  // (1) the same LoRA parameter count on fewer, later layers: r=4 on all 4 layers (in seed-42)
  // = r=8 on the last 2 = r=16 on the last one.
  add('layers/last-2', MODELS.bert, [...TWEETEVAL, '--lora-r', '8', '--layers-to-transform', '2,3', '--seed', '42']);
  add('layers/last-1', MODELS.bert, [...TWEETEVAL, '--lora-r', '16', '--layers-to-transform', '3', '--seed', '42']);
  // (2) the feed-forward layers added to query/value (PEFT's suffix match: "output.dense" also
  // takes attention.output.dense): at the same rank (r=8) and at the same parameter count (r=2).
  const ffn = ['--target-modules', 'query,value,intermediate.dense,output.dense'];
  add('ffn/bert', MODELS.bert, [...TWEETEVAL, ...ffn, '--lora-r', '2,8', '--seed', '42']);
  add('plato/seed-42', MODELS.opt, [...PLATO, '--methods', 'full', '--lora-r', '1,2,4,8,16,32,64', '--seed', '42']);
  // OPT: fc1 and fc2 added to q_proj and v_proj; r=8, and r=2 (5,376 per layer against q_proj,v_proj r=8's 6,144).
  add('ffn/opt', MODELS.opt, [...PLATO, '--target-modules', 'q_proj,v_proj,fc1,fc2', '--lora-r', '2,8', '--seed', '42']);
  // (4) how the best rank moves with model size: the Plato LoRA sweep again on mini-opt-wide
  // (hidden 384 against 192, the same corpus, steps and fine-tuning budget).
  add('rank-size/plato-wide', MODELS.optWide, [...PLATO, '--lora-r', '1,2,4,8,16,32,64', '--seed', '42']);
  // The seed spread at r=8 on both models: the yardstick for differences between ranks.
  for (const seed of SEEDS.slice(1)) {
    add(`rank-size/mini-seed-${seed}`, MODELS.opt, [...PLATO, '--lora-r', '8', '--seed', String(seed)]);
    add(`rank-size/wide-seed-${seed}`, MODELS.optWide, [...PLATO, '--lora-r', '8', '--seed', String(seed)]);
  }
  return s;
}

module.exports = { ROOT, MODELS, WORK, RANDOM_BERT, SEEDS, sweeps };
