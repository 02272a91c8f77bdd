// LoraConfig options against PEFT's rules, with expected values computed by hand from the weights
// (W + scaling · B·A, PEFT's key names and bias rules) rather than from node-peft's own LoRA code:
// bias 'all' / 'lora_only', PEFT 0.3.0 bias keys, initLoraWeights, excludeModules, layersPattern,
// unload(), several active adapters.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForSequenceClassification, LoraConfig, OPTForCausalLM, PeftModel, getPeftModel } from '../../lib';
import { loadSafetensors, saveSafetensors } from '../../lib/io';
import { cases, expectClose, fixture, maxAbsDiff } from '../models/helpers';

const c = cases('bert-lora-default');
const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')! };
const base = () => BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
const dirs: string[] = [];
const tmp = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-opts-')); dirs.push(d); return d; };
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const params = (m: { namedParameters(): [string, torch.Tensor][] }) => new Map(m.namedParameters());
const wrapped = (peft: PeftModel) => peft.baseModel.namedModules().filter(([, m]) => m.type === 'lora.Linear').map(([n]) => n);
const QV = [0, 1].flatMap((l) => ['query', 'value'].map((m) => `bert.encoder.layer.${l}.attention.self.${m}`));

/** Gives every LoRA A and B of `adapter` a seeded random value (B starts at zero). */
function randomize(peft: PeftModel, seed: number, adapter = 'default'): void {
  torch.manualSeed(seed);
  torch.noGrad(() => {
    for (const [name, t] of peft.baseModel.namedParameters()) {
      if (name.includes(`.lora_A.${adapter}.`) || name.includes(`.lora_B.${adapter}.`)) t.copy_(torch.randn(t.shape).mul(0.1));
    }
  });
}

/** The trainable parameters' names, sorted. */
const trainable = (peft: PeftModel) => peft.baseModel.namedParameters().filter(([, t]) => t.requiresGrad).map(([n]) => n).sort();

describe("bias: 'all' and 'lora_only' (PEFT: every key containing 'bias' / the wrapped layers' biases)", () => {
  const loraKeys = QV.flatMap((m) => [`base_model.model.${m}.lora_A.weight`, `base_model.model.${m}.lora_B.weight`]);

  it("'all' saves every bias of the model beside the LoRA weights, a wrapped layer's under base_layer, and trains them", async () => {
    const plain = await base();
    const biases = plain.namedParameters().map(([n]) => n).filter((n) => n.endsWith('.bias'));
    expect(biases.length).toBeGreaterThan(10);
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8, bias: 'all' }));
    const asPeft = (n: string) => `base_model.model.${QV.some((m) => n === `${m}.bias`) ? n.replace(/\.bias$/, '.base_layer.bias') : n}`;
    const keys = [...peft.getAdapterStateDict().keys()].sort();
    expect(keys).toEqual([...loraKeys, ...biases.map(asPeft)].sort());
    const lora = peft.baseModel.namedParameters().map(([n]) => n).filter((n) => n.includes('.lora_'));
    expect(trainable(peft)).toEqual([...lora, ...biases.map((n) => asPeft(n).slice('base_model.model.'.length))].sort());
  });

  it("'all': trained biases are saved and restored by fromPretrained on a fresh base model", async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8, bias: 'all' }));
    randomize(peft, 11);
    const p = params(peft.baseModel);
    torch.noGrad(() => {
      p.get('bert.embeddings.LayerNorm.bias')!.add_(0.25);
      p.get('bert.encoder.layer.0.attention.self.query.base_layer.bias')!.sub_(0.5);
      p.get('classifier.bias')!.add_(1);
    });
    const logits = peft.forwardSync(inputs).logits;
    const dir = tmp();
    await peft.savePretrained(dir);
    const { tensors } = await loadSafetensors(path.join(dir, 'adapter_model.safetensors'));
    expectClose(tensors.get('base_model.model.bert.encoder.layer.0.attention.self.query.base_layer.bias')!, p.get('bert.encoder.layer.0.attention.self.query.base_layer.bias')!, 0, 'saved query bias');
    const again = await PeftModel.fromPretrained(await base(), dir);
    const q = params(again.baseModel);
    for (const name of ['bert.embeddings.LayerNorm.bias', 'bert.encoder.layer.0.attention.self.query.base_layer.bias', 'classifier.bias']) {
      expectClose(q.get(name)!, p.get(name)!, 0, name);
    }
    expectClose(again.forwardSync(inputs).logits, logits, 1e-6, 'logits after reload');
  });

  it("an adapter saved by PEFT 0.3.0 with bias 'all' (query.bias, no base_layer) loads its biases into base_layer", async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8, bias: 'all' }));
    randomize(peft, 12);
    torch.noGrad(() => params(peft.baseModel).get('bert.encoder.layer.1.attention.self.value.base_layer.bias')!.copy_(0.75));
    const dir = tmp();
    await peft.savePretrained(dir);
    const file = path.join(dir, 'adapter_model.safetensors');
    const { tensors } = await loadSafetensors(file);
    const old = new Map([...tensors].map(([k, t]) => [k.replace('.base_layer.bias', '.bias'), t.clone()]));
    expect(old.has('base_model.model.bert.encoder.layer.1.attention.self.value.bias')).toBe(true);
    fs.rmSync(file);
    await saveSafetensors(file, old, { format: 'pt' });
    const again = await PeftModel.fromPretrained(await base(), dir);
    const bias = params(again.baseModel).get('bert.encoder.layer.1.attention.self.value.base_layer.bias')!;
    expect((bias.toArray() as number[]).every((v) => v === 0.75)).toBe(true);
  });

  it("'lora_only' saves and trains only the wrapped layers' biases", async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8, bias: 'lora_only' }));
    const biasKeys = QV.map((m) => `base_model.model.${m}.base_layer.bias`);
    expect([...peft.getAdapterStateDict().keys()].sort()).toEqual([...loraKeys, ...biasKeys].sort());
    const lora = peft.baseModel.namedParameters().map(([n]) => n).filter((n) => n.includes('.lora_'));
    expect(trainable(peft)).toEqual([...lora, ...QV.map((m) => `${m}.base_layer.bias`)].sort());
  });

  it("'none' saves and trains no bias", async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8 }));
    expect([...peft.getAdapterStateDict().keys()].sort()).toEqual([...loraKeys].sort());
    expect(trainable(peft).every((n) => n.includes('.lora_'))).toBe(true);
  });
});

