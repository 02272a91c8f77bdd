#!/usr/bin/env node
'use strict';
// Writes models/<name>/ from the newest checkpoint of a pre-training run (.cache/pretrain/<name>/run):
// config.json, model.safetensors as float16, the tokenizer's files, and README.md, the model card
// (corpus, tokens seen, steps, hyper-parameters, held-out loss on the Apology, the command).
// Run it while pre-training goes on to publish an interim model, or after it finishes.
//   node scripts/pretrain/export.js mini-bert-cased|mini-opt
const fs = require('fs');
const path = require('path');
const torch = require('../../dist');
const { corpus } = require('./corpus');
const { PRESETS } = require('./presets');

const ROOT = path.resolve(__dirname, '../..');

/** models/<name>, or .cache/pretrain/<name>/model for a preset too large to ship (publish: false). */
function modelDir(name) {
  return PRESETS[name].publish === false ? path.join(ROOT, '.cache/pretrain', name, 'model') : path.join(ROOT, 'models', name);
}

function newestCheckpoint(runDir) {
  const last = torch.getLastCheckpoint(runDir);
  if (!last) throw new Error(`no checkpoint in ${runDir}: run npm run pretrain:<model> first`);
  return last;
}

/**
 * The finished run's final model (run.js saves it to final/ with pretraining.json) or, while
 * pre-training goes on, the newest checkpoint; with the trainer state the card is made from.
 */
