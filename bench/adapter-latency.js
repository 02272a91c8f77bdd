#!/usr/bin/env node
'use strict';
// The write-up's open question (3): inference latency with a LoRA adapter kept separate (unmerged)
// against merged into the weights, and what switching adapters costs — on node-peft's own models
// (models/mini-bert-cased: sequence classification; models/mini-opt: causal LM) with LoRA r=8 on
// query/value (q_proj/v_proj), B non-zero. The baseline is a second, plain copy of the base model
// in the same process. Base, separate and merged are timed in turn, in a rotating order
// (merging and unmerging is not timed), 93 times each; medians, robust to this machine's slow
// spells of several times the usual latency.
// Run after `npm run build`: node bench/adapter-latency.js [--threads N] [--write]
// (--write also writes results/questions/latency.{md,csv,svg}).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { torch, header } = require('./common');

const ROUNDS = 31;
const ROOT = path.resolve(__dirname, '..');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * { base, separate, merged } median seconds of `call(model)`. The three are interleaved and their
 * order rotates each round: whichever runs first after another model's weights pays for a cold
 * cache, so a fixed order would favour the later ones.
 */
async function compare(base, peft, call) {
  const t = { base: [], separate: [], merged: [] };
  const run = {
    base: () => timed(() => call(base)),
    separate: () => timed(() => call(peft)),
    merged: async () => { peft.merge(); const s = await timed(() => call(peft)); peft.unmerge(); return s; },
  };
  const kinds = Object.keys(run);
  for (let r = -1; r < 3 * ROUNDS; r++) {  // round -1 warms up
    const order = kinds.map((_, i) => kinds[(i + Math.max(r, 0)) % kinds.length]);
    for (const k of order) {
      const s = await run[k]();
      if (r >= 0) t[k].push(s);
    }
  }
  return { base: median(t.base), separate: median(t.separate), merged: median(t.merged) };
}

async function adapted(cls, dir, config, options) {
  const base = (await cls.fromPretrained(dir, options)).eval();
  const peft = torch.getPeftModel(await cls.fromPretrained(dir, options), config(), 'a');
  peft.addAdapter('b', config());
  peft.setAdapter('a');
  return { base, peft: peft.eval() };
}

async function switching(peft) {
  let which = 'a';
  const flip = () => { which = which === 'a' ? 'b' : 'a'; return which; };
  const separate = [];
  const merged = [];
  for (let r = 0; r < ROUNDS; r++) separate.push(await timed(() => peft.setAdapter(flip())));
  peft.merge();
  for (let r = 0; r < ROUNDS; r++) merged.push(await timed(() => { const next = flip(); peft.unmerge(); peft.setAdapter(next); peft.merge(); }));
  peft.unmerge();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adapter-latency-'));
  await peft.savePretrained(dir, { selectedAdapters: ['a'] });  // PEFT's layout: a non-default adapter in dir/<name>
  const load = [];
  for (let r = 0; r < ROUNDS; r++) load.push(await timed(async () => { await peft.loadAdapter(path.join(dir, 'a'), `l${r}`); peft.deleteAdapter(`l${r}`); }));
  fs.rmSync(dir, { recursive: true, force: true });
  return { separate: median(separate), merged: median(merged), load: median(load) };
}

async function main() {
  const t = process.argv.indexOf('--threads');
  if (t > 0) torch.setNumThreads(Number(process.argv[t + 1]));
  header('Adapter latency: node-peft\'s mini models, LoRA r=8 on query/value, eval; base = a plain copy of the model');
  torch.manualSeed(0);
  const lora = (taskType, targetModules) => () => new torch.LoraConfig({ taskType, r: 8, loraAlpha: 16, targetModules, initLoraWeights: false });
  const bert = await adapted(torch.BertForSequenceClassification, path.join(ROOT, 'models/mini-bert-cased'), lora(torch.TaskType.SEQ_CLS, ['query', 'value']), { numLabels: 3, warn: false });
  const opt = await adapted(torch.OPTForCausalLM, path.join(ROOT, 'models/mini-opt'), lora(torch.TaskType.CAUSAL_LM, ['q_proj', 'v_proj']));
  const tweets = torch.randint(1000, 28000, [32, 64]);
  const blocks = torch.randint(4, 50000, [8, 128]);
  const prompt = torch.randint(4, 50000, [1, 16]);
  const rows = [
    ['mini-bert-cased: classify 32 × 64 tokens', await compare(bert.base, bert.peft, (m) => m.forward({ inputIds: tweets }).then((o) => o.logits.dispose()))],
    ['mini-opt: forward 8 × 128 tokens', await compare(opt.base, opt.peft, (m) => m.forward({ inputIds: blocks }).then((o) => o.logits.dispose()))],
    ['mini-opt: generate 32 tokens, batch 1', await compare(opt.base, opt.peft, (m) => m.generate(prompt, { maxNewTokens: 32, doSample: false }).then((x) => x.dispose()))],
  ];
  const sw = await switching(opt.peft);
  const ms = (s) => (s * 1000).toFixed(s < 0.01 ? 3 : 1);
  const lines = [
    `Medians of ${3 * ROUNDS} interleaved calls each (rotating order), ${torch.getNumThreads()} threads, \`node bench/adapter-latency.js --write\`.`, '',
    '| workload | base model | adapter kept separate | × base | adapter merged | × base |', '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(([name, r]) => `| ${name} | ${ms(r.base)} ms | ${ms(r.separate)} ms | ${(r.separate / r.base).toFixed(3)} | ${ms(r.merged)} ms | ${(r.merged / r.base).toFixed(3)} |`), '',
    '| switching adapters (mini-opt, r=8) | time |', '| --- | ---: |',
    `| kept separate: setAdapter | ${ms(sw.separate)} ms |`, `| merged: unmerge + setAdapter + merge | ${ms(sw.merged)} ms |`, `| loadAdapter from disk (then deleteAdapter) | ${ms(sw.load)} ms |`,
  ];
  console.log(`\n${lines.slice(2).join('\n')}`);
  if (process.argv.includes('--write')) write(lines, rows, sw);
}

function write(lines, rows, sw) {
  const dir = path.join(ROOT, 'results/questions');
  fs.mkdirSync(dir, { recursive: true });
  const csv = ['workload,base_seconds,separate_seconds,merged_seconds', ...rows.map(([n, r]) => `"${n}",${r.base},${r.separate},${r.merged}`),
    `"switch kept separate",,${sw.separate},`, `"switch merged",,,${sw.merged}`, `"load adapter",,${sw.load},`].join('\n');
  const bars = rows.flatMap(([name, r]) => [['base', r.base], ['separate', r.separate], ['merged', r.merged]].map(([k, v]) => ({ label: `${name.split(':')[0]} ${k}`, value: v / r.base })));
  fs.writeFileSync(path.join(dir, 'latency.md'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'latency.csv'), `${csv}\n`);
  fs.writeFileSync(path.join(dir, 'latency.svg'), torch.barSvg(bars.filter((b) => !b.label.endsWith(' base')), { title: 'Latency with the adapter kept separate or merged, relative to the base model', yLabel: '× base model (median)', digits: 3, width: 760 }));
}

main().catch((err) => { console.error(err); process.exit(1); });
