// How much of a model each method trains: full (everything), topN (the last N layers and the
// head), LoRA (PEFT's adapter); and the task read from a config.
import { describe, expect, it } from 'vitest';
import { BertConfig, BertForSequenceClassification, OPTConfig, OPTForCausalLM, PretrainedConfig } from '../../lib';
import { applyMethod, inferTask, parseMethod } from '../../lib/finetune';

const bert = () => BertForSequenceClassification.fromConfig(new BertConfig({ vocab_size: 50, hidden_size: 8, num_hidden_layers: 3, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16, num_labels: 3 }));
const opt = () => OPTForCausalLM.fromConfig(new OPTConfig({ vocab_size: 50, hidden_size: 8, ffn_dim: 16, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: 16, word_embed_proj_dim: 8 }));
const trainableModules = (names: [string, { requiresGrad: boolean }][]) => [...new Set(names.filter(([, t]) => t.requiresGrad).map(([n]) => n.split('.').slice(0, 4).join('.')))];

describe('methods', () => {
  it('parseMethod takes full, lora and topN', () => {
    expect(['full', 'lora', 'top1', 'top12'].map((m) => parseMethod(m))).toEqual(['full', 'lora', 'top1', 'top12']);
    for (const bad of ['top0', 'top', 'topx', 'LoRA', '']) expect(() => parseMethod(bad)).toThrow(/expected full, lora or topN/);
  });

  it('full trains every parameter', () => {
    const p = applyMethod(bert(), 'sequence-classification', 'full');
    expect(p.trainable).toBe(p.all);
    expect(p.peft).toBeNull();
  });

  it('topN trains the last N encoder layers and the classifier, nothing else', () => {
    const m = bert();
    const p = applyMethod(m, 'sequence-classification', 'top2');
    expect(trainableModules(m.namedParameters())).toEqual(['bert.encoder.layer.1', 'bert.encoder.layer.2', 'classifier.weight', 'classifier.bias']);
    expect(p.trainable).toBe(m.numParameters({ onlyTrainable: true }));
    expect(() => applyMethod(bert(), 'sequence-classification', 'top4')).toThrow('top4: the model has only 3 layers; use top1..top3 or full');
  });

  it('top1 on OPT trains the last decoder layer and the final LayerNorm, not the tied embeddings', () => {
    const m = opt();
    applyMethod(m, 'causal-lm', 'top1');
    expect(trainableModules(m.namedParameters()).sort()).toEqual(['model.decoder.final_layer_norm.bias', 'model.decoder.final_layer_norm.weight', 'model.decoder.layers.1']);
  });

  it("lora injects PEFT's adapter (classifier saved whole) and counts as PEFT does", () => {
    const p = applyMethod(bert(), 'sequence-classification', 'lora', { r: 2, alpha: 4 });
    expect(p.peft!.trainableParametersLine()).toMatch(new RegExp(`^trainable params: ${p.trainable.toLocaleString('en-US')} \\|\\|`));
    expect(p.peft!.peftConfig.get('default')!.modulesToSave).toEqual(['classifier', 'score']);
    // query and value of 3 layers: (8x2 + 2x8) each, plus the classifier copy (3x8 + 3)
    expect(p.trainable).toBe(6 * 32 + 27);
  });
});

describe('inferTask', () => {
  it("reads architectures, else the model type's task", () => {
    expect(inferTask(PretrainedConfig.create({ model_type: 'bert', architectures: ['BertForMaskedLM'] }))).toBe('sequence-classification');
    expect(inferTask(PretrainedConfig.create({ model_type: 'opt', architectures: ['OPTForCausalLM'] }))).toBe('causal-lm');
    expect(inferTask(PretrainedConfig.create({ model_type: 'opt' }))).toBe('causal-lm');
  });
});