function source(name) {
  const base = path.join(ROOT, '.cache/pretrain', name);
  const summary = path.join(base, 'final/pretraining.json');
  const finished = fs.existsSync(summary) ? JSON.parse(fs.readFileSync(summary, 'utf8')) : null;
  if (finished?.status === 'completed') {
    const { steps } = finished;
    const log = fs.readFileSync(path.join(base, 'run/log.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    return { dir: path.join(base, 'final'), state: { global_step: steps, max_steps: steps, log_history: log } };
  }
  const checkpoint = newestCheckpoint(path.join(base, 'run'));
  return { dir: checkpoint, state: JSON.parse(fs.readFileSync(path.join(checkpoint, 'trainer_state.json'), 'utf8')) };
}

async function heldOutLoss(model, preset, tokenizer, evalFiles) {
  const blocks = await torch.loadTextBlocks({ tokenizer, files: evalFiles, blockSize: preset.blockSize, cache: path.join(ROOT, '.cache/pretrain/tokenized') });
  const collator = preset.family === 'bert' ? torch.dataCollatorForMaskedLM({ tokenizer }) : torch.dataCollatorForLanguageModeling({ padTokenId: tokenizer.padTokenId });
  torch.manualSeed(0);  // the same masked positions every time the card is made
  const trainer = new torch.Trainer({ model, dataCollator: collator, args: new torch.TrainingArguments({ outputDir: path.join(ROOT, '.cache/pretrain/eval'), reportTo: 'none', disableTqdm: true, perDeviceEvalBatchSize: 32 }) });
  return { loss: (await trainer.evaluate({ evalDataset: blocks.train })).eval_loss, tokens: blocks.train.length * preset.blockSize };
}

function describeCorpus(files) {
  const names = files.map((f) => path.basename(f, '.txt'));
  const fortunes = names.filter((n) => n.startsWith('fortunes-')).length;
  const tweets = names.filter((n) => n === 'test_text' || n.startsWith('tweeteval')).map((n) => (n === 'test_text' ? 'TweetEval test tweets (exact)' : 'TweetEval train tweets (lossy copy)'));
  const plato = names.filter((n) => /^\d+$/.test(n));
  return `${fortunes} fortune files, ${tweets.join(', ')}, ${plato.length} works of Plato (Gutenberg ${plato.join(', ')})`;
}

function card(name, preset, info) {
  const what = preset.family === 'bert' ? 'BERT (BertForMaskedLM, tied decoder), masked-language-model pre-training: 15% of tokens, 80% [MASK] / 10% random / 10% kept' : 'OPT (OPTForCausalLM, tied lm_head), causal-language-model pre-training';
  const c = preset.config;
  return `# ${name}

node-peft's own small pre-trained ${preset.family === 'bert' ? 'BERT' : 'OPT'}, made with node-peft's Trainer on this repository's machine (2 CPU cores), from scratch, on public-domain and openly licensed English text. It exists so that the demo and the experiments adapt a model that learned something: no pretrained weights can be downloaded where node-peft is developed. It is an ordinary HuggingFace model folder (transformers' file layout and keys).

${info.final ? '' : `**Interim**: pre-training was at step ${info.steps} of ${info.maxSteps} when this was exported; \`${info.command}\` continues it from its checkpoint and \`node scripts/pretrain/export.js ${name}\` exports again.\n`}
| | |
|---|---|
| architecture | ${what} |
| size | hidden ${c.hidden_size}, ${c.num_hidden_layers} layers, ${c.num_attention_heads} heads, ${preset.family === 'bert' ? `intermediate ${c.intermediate_size}` : `ffn ${c.ffn_dim}`}, vocabulary ${info.vocab}; ${info.params.toLocaleString('en-US')} parameters, float16 |
| tokenizer | ${preset.family === 'bert' ? "bert-base-cased's WordPiece (data/vocab/bert-base-cased)" : "OPT's byte-level BPE built from GPT-2's files (data/vocab/opt-style: GPT-2 ids + 4; facebook/opt's own ids are ordered differently)"} |
| corpus | ${info.corpus} |
| corpus size | ${info.trainTokens.toLocaleString('en-US')} tokens per epoch (blocks of ${preset.blockSize}) |
| steps | ${info.steps} of ${info.maxSteps} (batch ${preset.args.perDeviceTrainBatchSize} × ${preset.blockSize} tokens) |
| tokens seen | ${(info.steps * preset.args.perDeviceTrainBatchSize * preset.blockSize).toLocaleString('en-US')} |
| optimizer | AdamW, lr ${preset.args.learningRate}, ${preset.args.lrSchedulerType} schedule, warmup ratio ${preset.args.warmupRatio}, weight decay ${preset.args.weightDecay}, clipping 1.0, dropout 0.1, seed 42 |
| last logged training loss | ${info.trainLoss === null ? '-' : info.trainLoss.toFixed(4)} |
| held-out loss (Plato's Apology, never trained on) | ${info.evalLoss.toFixed(4)} (perplexity ${Math.exp(info.evalLoss).toFixed(1)}; ${info.evalTokens.toLocaleString('en-US')} tokens${preset.family === 'bert' ? ', masked tokens only, fixed seed' : ''}) |
| made by | \`${info.command}\` (resumable), then \`node scripts/pretrain/export.js ${name}\` |

The corpus is rebuilt from what the repository and Debian ship (scripts/pretrain/corpus.js): Debian's \`fortunes\` and \`fortunes-min\` packages (BSD-licensed fortune cookies), TweetEval's test tweets (research use, SemEval-2017 terms)${name === 'mini-bert-cased' ? ' and the lossy copy of its train split' : ''}, and Project Gutenberg's Plato (public domain)${(preset.corpus ?? name) === 'mini-opt' ? ' — only the Republic and the Laws, leaving the other dialogues for the LoRA experiments' : ''}. TweetEval's validation split, on which the experiments evaluate, is never read.
`;
}

async function main() {
  const name = process.argv[2];
  const preset = PRESETS[name];
  if (!preset) throw new Error(`usage: export.js <${Object.keys(PRESETS).join('|')}>`);
  const { dir: checkpoint, state } = source(name);
  const cls = preset.family === 'bert' ? torch.BertForMaskedLM : torch.OPTForCausalLM;
  const model = await cls.fromPretrained(checkpoint, { warn: false });
  const tokenizer = await torch.AutoTokenizer.fromPretrained(preset.tokenizer);
  const { trainFiles, evalFiles } = corpus(preset.corpus ?? name);
  const { loss, tokens } = await heldOutLoss(model, preset, tokenizer, evalFiles);
  const trainTokens = (await torch.loadTextBlocks({ tokenizer, files: trainFiles, blockSize: preset.blockSize, cache: path.join(ROOT, '.cache/pretrain/tokenized') })).train.length * preset.blockSize;
  const out = modelDir(name);
  model.to('float16');
  await model.savePretrained(out);
  for (const f of fs.readdirSync(preset.tokenizer)) if (f !== 'config.json') fs.copyFileSync(path.join(preset.tokenizer, f), path.join(out, f));
  // BertForMaskedLM has no pooler; a classifier loaded from the folder needs the same one every time (lib/train/bert-pooler.ts).
  if (preset.family === 'bert') await torch.addBertPooler(out, { hiddenSize: preset.config.hidden_size, seed: 42 });
  const losses = state.log_history.filter((e) => 'loss' in e);
  const info = {
    final: state.global_step >= state.max_steps, steps: state.global_step, maxSteps: state.max_steps, evalLoss: loss, evalTokens: tokens, trainTokens,
    trainLoss: losses.length ? losses[losses.length - 1].loss : null, params: model.numParameters(), vocab: model.config.get('vocab_size'),
    command: `npm run pretrain:${name.replace('-cased', '')}`,
    corpus: describeCorpus(trainFiles),
  };
  fs.writeFileSync(path.join(out, 'README.md'), card(name, preset, info));
  fs.writeFileSync(path.join(out, 'pretraining.json'), `${JSON.stringify({ ...info, checkpoint: path.relative(ROOT, checkpoint), log_history: state.log_history }, null, 2)}\n`);
  console.log(`${name}: step ${info.steps}/${info.maxSteps}, Apology loss ${loss.toFixed(4)} -> ${out}`);
}

main().catch((err) => { console.error(`export: ${err.message}`); process.exit(1); });