describe('initLoraWeights (PEFT reset_lora_parameters)', () => {
  const aAndB = (peft: PeftModel) => {
    const p = params(peft.baseModel);
    return { a: p.get('bert.encoder.layer.0.attention.self.query.lora_A.default.weight')!, b: p.get('bert.encoder.layer.0.attention.self.query.lora_B.default.weight')! };
  };
  const stats = (t: torch.Tensor) => {
    const v = (t.toArray() as number[][]).flat();
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    return { maxAbs: Math.max(...v.map(Math.abs)), std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1)) };
  };
  const bound = 1 / Math.sqrt(32); // kaiming_uniform_(a=sqrt(5)) on fan_in 32

  it('true: A is kaiming-uniform within ±1/sqrt(fan_in), B is zero, the outputs are the base model\'s', async () => {
    torch.manualSeed(3);
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8 }));
    const { a, b } = aAndB(peft);
    expect(stats(a).maxAbs).toBeLessThanOrEqual(bound);
    expect(stats(a).maxAbs).toBeGreaterThan(0.8 * bound);
    expect(stats(b).maxAbs).toBe(0);
    expectClose(peft.forwardSync(inputs).logits, c.get('logits_base')!, 1e-5, 'fresh adapter = base');
  });

  it("'gaussian': A ~ N(0, 1/r), B is zero", async () => {
    torch.manualSeed(4);
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8, initLoraWeights: 'gaussian' }));
    const { a, b } = aAndB(peft);
    const s = stats(a);
    expect(s.std).toBeGreaterThan(0.25 * 0.8);
    expect(s.std).toBeLessThan(0.25 * 1.2);
    expect(s.maxAbs).toBeGreaterThan(bound); // beyond what the uniform init can give
    expect(stats(b).maxAbs).toBe(0);
  });

  it('false: A and B keep nn.Linear\'s init (B non-zero, within ±1/sqrt(r)), so the adapter changes the outputs', async () => {
    torch.manualSeed(5);
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8, initLoraWeights: false }));
    const { a, b } = aAndB(peft);
    expect(stats(a).maxAbs).toBeLessThanOrEqual(bound);
    expect(stats(b).maxAbs).toBeGreaterThan(0);
    expect(stats(b).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(4));
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, c.get('logits_base')!)).toBeGreaterThan(1e-4);
  });
});

