'use strict';
// node-peft side of the GPU benchmark: tokens/s of a training step (forward with labels +
// backward) for the models in shapes.json, with LoRA when node-peft has it (full fine-tuning
// otherwise). bench.py measures transformers + PEFT with the same shapes; compare.py prints ratios.
// Usage: node bench/gpu/bench.js --device cuda|cpu [--out results.json] [--only opt-1.3b]
// (needs dist/: npm run build:ts). Peak GPU memory is sampled outside (nvidia-smi, gpu-check.sh):
// node-peft does not expose CUDA allocator statistics.
const fs = require('fs');
const path = require('path');
const peft = require('../..');

function parseArgs(argv) {
  const args = { device: 'cpu', out: null, only: null };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args)) throw new Error(`unknown option ${argv[i]} (expected --device, --out, --only)`);
    args[key] = argv[i + 1];
  }
  return args;
}

function buildModel(spec, dtype, device) {
  const options = { dtype, device };
  const model = spec.family === 'opt'
    ? peft.OPTForCausalLM.fromConfig(peft.optConfig(spec.config), options)
    : peft.BertForSequenceClassification.fromConfig(peft.bertConfig(spec.config), options);
  if (typeof peft.getPeftModel === 'function') {
    return { model: peft.getPeftModel(model, new peft.LoraConfig(spec.lora)), mode: `lora r=${spec.lora.r} ${spec.lora.targetModules.join(',')}` };
  }
  model.requiresGrad_(true);
  return { model, mode: 'full fine-tuning (this node-peft has no getPeftModel)' };
}

function batch(spec, device) {
  const opts = { dtype: 'int64', device };
  const inputIds = peft.randint(0, spec.config.vocab_size, [spec.batch, spec.seq], opts);
  const attentionMask = peft.ones([spec.batch, spec.seq], opts);
  const labels = spec.family === 'opt' ? inputIds : peft.randint(0, spec.config.num_labels, [spec.batch], opts);
  return { inputIds, attentionMask, labels };
}

/** One training step; reading a gradient back waits for the device to finish it. */
async function step(model, inputs, probe) {
  const { loss } = await model.forward(inputs);
  await loss.backwardAsync();
  const value = probe.grad.sum().item();
  for (const [, t] of model.namedParameters()) if (t.requiresGrad) t.zeroGrad();
  loss.dispose();
  return value;
}

async function measure(spec, settings, device) {
  const { model, mode } = buildModel(spec, settings.dtype, device);
  model.train();
  const trainable = model.namedParameters().filter(([, t]) => t.requiresGrad);
  const probe = trainable[trainable.length - 1][1];
  const inputs = batch(spec, device);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < settings.warmup; i++) await step(model, inputs, probe);
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < settings.steps; i++) await step(model, inputs, probe);
  const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
  const tokens = spec.batch * spec.seq * settings.steps;
  return {
    impl: 'node-peft', model: spec.name, mode, device, dtype: settings.dtype, batch: spec.batch, seq: spec.seq,
    steps: settings.steps, warmupSeconds: Number(t1 - t0) / 1e9, msPerStep: (seconds * 1000) / settings.steps,
    tokensPerSec: tokens / seconds, trainableParams: trainable.reduce((n, [, t]) => n + t.numel, 0),
    peakMemoryBytes: null, peakMemoryNote: 'not exposed by node-peft; see the nvidia-smi sample',
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const shapes = JSON.parse(fs.readFileSync(path.join(__dirname, 'shapes.json'), 'utf8'));
  const settings = args.device === 'cpu' ? shapes.cpu : shapes.gpu;
  if (args.device === 'cpu') console.log('bench.js: CPU DRY RUN with tiny shapes (no CUDA): the numbers say nothing about GPU speed');
  if (args.device !== 'cpu' && !peft.cuda.isAvailable()) throw new Error(`--device ${args.device}: this node-peft build has no CUDA (libtorch ${peft.versions().libtorch})`);
  peft.manualSeed(0);
  const results = [];
  for (const spec of settings.models) {
    if (args.only && spec.name !== args.only) continue;
    try {
      const r = await measure(spec, settings, args.device);
      console.log(`bench.js: ${r.model} [${r.mode}] ${r.dtype} ${r.batch}x${r.seq}: ${r.tokensPerSec.toFixed(0)} tokens/s, ${r.msPerStep.toFixed(1)} ms/step`);
      results.push(r);
    } catch (err) {
      console.error(`bench.js: ${spec.name} failed: ${err.stack || err}`);
      results.push({ impl: 'node-peft', model: spec.name, device: args.device, error: String(err.message || err) });
    }
  }
  const json = JSON.stringify({ impl: 'node-peft', libtorch: peft.versions().libtorch, dryRun: args.device === 'cpu', results }, null, 2);
  if (args.out) fs.writeFileSync(args.out, `${json}\n`);
  else console.log(json);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
