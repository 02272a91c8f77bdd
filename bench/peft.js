#!/usr/bin/env node
'use strict';
// LoRA inference cost on a bert-base-shaped model (batch 16 x 128, random weights): forward
// latency of the base model, with one unmerged adapter (r=8 on query/value), and merged — which
// must cost the same as the base — and the time to switch between two loaded adapters.
// Run after `npm run build`: node bench/peft.js
const { torch, timeit, header } = require('./common');

const forward = (model, inputs) => () => torch.inferenceMode(() => model.forward(inputs)).then((o) => o.logits.dispose());

async function main() {
  header('PEFT benchmark: bert-base 16x128 forward (eval, inference mode)');
  torch.manualSeed(0);
  const model = torch.BertForSequenceClassification.fromConfig(torch.bertConfig({ vocab_size: 28996, num_labels: 3 }));
  model.eval();
  const [B, T] = [16, 128];
  const inputs = { inputIds: torch.randint(0, 28996, [B, T]), attentionMask: torch.ones([B, T], { dtype: 'int64' }) };

  const base = await timeit(forward(model, inputs));
  const config = () => new torch.LoraConfig({ taskType: torch.TaskType.SEQ_CLS, r: 8, loraAlpha: 16 });
  const peft = torch.getPeftModel(model, config());
  peft.addAdapter('second', config());
  peft.eval();
  const unmerged = await timeit(forward(peft, inputs));
  peft.merge();
  const merged = await timeit(forward(peft, inputs));
  peft.unmerge();

  const switches = 10000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < switches; i++) peft.setAdapter(i % 2 ? 'second' : 'default');
  const switchUs = Number(process.hrtime.bigint() - t0) / 1e3 / switches;

  const row = (label, s) => console.log(`${label.padEnd(34)} ${(s * 1000).toFixed(1).padStart(8)} ms  ${(s / base).toFixed(3)}x base`);
  row('base model', base);
  row('one unmerged LoRA adapter', unmerged);
  row('adapter merged into the weights', merged);
  console.log(`${'switch between two adapters'.padEnd(34)} ${switchUs.toFixed(1).padStart(8)} µs  (setAdapter; no reload)`);
  console.log(peft.trainableParametersLine());
}

main().catch((err) => { console.error(err); process.exit(1); });
