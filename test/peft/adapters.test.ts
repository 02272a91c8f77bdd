// Adapter round trips, several adapters on one model, and bad input.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForSequenceClassification, LoraConfig, PeftModel, TaskType, getPeftModel } from '../../lib';
import { readSafetensorsHeader } from '../../lib/io';
import { cases, expectClose, fixture, maxAbsDiff } from '../models/helpers';

const c = cases('bert-lora-default');
const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')! };
const base = () => BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-'));
const seqCls = (extra: Partial<ConstructorParameters<typeof LoraConfig>[0]> = {}) => new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraAlpha: 8, ...extra });

/** Gives every LoRA B a random value so an adapter changes the outputs. */
function randomizeB(peft: PeftModel, seed: number): void {
  torch.manualSeed(seed);
  torch.noGrad(() => {
    for (const [name, t] of peft.baseModel.namedParameters()) if (name.includes('.lora_B.') || name.includes('.modules_to_save.')) t.copy_(torch.randn(t.shape).mul(0.05));
  });
}

describe('savePretrained / fromPretrained', () => {
  it('writes exactly the keys, shapes and config fields PEFT 0.13.2 writes, and reloads to identical logits', async () => {
    const peft = getPeftModel(await base(), seqCls());
    randomizeB(peft, 1);
    const logits = peft.forwardSync(inputs).logits;
    const dir = tmp();
    await peft.savePretrained(dir);
    const ours = readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
    const theirs = readSafetensorsHeader(fixture('bert-lora-peft013', 'adapter', 'adapter_model.safetensors'));
    expect(ours.metadata).toEqual(theirs.metadata);
    const layout = (h: typeof ours) => Object.fromEntries([...h.tensors].map(([name, e]) => [name, [e.dtype, e.shape]]));
    expect(layout(ours)).toEqual(layout(theirs));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
    const reference = JSON.parse(fs.readFileSync(fixture('bert-lora-peft013', 'adapter', 'adapter_config.json'), 'utf8'));
    expect(Object.keys(config).sort()).toEqual(Object.keys(reference).sort());
    for (const key of ['r', 'lora_alpha', 'lora_dropout', 'bias', 'modules_to_save', 'peft_type', 'task_type', 'target_modules', 'inference_mode', 'use_rslora', 'init_lora_weights']) {
      expect(config[key], key).toEqual(reference[key]);
    }
    const again = await PeftModel.fromPretrained(await base(), dir);
    expect(maxAbsDiff(again.forwardSync(inputs).logits, logits)).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('non-default adapters go to dir/<name>/; selectedAdapters picks which', async () => {
    const peft = getPeftModel(await base(), seqCls());
    peft.addAdapter('other', seqCls({ r: 2 }));
    const dir = tmp();
    await peft.savePretrained(dir);
    expect(fs.existsSync(path.join(dir, 'adapter_model.safetensors'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'other', 'adapter_config.json'), 'utf8')).r).toBe(2);
    const only = tmp();
    await peft.savePretrained(only, { selectedAdapters: ['other'] });
    expect(fs.readdirSync(only)).toEqual(['other']);
  });
});

describe('several adapters on one base model', () => {
  it('switching changes the outputs to each adapter\'s own; disableAdapter gives the base', async () => {
    const peft = getPeftModel(await base(), seqCls());
    randomizeB(peft, 2);
    const dirA = tmp();
    await peft.savePretrained(dirA);
    const logitsA = peft.forwardSync(inputs).logits;
    const dirB = tmp();
    const other = getPeftModel(await base(), seqCls({ r: 8, loraAlpha: 16 }));
    randomizeB(other, 3);
    await other.savePretrained(dirB);
    const logitsB = other.forwardSync(inputs).logits;

    await peft.loadAdapter(dirB, 'b');
    expect(peft.activeAdapter).toBe('default');
    expectClose(peft.forwardSync(inputs).logits, logitsA, 1e-6, 'adapter a');
    peft.setAdapter('b');
    expectClose(peft.forwardSync(inputs).logits, logitsB, 1e-6, 'adapter b');
    peft.setAdapter('default');
    expectClose((await peft.forward(inputs)).logits, logitsA, 1e-6, 'back to a');
    expectClose(peft.disableAdapter(() => peft.forwardSync(inputs)).logits, c.get('logits_base')!, 1e-5, 'base');
    peft.deleteAdapter('b');
    expect([...peft.peftConfig.keys()]).toEqual(['default']);
    expect(() => peft.setAdapter('b')).toThrow(/adapter 'b' does not exist/);
  });

  it('only the new adapter trains when loaded with isTrainable', async () => {
    const peft = getPeftModel(await base(), seqCls());
    const dir = tmp();
    await peft.savePretrained(dir);
    await peft.loadAdapter(dir, 'frozen');
    const trainable = peft.baseModel.namedParameters().filter(([, t]) => t.requiresGrad).map(([n]) => n);
    expect(trainable.every((n) => n.includes('.default.'))).toBe(true);
    await peft.loadAdapter(dir, 'live', { isTrainable: true });
    expect(peft.baseModel.namedParameters().some(([n, t]) => n.includes('.live.') && t.requiresGrad)).toBe(true);
  });
});

describe('LoRA layer behaviour', () => {
  it('scaling is alpha / r, or alpha / sqrt(r) with rsLoRA', async () => {
    const run = async (useRslora: boolean) => {
      const peft = getPeftModel(await base(), new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraAlpha: 8, useRslora, targetModules: ['query'] }));
      randomizeB(peft, 4);
      const q = peft.baseModel.getSubmodule('bert.encoder.layer.0.attention.self.query');
      const [, a] = q.namedParameters().find(([n]) => n === 'lora_A.default.weight')!;
      const [, b] = q.namedParameters().find(([n]) => n === 'lora_B.default.weight')!;
      const [, w] = q.namedParameters().find(([n]) => n === 'base_layer.weight')!;
      const before = w.clone();
      peft.merge();
      return torch.tidy(() => w.sub(before).sub(b.matmul(a).mul(useRslora ? 8 / 2 : 8 / 4)).abs().max().item() as number);
    };
    expect(await run(false)).toBeLessThan(1e-6);
    expect(await run(true)).toBeLessThan(1e-6);
  });

  it('rankPattern and alphaPattern override r and alpha per module: shapes, and merge adds B·A·alpha/r with the module\'s own values', async () => {
    const run = async (useRslora: boolean) => {
      const peft = getPeftModel(await base(), new LoraConfig({ r: 4, loraAlpha: 8, useRslora, targetModules: ['query', 'value'], rankPattern: { value: 2 }, alphaPattern: { value: 6 } }));
      const shape = (p: string) => peft.baseModel.getSubmodule(p).namedParameters()[0][1].shape;
      expect(shape('bert.encoder.layer.0.attention.self.query.lora_A.default')).toEqual([4, 32]);
      expect(shape('bert.encoder.layer.0.attention.self.value.lora_A.default')).toEqual([2, 32]);
      expect(shape('bert.encoder.layer.1.attention.self.value.lora_B.default')).toEqual([32, 2]);
      torch.manualSeed(6);
      torch.noGrad(() => {
        for (const [name, t] of peft.baseModel.namedParameters()) if (name.includes('.lora_')) t.copy_(torch.randn(t.shape).mul(0.1));
      });
      const deltas: Record<string, number> = {};
      for (const m of ['query', 'value']) {
        const layer = peft.baseModel.getSubmodule(`bert.encoder.layer.1.attention.self.${m}`);
        const get = (n: string) => layer.namedParameters().find(([k]) => k === n)![1];
        const w = get('base_layer.weight');
        const before = w.clone();
        const ba = get('lora_B.default.weight').matmul(get('lora_A.default.weight'));
        peft.merge();
        // The scaling the merge used, recovered from the weights: (W' - W) = s · B·A.
        deltas[m] = torch.tidy(() => (w.sub(before).mul(ba).sum().item() as number) / (ba.mul(ba).sum().item() as number));
        peft.unmerge();
      }
      return deltas;
    };
    const plain = await run(false);
    expect(plain.query).toBeCloseTo(8 / 4, 5);
    expect(plain.value).toBeCloseTo(6 / 2, 5);
    const rs = await run(true);
    expect(rs.query).toBeCloseTo(8 / Math.sqrt(4), 5);
    expect(rs.value).toBeCloseTo(6 / Math.sqrt(2), 5);
  });

  it('targets by regex, all-linear and layersToTransform', async () => {
    const wrapped = (peft: PeftModel) => peft.baseModel.namedModules().filter(([, m]) => m.type === 'lora.Linear').map(([n]) => n);
    const regex = getPeftModel(await base(), new LoraConfig({ targetModules: '.*layer\\.1\\.attention\\.self\\.(key|value)' }));
    expect(wrapped(regex)).toEqual(['bert.encoder.layer.1.attention.self.key', 'bert.encoder.layer.1.attention.self.value']);
    const all = getPeftModel(await base(), new LoraConfig({ targetModules: 'all-linear' }));
    expect(wrapped(all)).toHaveLength(2 * 6 + 1); // q, k, v, attention.output, intermediate, output per layer + pooler
    const layer0 = getPeftModel(await base(), new LoraConfig({ layersToTransform: [0] }));
    expect(wrapped(layer0)).toEqual(['bert.encoder.layer.0.attention.self.query', 'bert.encoder.layer.0.attention.self.value']);
  });

  it('dropout applies to the LoRA branch only, and only in training', async () => {
    // Base dropouts off, so that any randomness in training mode comes from lora_dropout.
    const noBaseDropout = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    const model = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false, config: noBaseDropout });
    const peft = getPeftModel(model, new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraDropout: 0.5 }));
    expect(String(peft.baseModel.bert.encoder.layer[0].attention.self.query.lora_dropout)).toBe('ModuleDict(\n  (default): Dropout(p=0.5, inplace=False)\n)');
    // B = 0: the LoRA branch adds nothing, so training mode must give the base logits exactly (no dropout on the base path).
    peft.train();
    torch.manualSeed(1);
    expectClose(peft.forwardSync(inputs).logits, c.get('logits_base')!, 1e-5, 'train mode, B = 0');
    randomizeB(peft, 8);
    peft.eval();
    const evalA = peft.forwardSync(inputs).logits;
    const evalB = peft.forwardSync(inputs).logits;
    expect(maxAbsDiff(evalA, evalB)).toBe(0);
    expect(maxAbsDiff(evalA, c.get('logits_base')!)).toBeGreaterThan(1e-3);
    peft.train();
    torch.manualSeed(2);
    const trainA = peft.forwardSync(inputs).logits;
    const trainB = peft.forwardSync(inputs).logits;
    expect(maxAbsDiff(trainA, trainB)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(trainA, evalA)).toBeGreaterThan(1e-4);
    // With the adapter disabled, training mode is deterministic again: only the LoRA branch drops.
    const off = peft.disableAdapter(() => [peft.forwardSync(inputs).logits, peft.forwardSync(inputs).logits]);
    expect(maxAbsDiff(off[0], off[1])).toBe(0);
    expectClose(off[0], c.get('logits_base')!, 1e-5, 'train mode, adapter disabled');
  });
});

