'use strict';
// Smoke test through an installed node-peft (scripts/pack-smoke.sh copies it next to the install
// and runs `node smoke.js prebuild|source`): which binary loaded, a tiny BERT forward with labels,
// backward, save and reload with identical logits, and — when the package exports getPeftModel —
// the LoRA round trip (r=4 on query/value, one step, adapter save, PeftModel.fromPretrained).
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const peft = require('node-peft');

const { BertForSequenceClassification, bertConfig } = peft;
const CONFIG = {
  vocab_size: 100, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4,
  intermediate_size: 64, max_position_embeddings: 64, num_labels: 3,
};

function log(msg) {
  console.log(`smoke: ${msg}`);
}

/** The addon file mapped into this process, from /proc/self/maps. */
function loadedAddon() {
  const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\n');
  const hit = maps.map((l) => l.slice(l.indexOf('/'))).find((f) => /\/(node-peft|node_peft)[^/]*\.node$/.test(f));
  assert.ok(hit, 'no node-peft addon is mapped into this process');
  return hit;
}

function maxAbsDiff(a, b) {
  return a.sub(b).abs().max().item();
}

async function checkLogitsEqual(label, model, reloaded, inputs) {
  model.eval();
  reloaded.eval();
  const a = (await model.forward(inputs)).logits;
  const b = (await reloaded.forward(inputs)).logits;
  const diff = maxAbsDiff(a, b);
  assert.ok(diff <= 1e-6, `${label}: reloaded logits differ by ${diff}`);
  log(`${label}: reloaded logits equal the originals (max |diff| ${diff})`);
}

function loraConfig() {
  const fields = { r: 4, loraAlpha: 8, targetModules: ['query', 'value'], taskType: 'SEQ_CLS' };
  if (typeof peft.LoraConfig === 'function') return new peft.LoraConfig(fields);
  return fields;
}

async function loraRoundTrip(tmp, inputs, labels) {
  const baseDir = path.join(tmp, 'base');
  const base = BertForSequenceClassification.fromConfig(bertConfig(CONFIG));
  await base.savePretrained(baseDir);
  const model = peft.getPeftModel(base, loraConfig());
  const trainable = model.namedParameters().filter(([, t]) => t.requiresGrad);
  assert.ok(trainable.some(([n]) => /lora_A/.test(n)) && trainable.some(([n]) => /lora_B/.test(n)), 'no LoRA parameters are trainable');
  model.train();
  const { loss } = await model.forward({ ...inputs, labels });
  await loss.backwardAsync();
  peft.noGrad(() => {
    for (const [name, t] of trainable) {
      assert.ok(t.grad, `LoRA parameter ${name} has no grad`);
      t.sub_(t.grad.mul(0.5));
    }
  });
  model.eval();
  const moved = maxAbsDiff((await model.forward(inputs)).logits, (await model.disableAdapter(() => model.forward(inputs))).logits);
  assert.ok(moved > 0, 'the trained adapter does not change the logits');
  log(`LoRA r=4 on query/value, one step: logits moved by up to ${moved.toExponential(2)} from the base model's`);
  const adapterDir = path.join(tmp, 'adapter');
  await model.savePretrained(adapterDir);
  assert.ok(fs.existsSync(path.join(adapterDir, 'adapter_config.json')), 'adapter_config.json was not written');
  const again = await peft.PeftModel.fromPretrained(await BertForSequenceClassification.fromPretrained(baseDir), adapterDir);
  await checkLogitsEqual('LoRA adapter', model, again, inputs);
}

async function main() {
  const expect = process.argv[2];
  const addon = loadedAddon();
  log(`addon ${addon}; libtorch ${peft.versions().libtorch}; LD_LIBRARY_PATH=${process.env.LD_LIBRARY_PATH || '(unset)'}`);
  if (expect === 'prebuild') assert.match(addon, /\/prebuilds\/linux-x64\/[^/]+\.node$/, 'expected the prebuilt binary');
  if (expect === 'source') assert.match(addon, /\/build\/Release\/node_peft\.node$/, 'expected the binary built from source');

  peft.manualSeed(0);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-smoke-'));
  try {
    const model = BertForSequenceClassification.fromConfig(bertConfig(CONFIG));
    // As in transformers, a freshly built model's parameters are trainable.
    const frozen = model.namedParameters().filter(([, t]) => !t.requiresGrad).map(([n]) => n);
    assert.deepStrictEqual(frozen, [], `fromConfig returned frozen parameters: ${frozen.join(', ')}`);
    const inputs = { inputIds: peft.randint(1, 100, [2, 8], { dtype: 'int64' }), attentionMask: peft.ones([2, 8], { dtype: 'int64' }) };
    const labels = peft.tensor([0, 2], { dtype: 'int64' });
    const out = await model.forward({ ...inputs, labels });
    assert.deepStrictEqual(out.logits.shape, [2, 3]);
    assert.ok(out.loss && Number.isFinite(out.loss.item()), 'no finite loss');
    await out.loss.backwardAsync();
    const params = model.namedParameters();
    const missing = params.filter(([, t]) => !t.grad).map(([n]) => n);
    assert.deepStrictEqual(missing, [], `parameters without grad: ${missing.join(', ')}`);
    const gradNorm = params.reduce((s, [, t]) => s + t.grad.pow(2).sum().item(), 0);
    assert.ok(gradNorm > 0 && Number.isFinite(gradNorm), `bad gradient norm ${gradNorm}`);
    log(`forward+backward: loss ${out.loss.item().toFixed(4)}, ${params.length} parameters with grads (sum of squares ${gradNorm.toExponential(2)})`);

    const dir = path.join(tmp, 'bert');
    await model.savePretrained(dir);
    const reloaded = await BertForSequenceClassification.fromPretrained(dir);
    await checkLogitsEqual('savePretrained/fromPretrained', model, reloaded, inputs);

    if (typeof peft.getPeftModel === 'function') await loraRoundTrip(tmp, inputs, labels);
    else log('LoRA round trip skipped: this node-peft does not export getPeftModel yet');
    log('OK');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
