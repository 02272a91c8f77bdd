'use strict';
// The mini models' shapes and pre-training hyper-parameters (run.js trains them, export.js writes
// their model cards from these).
const path = require('path');

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
// The write-up's question (4), how the best LoRA rank moves with model size: mini-opt twice as wide
// (hidden 384, 6 heads of 64, ffn 1536), the same corpus, steps and hyper-parameters. At ~27 M
// parameters (53 MB as float16) it is over models/' 25 MB budget, so it is exported to
// .cache/pretrain/mini-opt-wide/model, not shipped.
PRESETS['mini-opt-wide'] = {
  ...PRESETS['mini-opt'], corpus: 'mini-opt', publish: false,
  config: { ...PRESETS['mini-opt'].config, hidden_size: 384, num_attention_heads: 6, ffn_dim: 1536, word_embed_proj_dim: 384 },
};


/** Shared by both runs: seed, logging, checkpoints every 200 steps (the newest two kept). */
const PRETRAIN_ARGS = { seed: 42, loggingSteps: 50, saveStrategy: 'steps', saveSteps: 200, saveTotalLimit: 2 };

module.exports = { PRESETS, PRETRAIN_ARGS };
