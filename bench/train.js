#!/usr/bin/env node
'use strict';
// Training-step benchmark: bert-base-cased and opt-125m shapes (random weights, float32, train
// mode), one step = forward + loss + backward + clip + AdamW (the fused native step). Each case
// runs in its own process so its peak RSS is its own; times are medians. Ratios are against the
// same model's forward measured in the same process, and the matmul rate measured in this run.
//
//   node bench/train.js [--only NAME] [--steps N]
//
// Cases: bert-forward, bert-lora, bert-lora-nodrop (no dropout), bert-top2, bert-full, bert-lora-bf16, opt-forward, opt-lora,
// opt-lora-plain (the un-chunked lm_head loss, for comparison), tweets-dynamic, tweets-128.
const { execFileSync } = require('child_process');
const path = require('path');
const { torch, matmulGflops, header } = require('./common');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bert(overrides = {}) {
  torch.manualSeed(0);
  return torch.BertForSequenceClassification.fromConfig(torch.bertConfig({ vocab_size: 28996, num_labels: 3, ...overrides }));
}

function opt() {
  torch.manualSeed(0);
  return torch.OPTForCausalLM.fromConfig(torch.optConfig({ vocab_size: 50272, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, ffn_dim: 3072, word_embed_proj_dim: 768 }));
}

function rows(n, length, vocab, labels = true) {
  return Array.from({ length: n }, (_, i) => {
    const inputIds = Array.from({ length }, (_, j) => 3 + ((i * 7919 + j * 104729) % (vocab - 3)));
    return labels ? { inputIds, labels: i % 3 } : { inputIds };
  });
}