describe('bad input', () => {
  it('rejects misspelled and invalid LoraConfig options by name', () => {
    expect(() => new LoraConfig({ rank: 4 } as never)).toThrow(/unknown option 'rank'/);
    expect(() => new LoraConfig({ r: 0 })).toThrow(/LoraConfig.r: expected a positive integer, received 0/);
    expect(() => new LoraConfig({ bias: 'some' as never })).toThrow(/LoraConfig.bias/);
    expect(() => new LoraConfig({ loraDropout: 1 })).toThrow(/loraDropout/);
    expect(() => new LoraConfig({ initLoraWeights: 'pissa' as never })).toThrow(/initLoraWeights/);
  });

  it('an unknown target module is an error, not a silent no-op', async () => {
    await expect(async () => getPeftModel(await base(), new LoraConfig({ targetModules: ['qkv'] }))).rejects.toThrow(/Target modules \{'qkv'\} not found in the base model/);
    await expect(async () => getPeftModel(await base(), new LoraConfig({ targetModules: ['attention'] }))).rejects.toThrow(/not supported/);
  });

  it('wrong r in the config versus the tensors names the key and both shapes', async () => {
    const dir = tmp();
    fs.copyFileSync(fixture('bert-lora-peft013', 'adapter', 'adapter_model.safetensors'), path.join(dir, 'adapter_model.safetensors'));
    const config = JSON.parse(fs.readFileSync(fixture('bert-lora-peft013', 'adapter', 'adapter_config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...config, r: 8 }));
    await expect(PeftModel.fromPretrained(await base(), dir)).rejects.toThrow(/size mismatch for base_model\.model\.bert\.encoder\.layer\.0\.attention\.self\.query\.lora_A\.weight.*\[4,32\].*\[8,32\]/);
  });

  it('missing keys in the adapter file are named', async () => {
    const peft = getPeftModel(await base(), seqCls({ targetModules: ['query'] }));
    const dir = tmp();
    await peft.savePretrained(dir);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...config, target_modules: ['query', 'key'] }));
    await expect(PeftModel.fromPretrained(await base(), dir)).rejects.toThrow(/missing keys in .*attention\.self\.key\.lora_A\.default\.weight/);
  });

  it('safeMerge refuses an adapter with non-finite weights and leaves the base untouched', async () => {
    const peft = getPeftModel(await base(), seqCls());
    const q = peft.baseModel.getSubmodule('bert.encoder.layer.0.attention.self.query');
    const [, b] = q.namedParameters().find(([n]) => n === 'lora_B.default.weight')!;
    const [, w] = q.namedParameters().find(([n]) => n === 'base_layer.weight')!;
    const before = w.clone();
    torch.noGrad(() => b.copy_(NaN));
    expect(() => peft.merge(undefined, { safeMerge: true })).toThrow(/NaNs detected in the merged weights/);
    expect(maxAbsDiff(w, before)).toBe(0);
  });

  it('a missing adapter folder or config says where it looked', async () => {
    await expect(PeftModel.fromPretrained(await base(), '/nonexistent/adapter')).rejects.toThrow(/\/nonexistent\/adapter\/adapter_config.json/);
  });
});

