// The Trainer's view of its model (lib/train/target.ts), plain or LoRA: parameter names as
// transformers' Trainer sees them, transformers' num_parameters(exclude_embeddings=True), and
// save → load restoring the weights, with errors naming the checkpoint and the key at fault.
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { LoraConfig, getPeftModel, TaskType } from '../../lib';
import { trainTarget } from '../../lib/train/target';
import { maxDiff, snapshot, tinyBert, tinyOpt, tmpDir } from './helpers';

function perturb(named: [string, torch.Tensor][]): void {
  torch.noGrad(() => { for (const [, t] of named) t.add_(1); });
}

describe('trainTarget', () => {
  it("counts the parameters outside nn.Embedding as num_parameters(exclude_embeddings=True) does: BERT's three embedding tables, OPT's tokens and positions", () => {
    const bert = tinyBert();
    const all = bert.numParameters();
    // word (120) + position (64) + token type (2) tables of width 16; the embeddings' LayerNorm counts.
    expect(trainTarget(bert).nonEmbeddingParameters()).toBe(all - (120 + 64 + 2) * 16);
    const opt = tinyOpt();
    // OPT's learned positions have max_position_embeddings + 2 rows; lm_head is tied to embed_tokens.
    expect(trainTarget(opt).nonEmbeddingParameters()).toBe(opt.numParameters() - (120 + 64 + 2) * 16);
  });

  it('saves and loads a full model: the weights come back after being changed', async () => {
    const model = tinyBert(1);
    const target = trainTarget(model);
    expect(target.model).toBe(model);
    expect(target.peft).toBeNull();
    expect(target.namedParameters().map(([n]) => n)).toEqual(model.namedParameters().map(([n]) => n));
    const dir = tmpDir();
    await target.save(dir);
    const before = snapshot(model.namedParameters());
    perturb(model.namedParameters());
    await target.load(dir);
    for (const [name, after] of snapshot(model.namedParameters())) expect(maxDiff(after, before.get(name)!), name).toBe(0);
  });

  it('refuses a folder without model.safetensors, one lacking parameters, and one with a wrong shape, naming the folder and key', async () => {
    const target = trainTarget(tinyBert(2));
    const empty = tmpDir();
    await expect(target.load(empty)).rejects.toThrow(`no model.safetensors in ${empty}`);
    const small = tmpDir();
    await tinyBert(2, { num_hidden_layers: 1 }).savePretrained(small);
    // Three examples, comma-separated: the first parameters of layer 1 (16 of them are missing).
    await expect(target.load(small)).rejects.toThrow(`checkpoint ${small} lacks 16 parameters of the model, e.g. bert.encoder.layer.1.attention.self.query.weight, bert.encoder.layer.1.attention.self.query.bias, bert.encoder.layer.1.attention.self.key.weight`);
    const wide = tmpDir();
    await tinyBert(2, { num_labels: 5 }).savePretrained(wide);
    await expect(target.load(wide)).rejects.toThrow(`checkpoint ${wide}: classifier.bias has shape [5], the model has [3]`);
  });

  it('gives a PeftModel as its base model with PEFT names, and saves and loads only the adapter', async () => {
    const base = tinyBert(3);
    const peft = getPeftModel(base, new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 2, targetModules: ['query', 'value'] }));
    const target = trainTarget(peft);
    expect(target.model).toBe(peft.baseModel);
    expect(target.peft).toBe(peft);
    expect(target.namedParameters().every(([n]) => n.startsWith('base_model.model.'))).toBe(true);
    expect(target.nonEmbeddingParameters()).toBe(peft.baseModel.numParameters() - (120 + 64 + 2) * 16);
    const dir = tmpDir();
    await target.save(dir);
    expect(fs.existsSync(path.join(dir, 'adapter_model.safetensors'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'model.safetensors'))).toBe(false);
    const trainable = () => peft.namedParameters().filter(([, t]) => t.requiresGrad);
    const before = snapshot(trainable());
    perturb(trainable());
    await target.load(dir);
    for (const [name, after] of snapshot(trainable())) expect(maxDiff(after, before.get(name)!), name).toBe(0);
  });

  it('is a TypeError for something that is not a model', () => {
    expect(() => trainTarget({} as never)).toThrow(TypeError);
  });
});
