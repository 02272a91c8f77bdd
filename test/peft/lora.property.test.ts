// LoRA algebra for random shapes and settings (fast-check), against the formula rather than
// node-peft's own code: on the classifier (pooled output x), logits = W x + b + scaling · B A x with
// scaling = alpha / r (alpha / sqrt(r) with rsLoRA); merge adds scaling · B A to W; unmerge restores it.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import * as torch from '../../lib';
import { BertConfig, BertForSequenceClassification, LoraConfig, getPeftModel } from '../../lib';
import { maxAbsDiff } from '../models/helpers';
import { props } from '../property';

const setting = fc.record({
  heads: fc.integer({ min: 1, max: 3 }),
  headDim: fc.integer({ min: 1, max: 6 }),
  labels: fc.integer({ min: 1, max: 5 }),
  r: fc.integer({ min: 1, max: 8 }),
  alpha: fc.integer({ min: 1, max: 32 }),
  rslora: fc.boolean(),
  batch: fc.integer({ min: 1, max: 3 }),
  seq: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer({ min: 0, max: 10_000 }),
});

interface Setting { heads: number; headDim: number; labels: number; r: number; alpha: number; rslora: boolean; batch: number; seq: number; seed: number }

function model(s: Setting) {
  torch.manualSeed(s.seed);
  const hidden = s.heads * s.headDim;
  const base = BertForSequenceClassification.fromConfig(new BertConfig({
    vocab_size: 40, hidden_size: hidden, num_hidden_layers: 1, num_attention_heads: s.heads, intermediate_size: 8,
    max_position_embeddings: 8, num_labels: s.labels, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0,
  }));
  base.eval();
  const inputs = { inputIds: torch.randint(0, 40, [s.batch, s.seq]) };
  return { base, inputs, hidden };
}

const randomizeLora = (peft: { baseModel: { namedParameters(): [string, torch.Tensor][] } }) => torch.noGrad(() => {
  for (const [n, t] of peft.baseModel.namedParameters()) if (n.includes('.lora_')) t.copy_(torch.randn(t.shape).mul(0.3));
});

describe('LoRA for random shapes (classifier as the target, so its input is the pooled output)', () => {
  test.prop([setting], props(25))('forward = base + scaling · B·A·x', (s) => {
    const { base, inputs } = model(s);
    const before = base.forwardSync(inputs);
    const peft = getPeftModel(base, new LoraConfig({ targetModules: ['classifier'], r: s.r, loraAlpha: s.alpha, useRslora: s.rslora }));
    randomizeLora(peft);
    const p = new Map(peft.baseModel.namedParameters());
    const a = p.get('classifier.lora_A.default.weight')!;
    const b = p.get('classifier.lora_B.default.weight')!;
    const scaling = s.rslora ? s.alpha / Math.sqrt(s.r) : s.alpha / s.r;
    const x = before.poolerOutput!;
    const expected = before.logits.add(x.matmul(a.T).matmul(b.T).mul(scaling));
    const out = peft.forwardSync(inputs);
    expect(maxAbsDiff(out.logits, expected)).toBeLessThan(1e-4);
    expect(maxAbsDiff(out.poolerOutput!, x)).toBe(0); // LoRA on the head leaves the encoder alone
  });

  test.prop([setting, fc.constantFrom(['query'], ['query', 'value'], ['key', 'dense'], 'all-linear')], props(20))('merge adds scaling · B·A to every wrapped W (forward unchanged); unmerge restores W', (s, targets) => {
    const { base, inputs } = model(s);
    const peft = getPeftModel(base, new LoraConfig({ targetModules: targets, r: s.r, loraAlpha: s.alpha, useRslora: s.rslora }));
    randomizeLora(peft);
    const scaling = s.rslora ? s.alpha / Math.sqrt(s.r) : s.alpha / s.r;
    const p = new Map(peft.baseModel.namedParameters());
    const layers = [...p.keys()].filter((n) => n.endsWith('.lora_A.default.weight')).map((n) => n.slice(0, -'.lora_A.default.weight'.length));
    expect(layers.length).toBeGreaterThan(0);
    const w0 = new Map(layers.map((l) => [l, p.get(`${l}.base_layer.weight`)!.clone()]));
    const logits = peft.forwardSync(inputs).logits;
    peft.merge();
    for (const l of layers) {
      const delta = p.get(`${l}.lora_B.default.weight`)!.matmul(p.get(`${l}.lora_A.default.weight`)!).mul(scaling);
      expect(maxAbsDiff(p.get(`${l}.base_layer.weight`)!, w0.get(l)!.add(delta)), l).toBeLessThan(1e-5);
    }
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, logits)).toBeLessThan(1e-4);
    peft.unmerge();
    for (const l of layers) expect(maxAbsDiff(p.get(`${l}.base_layer.weight`)!, w0.get(l)!), l).toBeLessThan(1e-6);
    expect(peft.merged).toBe(false);
  });
});