describe('which modules are wrapped', () => {
  it('excludeModules as a list removes modules matched by name or suffix', async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ targetModules: ['query', 'key', 'value'], excludeModules: ['key'] }));
    expect(wrapped(peft)).toEqual(QV);
  });

  it('excludeModules as a regex removes the modules it fully matches', async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ targetModules: ['query', 'value'], excludeModules: '.*layer\\.0\\..*' }));
    expect(wrapped(peft)).toEqual(QV.filter((n) => n.includes('layer.1.')));
    const partial = getPeftModel(await base(), new LoraConfig({ targetModules: ['query', 'value'], excludeModules: 'layer\\.0' }));
    expect(wrapped(partial)).toEqual(QV); // a regex must match the whole name
  });

  it('layersPattern picks the module list whose index layersToTransform selects', async () => {
    const layer1 = getPeftModel(await base(), new LoraConfig({ layersToTransform: 1, layersPattern: 'layer' }));
    expect(wrapped(layer1)).toEqual(QV.filter((n) => n.includes('layer.1.')));
    const listed = getPeftModel(await base(), new LoraConfig({ layersToTransform: [0, 1], layersPattern: ['layer'] }));
    expect(wrapped(listed)).toEqual(QV);
    await expect(async () => getPeftModel(await base(), new LoraConfig({ layersToTransform: [0], layersPattern: 'layers' }))).rejects.toThrow(/Target modules \{'query', 'value'\} not found/);
  });

  it("OPT: layersPattern 'layers' with layersToTransform [1] wraps only decoder layer 1", async () => {
    const opt = await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false });
    const peft = getPeftModel(opt, new LoraConfig({ layersToTransform: [1], layersPattern: 'layers' }));
    expect(wrapped(peft).sort()).toEqual(['model.decoder.layers.1.self_attn.q_proj', 'model.decoder.layers.1.self_attn.v_proj']);
  });
});

describe('unload and several active adapters', () => {
  it('unload() removes every LoRA module without merging: the base model\'s names and logits', async () => {
    const names = (await base()).namedParameters().map(([n]) => n);
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8 }));
    randomize(peft, 21);
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, c.get('logits_base')!)).toBeGreaterThan(1e-3);
    const model = peft.unload();
    expect(model.namedModules().some(([, m]) => m.type.startsWith('lora.'))).toBe(false);
    expect(model.namedParameters().map(([n]) => n)).toEqual(names);
    expectClose(model.forwardSync(inputs).logits, c.get('logits_base')!, 1e-5, 'logits after unload');
  });

  it('two active adapters add both deltas: logits equal a plain model with W + s_a·B_a·A_a + s_b·B_b·A_b', async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8 }), 'a');
    peft.addAdapter('b', new LoraConfig({ r: 2, loraAlpha: 6, targetModules: ['query'] }));
    randomize(peft, 31, 'a');
    randomize(peft, 32, 'b');
    const p = params(peft.baseModel);
    const reference = await base();
    const r = params(reference);
    torch.noGrad(() => {
      for (const m of QV) {
        const w = r.get(`${m}.weight`)!;
        w.add_(p.get(`${m}.lora_B.a.weight`)!.matmul(p.get(`${m}.lora_A.a.weight`)!).mul(8 / 4));
        if (m.endsWith('query')) w.add_(p.get(`${m}.lora_B.b.weight`)!.matmul(p.get(`${m}.lora_A.b.weight`)!).mul(6 / 2));
      }
    });
    peft.setAdapter(['a', 'b']);
    expect(peft.activeAdapters).toEqual(['a', 'b']);
    expectClose(peft.forwardSync(inputs).logits, reference.forwardSync(inputs).logits, 1e-5, 'a + b');
    peft.setAdapter('b');
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, reference.forwardSync(inputs).logits)).toBeGreaterThan(1e-4);
    // Merging both active adapters gives the same weights.
    peft.setAdapter(['a', 'b']);
    const merged = peft.mergeAndUnload();
    const q = params(merged);
    for (const m of QV) expectClose(q.get(`${m}.weight`)!, r.get(`${m}.weight`)!, 1e-6, `${m} merged`);
  });
});