describe('partial fine-tuning without LoRA', () => {
  it('freeze all of model.bert, then unfreeze the last encoder layer', async () => {
    const model = await base();
    model.bert.requiresGrad_(false);
    model.bert.encoder.layer[-1].requiresGrad_(true);
    const trainable = model.namedParameters().filter(([, t]) => t.requiresGrad).map(([n]) => n);
    expect(trainable.every((n) => n.startsWith('bert.encoder.layer.1.') || n.startsWith('classifier.'))).toBe(true);
    expect(trainable.some((n) => n.startsWith('bert.encoder.layer.1.'))).toBe(true);
    model.train();
    const out = await model.forward({ ...inputs, labels: c.get('labels')! });
    await out.loss!.backwardAsync();
    const grads = model.namedParameters().filter(([, t]) => t.grad !== null).map(([n]) => n);
    expect(grads.sort()).toEqual(trainable.sort());
  });
});

describe('fanInFanOut', () => {
  it('is turned off for Linear targets with PEFT\'s warning, and the adapter still works', async () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (m: string) => warnings.push(m);
    try {
      const peft = getPeftModel(await base(), seqCls({ fanInFanOut: true }));
      expect(peft.peftConfig.get('default')!.fanInFanOut).toBe(false);
      randomizeB(peft, 9);
      expect(peft.forwardSync(inputs).logits.shape).toEqual([3, 3]);
    } finally {
      console.warn = original;
    }
    expect(warnings.some((w) => w.includes('Setting fan_in_fan_out to False'))).toBe(true);
  });
});
