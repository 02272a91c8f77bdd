#!/usr/bin/env node
'use strict';
// The write-up's open question (3): inference latency with a LoRA adapter kept separate (unmerged)
// against merged into the weights, and what switching adapters costs — on node-peft's own mini-opt
// (models/mini-opt) with two LoRA adapters (r=8, q_proj and v_proj, non-zero B). The base model
// alone is the baseline of the same run; medians of 15 rounds, variants timed in turn.
// Run after `npm run build`: node bench/adapter-latency.js [--threads N] [--write]
// (--write also writes results/questions/latency.{md,csv,svg}).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { torch, header } = require('./common');

const ROUNDS = 15;
const ROOT = path.resolve(__dirname, '..');

async function median(fn) {
  await fn();
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times.sort((a, b) => a - b)[ROUNDS >> 1];
}

const lora = () => new torch.LoraConfig({ taskType: torch.TaskType.CAUSAL_LM, r: 8, loraAlpha: 16, targetModules: ['q_proj', 'v_proj'], initLoraWeights: false });

async function latencies(peft, ids, prompt) {
  const forward = () => peft.forward({ inputIds: ids }).then((o) => o.logits.dispose());
  const generate = () => peft.generate(prompt, { maxNewTokens: 32, doSample: false }).then((t) => t.dispose());
  const out = {};
  out.forward = await median(forward);
  out.generate = await median(generate);
  return out;
}

async function main() {
  const t = process.argv.indexOf('--threads');
  if (t > 0) torch.setNumThreads(Number(process.argv[t + 1]));
  header('Adapter latency: mini-opt (models/mini-opt), LoRA r=8 on q_proj/v_proj, eval, greedy');
  const model = (await torch.OPTForCausalLM.fromPretrained(path.join(ROOT, 'models/mini-opt'))).eval();
  torch.manualSeed(0);
  const ids = torch.randint(4, 50000, [8, 128]);
  const prompt = torch.randint(4, 50000, [1, 16]);
  const base = await latencies(model, ids, prompt);
  const peft = torch.getPeftModel(model, lora(), 'a');
  peft.addAdapter('b', lora());
  peft.eval();
  peft.setAdapter('a');
  const separate = await latencies(peft, ids, prompt);
  peft.merge();
  const merged = await latencies(peft, ids, prompt);
  // Switching: unmerged, a switch is setAdapter; merged, it is unmerge + setAdapter + merge.
  let which = 'a';
  const flip = () => { which = which === 'a' ? 'b' : 'a'; };
  const switchMerged = await median(async () => { flip(); peft.unmerge(); peft.setAdapter(which); peft.merge(); });
  peft.unmerge();
  const switchSeparate = await median(async () => { flip(); peft.setAdapter(which); });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adapter-latency-'));
  peft.setAdapter('a');
  await peft.savePretrained(dir, { selectedAdapters: ['a'] });  // PEFT's layout: a non-default adapter in dir/<name>
  let n = 0;
  const load = await median(async () => { const name = `l${n++}`; await peft.loadAdapter(path.join(dir, 'a'), name); peft.deleteAdapter(name); });
  fs.rmSync(dir, { recursive: true, force: true });

  const rows = [
    ['base model (no adapter)', base.forward, base.generate],
    ['adapter kept separate', separate.forward, separate.generate],
    ['adapter merged', merged.forward, merged.generate],
  ];
  const ms = (s) => (s * 1000).toFixed(s < 0.01 ? 3 : 1);
  console.log('\n| | forward 8×128 | × base | generate 1×16 + 32 tokens | × base |');
  for (const [name, f, g] of rows) console.log(`| ${name} | ${ms(f)} ms | ${(f / base.forward).toFixed(3)} | ${ms(g)} ms | ${(g / base.generate).toFixed(3)} |`);
  console.log(`switch adapters, kept separate (setAdapter): ${ms(switchSeparate)} ms`);
  console.log(`switch adapters, merged (unmerge + setAdapter + merge): ${ms(switchMerged)} ms (${(switchMerged / base.forward).toFixed(2)} forwards of 8×128)`);
  console.log(`load an adapter from disk (loadAdapter, r=8): ${ms(load)} ms`);
  if (process.argv.includes('--write')) write(rows, base, { switchSeparate, switchMerged, load });
}

function write(rows, base, s) {
  const dir = path.join(ROOT, 'results/questions');
  fs.mkdirSync(dir, { recursive: true });
  const ms = (x) => (x * 1000).toFixed(x < 0.01 ? 3 : 1);
  const md = [
    `Medians of ${ROUNDS} rounds, ${torch.getNumThreads()} threads, \`node bench/adapter-latency.js --write\`.`, '',
    '| mini-opt | forward 8×128 tokens | × base | generate 32 tokens (batch 1) | × base |', '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(([name, f, g]) => `| ${name} | ${ms(f)} ms | ${(f / base.forward).toFixed(3)} | ${ms(g)} ms | ${(g / base.generate).toFixed(3)} |`), '',
    '| switching | time |', '| --- | ---: |',
    `| kept separate: setAdapter | ${ms(s.switchSeparate)} ms |`, `| merged: unmerge + setAdapter + merge | ${ms(s.switchMerged)} ms |`, `| loadAdapter from disk (r=8, 2 targets × 4 layers) | ${ms(s.load)} ms |`,
  ].join('\n');
  const csv = ['variant,forward_seconds,generate_seconds', ...rows.map(([n, f, g]) => `"${n}",${f},${g}`), `"switch, separate",${s.switchSeparate},`, `"switch, merged",${s.switchMerged},`, `"load adapter",${s.load},`].join('\n');
  fs.writeFileSync(path.join(dir, 'latency.md'), `${md}\n`);
  fs.writeFileSync(path.join(dir, 'latency.csv'), `${csv}\n`);
  fs.writeFileSync(path.join(dir, 'latency.svg'), torch.barSvg(rows.map(([name, , g]) => ({ label: name.replace(' (no adapter)', ''), value: g * 1000 })), { title: 'mini-opt: generate 32 tokens (batch 1)', yLabel: 'milliseconds', digits: 1, width: 520 }));
}

main().catch((err) => { console.error(err); process.exit(1); });
