'use strict';
// results/README.md: every experiment's table (from the files report.js wrote), its plot, the
// commands, the machine, and the findings (scripts/experiments/findings.md, written by hand after
// reading the tables: numbers are measured, their reading is not generated).
const fs = require('fs');
const path = require('path');
const { ROOT, SEEDS } = require('./plan');

const table = (file) => (fs.existsSync(path.join(ROOT, 'results', file)) ? fs.readFileSync(path.join(ROOT, 'results', file), 'utf8').trim() : '_no finished runs yet_');
const f4 = (x) => (Number.isFinite(x) ? x.toFixed(4) : '-');

function platoBase(p) {
  if (!p.base) return '';
  return `The base mini-opt, before any fine-tuning, on the same Apology blocks: eval loss ${f4(p.base.eval_loss)}, perplexity ${p.base.eval_perplexity.toFixed(1)}.`;
}

function resultsReadme({ plato, machine }) {
  const findings = path.join(__dirname, 'findings.md');
  return `# Results: the original write-up's experiments on node-peft's mini models

Made by \`node scripts/experiments/run.js\` (the sweeps of scripts/experiments/plan.js, each a
\`node-peft sweep\`; rerunning resumes) and \`node scripts/experiments/report.js\` (these tables and
plots). Machine: ${machine}. Two sweeps ran side by side with one thread each, so wall times are
those of a shared machine: compare them within a table, not with the benchmarks.

Models: [mini-bert-cased](../models/mini-bert-cased/README.md) and [mini-opt](../models/mini-opt/README.md),
node-peft's own, pre-trained from scratch on this machine (their cards give corpus and steps).

${fs.existsSync(findings) ? `${fs.readFileSync(findings, 'utf8').trim()}\n\n` : ''}## TweetEval sentiment, mini-bert-cased

Training on TweetEval's exact \`test\` split (12,284 tweets; the \`train\` split's text exists here only
as a lossy copy), evaluating on the exact \`validation\` split (2,000 tweets), which no pre-training
corpus contains. One epoch, batch 32, tweets cut at 64 tokens, AdamW with weight decay 0.01 and 6%
warmup; learning rate 2e-4 for full and top-N, 2e-3 for LoRA (alpha 16, dropout 0.1, query and value);
seed 42. "Random init" is mini-bert-cased's architecture with fresh weights: the no-pre-training
baseline.

${table('tweeteval/sweep.md')}

![F1 against trainable parameters](tweeteval/sweep.svg)

Seeds ${SEEDS.join(', ')} for the headline rows:

${table('tweeteval/seeds.md')}

![F1 over seeds](tweeteval/seeds.svg)

## Plato, mini-opt

LoRA on the 14 dialogues mini-opt did not see in pre-training, the Apology held out; a third of
an epoch of 128-token blocks, batch 16, learning rate 2e-4 (full) and 2e-3 (LoRA, alpha 16, dropout
0.05, q_proj and v_proj), seed 42. Eval loss and perplexity on the Apology. ${platoBase(plato)}

${table('plato/sweep.md')}

![Apology eval loss against trainable parameters](plato/sweep.svg)

## The write-up's open questions

### (1) LoRA on the last N layers or on all of them, at the same parameter count

${table('questions/layers.md')}

![layers](questions/layers.svg)

### (2) Adding the feed-forward layers to the targets

mini-bert-cased (\`intermediate.dense\`, \`output.dense\`: PEFT matches target names as suffixes, so
\`output.dense\` also takes each attention block's \`attention.output.dense\`); r=2 there has exactly
the parameters of query/value at r=8.

${table('questions/ffn-bert.md')}

![feed-forward, BERT](questions/ffn-bert.svg)

mini-opt (\`fc1\`, \`fc2\`); r=2 there has 5,376 parameters per layer against q_proj/v_proj r=8's 6,144.

${table('questions/ffn-opt.md')}

![feed-forward, OPT](questions/ffn-opt.svg)

### (3) Latency with the adapter kept separate or merged, and the cost of switching adapters

${table('questions/latency.md')}

${fs.existsSync(path.join(ROOT, 'results/questions/latency.svg')) ? '![latency](questions/latency.svg)\n' : ''}
### (4) How the best rank moves with model size

The Plato LoRA sweep above (same data, budget and seed) on mini-opt and on mini-opt-wide, a twice
as wide mini-opt (hidden 384, 6 heads, ffn 1536: 4× the parameters per layer) pre-trained on the
same corpus for the same steps (\`npm run pretrain:mini-opt-wide\`, then \`node
scripts/experiments/run.js rank-size\`). Each model is compared with its own base, since the two
start from different losses: "gain" is the base's Apology loss minus the adapted model's.

${table('questions/rank-size.md')}

${fs.existsSync(path.join(ROOT, 'results/questions/rank-size.svg')) ? '![rank and model size](questions/rank-size.svg)\n' : ''}`;
}

module.exports = { resultsReadme };
