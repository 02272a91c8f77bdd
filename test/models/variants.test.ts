// Model variants and options the fixtures do not cover directly: checked against the
// fixture model itself (a saved, converted or re-keyed copy must give the same outputs) and
// against formulas computed in the test.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForMaskedLM, BertForSequenceClassification, OPTForCausalLM, bertConfig, optConfig, F } from '../../lib';
import { loadSafetensorsSync, saveSafetensorsSync } from '../../lib/io';
import { cases, expectClose, fixture, maxAbsDiff } from './helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-variant-'));
const c = cases('bert-seqcls');
const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')! };

describe('checkpoint key variants', () => {
  it('old LayerNorm.gamma/beta names load like weight/bias', async () => {
    const dir = tmp();
    fs.copyFileSync(fixture('bert-seqcls', 'config.json'), path.join(dir, 'config.json'));
    const { tensors } = loadSafetensorsSync(fixture('bert-seqcls', 'model.safetensors'));
    const renamed = new Map([...tensors].map(([k, t]) => [k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), t]));
    expect([...renamed.keys()].some((k) => k.endsWith('gamma'))).toBe(true);
    saveSafetensorsSync(path.join(dir, 'model.safetensors'), renamed, { format: 'pt' });
    const model = await BertForSequenceClassification.fromPretrained(dir, { warn: false });
    expect(model.loadingInfo).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectClose(model.forwardSync(inputs).logits, c.get('logits')!, 1e-5, 'logits');
  });

  it('a checkpoint without the bert. prefix (saved from BertModel) fills the base and reports the head as missing', async () => {
    const dir = tmp();
    fs.copyFileSync(fixture('bert-seqcls', 'config.json'), path.join(dir, 'config.json'));
    const { tensors } = loadSafetensorsSync(fixture('bert-seqcls', 'model.safetensors'));
    const bare = new Map([...tensors].filter(([k]) => k.startsWith('bert.')).map(([k, t]) => [k.slice(5), t]));
    saveSafetensorsSync(path.join(dir, 'model.safetensors'), bare, { format: 'pt' });
    const model = await BertForSequenceClassification.fromPretrained(dir, { warn: false });
    expect(model.loadingInfo.missingKeys.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    expectClose(model.forwardSync(inputs).poolerOutput!, c.get('pooler_output')!, 1e-5, 'pooler_output');
  });
});

describe('dtype, device and autocast', () => {
  it('loads in bfloat16 and float16; to() converts in place and keeps ties', async () => {
    for (const dtype of ['bfloat16', 'float16'] as const) {
      const model = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { dtype, warn: false });
      expect(model.namedParameters().every(([, t]) => t.dtype === dtype)).toBe(true);
      if (dtype === 'bfloat16') expectClose(model.forwardSync(inputs).logits, c.get('logits')!, 0.1, 'bf16 logits');
    }
    const opt = await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false });
    opt.to('bfloat16');
    const sd = opt.stateDict();
    expect(sd.get('lm_head.weight')!.dtype).toBe('bfloat16');
    torch.noGrad(() => sd.get('lm_head.weight')!.mul_(2));
    expect(maxAbsDiff(sd.get('lm_head.weight')!, sd.get('model.decoder.embed_tokens.weight')!)).toBe(0);
  });

  it('CPU bfloat16 autocast runs the matmuls in bf16 and stays close to float32', async () => {
    const model = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { warn: false });
    const mixed = await model.forward({ ...inputs, autocast: 'bfloat16' });
    expect(mixed.logits.dtype).toBe('bfloat16');
    expectClose(mixed.logits, c.get('logits')!, 0.1, 'autocast logits');
    expect(model.forwardSync(inputs).logits.dtype).toBe('float32');
  });
});

describe('heads and architecture variants', () => {
  it('sequence classification losses: regression (MSE) and multi-label (BCE) as transformers picks them', async () => {
    const model = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { warn: false });
    const logits = model.forwardSync(inputs).logits;
    const targets = torch.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0]]);
    const multi = model.forwardSync({ ...inputs, labels: targets }).loss!;
    expectClose(multi, F.binaryCrossEntropyWithLogits(logits, targets), 1e-6, 'multi-label loss');
    const single = await BertForSequenceClassification.fromConfig(bertConfig({ vocab_size: 1000, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 64, max_position_embeddings: 64, num_labels: 1 }));
    single.eval();
    const y = torch.tensor([0.5, -1, 2]);
    const out = single.forwardSync({ ...inputs, labels: y });
    expectClose(out.loss!, F.mseLoss(out.logits.squeeze(), y), 1e-6, 'regression loss');
  });

  it('BertForMaskedLM ties the decoder to the word embeddings and computes the MLM loss', () => {
    const model = BertForMaskedLM.fromConfig(bertConfig({ vocab_size: 100, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16 }));
    const sd = model.stateDict();
    torch.noGrad(() => sd.get('bert.embeddings.word_embeddings.weight')!.add_(1));
    expect(maxAbsDiff(sd.get('cls.predictions.decoder.weight')!, sd.get('bert.embeddings.word_embeddings.weight')!)).toBe(0);
    expect(model.namedParameters().some(([n]) => n === 'cls.predictions.decoder.weight')).toBe(false);
    model.eval();
    const ids = torch.randint(0, 100, [2, 8]);
    const labels = torch.where(torch.rand([2, 8]).lt(0.3), ids, -100);
    const out = model.forwardSync({ inputIds: ids, labels });
    expect(out.logits.shape).toEqual([2, 8, 100]);
    expectClose(out.loss!, F.crossEntropy(out.logits.reshape(-1, 100), labels.reshape(-1)), 1e-6, 'mlm loss');
  });

  it('OPT with word_embed_proj_dim != hidden_size (opt-350m) has project_in/out; post-LayerNorm works', () => {
    const model = OPTForCausalLM.fromConfig(optConfig({ vocab_size: 64, hidden_size: 32, word_embed_proj_dim: 16, ffn_dim: 64, num_hidden_layers: 2, num_attention_heads: 4, max_position_embeddings: 32, do_layer_norm_before: false }));
    const names = model.namedModules().map(([n]) => n);
    expect(names).toContain('model.decoder.project_in');
    expect(names).toContain('model.decoder.project_out');
    expect(names).not.toContain('model.decoder.final_layer_norm');
    model.eval();
    const out = model.forwardSync({ inputIds: torch.randint(3, 64, [2, 5]) });
    expect(out.logits.shape).toEqual([2, 5, 64]);
    expect(out.lastHiddenState.shape).toEqual([2, 5, 16]);
  });
});