/** Median seconds of `fn` over `steps` runs after one warm-up. */
async function timed(fn, steps) {
  await fn();
  const times = [];
  for (let i = 0; i < steps; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

async function forwardSeconds(model, batch, steps) {
  model.eval();
  const inputs = { inputIds: batch.inputIds, attentionMask: batch.attentionMask };
  return timed(() => torch.noGrad(() => model.forward(inputs)).then((o) => Object.values(o).flat().forEach((t) => t && t.dispose && t.dispose())), steps);
}

async function stepSeconds(model, params, batch, steps, options = {}) {
  model.train();
  const optimizer = new torch.AdamW(params.filter(([, t]) => t.requiresGrad), { lr: 1e-5 });
  return timed(() => torch.trainingStep(model, batch, { optimizer, maxGradNorm: 1, ...options }), steps);
}

function lora(model, targets) {
  const task = model.type === 'OPTForCausalLM' ? 'CAUSAL_LM' : 'SEQ_CLS';
  return torch.getPeftModel(model, new torch.LoraConfig({ taskType: task, r: 8, loraAlpha: 16, targetModules: targets }));
}

const CASES = {
  'bert-forward': async (steps) => {
    const m = bert();
    return { seconds: await forwardSeconds(m, torch.dataCollatorWithPadding()(rows(16, 128, 28996)), steps) };
  },
  'bert-lora': async (steps) => {
    const m = bert();
    const p = lora(m, ['query', 'value']);
    return { seconds: await stepSeconds(m, p.namedParameters(), torch.dataCollatorWithPadding()(rows(16, 128, 28996)), steps) };
  },
  // The same step without dropout: what the step costs besides drawing dropout masks (libtorch's
  // CPU Bernoulli draws are serial: one generator stream, kept for bitwise parity with PyTorch).
  'bert-lora-nodrop': async (steps) => {
    const m = bert({ hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
    const p = lora(m, ['query', 'value']);
    return { seconds: await stepSeconds(m, p.namedParameters(), torch.dataCollatorWithPadding()(rows(16, 128, 28996)), steps) };
  },
  'bert-lora-bf16': async (steps) => {
    const m = bert();
    const p = lora(m, ['query', 'value']);
    return { seconds: await stepSeconds(m, p.namedParameters(), torch.dataCollatorWithPadding()(rows(16, 128, 28996)), steps, { autocast: 'bfloat16' }) };
  },
  'bert-top2': async (steps) => {
    const m = bert();
    m.bert.requiresGrad_(false);
    m.bert.encoder.layer[-1].requiresGrad_(true);
    m.bert.encoder.layer[-2].requiresGrad_(true);
    return { seconds: await stepSeconds(m, m.namedParameters(), torch.dataCollatorWithPadding()(rows(16, 128, 28996)), steps) };
  },
  'bert-full': async (steps) => {
    const m = bert();
    return { seconds: await stepSeconds(m, m.namedParameters(), torch.dataCollatorWithPadding()(rows(16, 128, 28996)), steps) };
  },
  'opt-forward': async (steps) => {
    const m = opt();
    return { seconds: await forwardSeconds(m, torch.dataCollatorForLanguageModeling({ padTokenId: 1 })(rows(8, 128, 50272, false)), steps) };
  },
  'opt-lora': async (steps) => {
    const m = opt();
    const p = lora(m, ['q_proj', 'v_proj']);
    return { seconds: await stepSeconds(m, p.namedParameters(), torch.dataCollatorForLanguageModeling({ padTokenId: 1 })(rows(8, 128, 50272, false)), steps) };
  },
  'opt-lora-plain': async (steps) => {
    // The same step with the full [tokens × vocab] logits: forward with labels, backward, AdamW.
    const m = opt();
    const p = lora(m, ['q_proj', 'v_proj']);
    const batch = torch.dataCollatorForLanguageModeling({ padTokenId: 1 })(rows(8, 128, 50272, false));
    const optimizer = new torch.AdamW(p.namedParameters().filter(([, t]) => t.requiresGrad), { lr: 1e-5 });
    m.train();
    const seconds = await timed(async () => {
      const out = await m.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels });
      await out.loss.backwardAsync();
      torch.clipGradNorm(p.namedParameters(), 1);
      optimizer.step();
      optimizer.zeroGrad();
      Object.values(out).flat().forEach((t) => t && t.dispose && t.dispose());
    }, steps);
    return { seconds };
  },
  // A TweetEval-length workload: real tweets (data/), bert-base LoRA, 256 tweets per measurement.
  'tweets-dynamic': async (steps) => tweets(steps, { padding: 'longest' }),
  'tweets-128': async (steps) => tweets(steps, { padding: 'max_length', maxLength: 128 }),
};

async function tweets(steps, padding) {
  const data = await torch.loadTextClassification({ dir: path.join(__dirname, '../data/tweeteval-sentiment'), split: 'test', tokenizer: path.join(__dirname, '../data/vocab/bert-base-cased'), maxLength: 128, maxSamples: 256 });
  const m = bert();
  const p = lora(m, ['query', 'value']);
  const collate = torch.dataCollatorWithPadding(padding);
  const batches = [];
  for (let i = 0; i < data.examples.length; i += 16) batches.push(collate(data.examples.slice(i, i + 16)));
  const optimizer = new torch.AdamW(p.namedParameters().filter(([, t]) => t.requiresGrad), { lr: 1e-5 });
  m.train();
  const seconds = await timed(async () => {
    for (const b of batches) await torch.trainingStep(m, b, { optimizer, maxGradNorm: 1 });
  }, Math.max(1, Math.floor(steps / 3)));
  const tokens = batches.reduce((n, b) => n + b.numTokens, 0);
  return { seconds, samplesPerSecond: data.examples.length / seconds, paddedTokens: tokens };
}

async function child(name, steps) {
  const r = await CASES[name](steps);
  r.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(r));
}

function run(name, steps) {
  const out = execFileSync(process.execPath, [__filename, '--child', name, '--steps', String(steps)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.slice(out.lastIndexOf('{')));
}

async function main() {
  const steps = Number(arg('--steps', '5'));
  if (arg('--child')) return child(arg('--child'), steps);
  header('Training-step benchmark (random weights, float32, train mode, medians; each case in its own process)');
  const gemm = await matmulGflops();
  console.log(`matmul 2048² float32: ${gemm.toFixed(1)} GFLOP/s (baseline, same run)\n`);
  const only = arg('--only');
  const names = Object.keys(CASES).filter((n) => !only || only.split(',').includes(n));
  const results = {};
  for (const name of names) {
    results[name] = run(name, steps);
    const r = results[name];
    const fwd = results[name.startsWith('opt') ? 'opt-forward' : 'bert-forward'];
    const ratio = fwd && !name.endsWith('forward') && !name.startsWith('tweets') ? `${(r.seconds / fwd.seconds).toFixed(2)}× forward` : '';
    const extra = r.samplesPerSecond ? `${r.samplesPerSecond.toFixed(1)} samples/s, ${r.paddedTokens} tokens` : '';
    console.log(`${name.padEnd(16)} ${(r.seconds * 1000).toFixed(0).padStart(7)} ms  ${ratio.padEnd(16)} peak RSS ${(r.peakRssMiB / 1024).toFixed(2)} GiB  ${extra}`);
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
