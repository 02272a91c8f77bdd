// savePretrained writes what transformers writes, and reloads bit-identically.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { BertForSequenceClassification, OPTForCausalLM, AutoModelForCausalLM, AutoModel, bertConfig } from '../../lib';
import { readSafetensorsHeader } from '../../lib/io';
import { fixture, maxAbsDiff } from './helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-model-'));
const layout = (file: string) => Object.fromEntries([...readSafetensorsHeader(file).tensors].map(([n, e]) => [n, [e.dtype, e.shape]]));

describe('savePretrained', () => {
  for (const [folder, cls] of [['bert-seqcls', BertForSequenceClassification], ['opt-causal', OPTForCausalLM]] as const) {
    it(`${folder}: same keys, dtypes, shapes and config fields as the transformers checkpoint; bit-identical reload`, async () => {
      const model = await (cls as typeof BertForSequenceClassification).fromPretrained(fixture(folder), { warn: false });
      const dir = tmp();
      await model.savePretrained(dir);
      expect(layout(path.join(dir, 'model.safetensors'))).toEqual(layout(fixture(folder, 'model.safetensors')));
      expect(readSafetensorsHeader(path.join(dir, 'model.safetensors')).metadata).toEqual({ format: 'pt' });
      const ours = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      const theirs = JSON.parse(fs.readFileSync(fixture(folder, 'config.json'), 'utf8'));
      expect(ours).toEqual(theirs);
      const again = await (cls as typeof BertForSequenceClassification).fromPretrained(dir, { warn: false });
      const before = model.stateDict();
      for (const [name, t] of again.stateDict()) expect(maxAbsDiff(t, before.get(name)!), name).toBe(0);
    });
  }

  it('a model built from a config has freshly initialised weights and saves a loadable folder', async () => {
    const model = BertForSequenceClassification.fromConfig(bertConfig({ vocab_size: 50, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16, num_labels: 4 }));
    expect(model.config.numLabels).toBe(4);
    const dir = tmp();
    await model.savePretrained(dir);
    const again = await AutoModel.fromPretrained(dir, { warn: false });
    expect(again.type).toBe('BertModel');
    expect(again.loadingInfo.unexpectedKeys.sort()).toEqual(['classifier.bias', 'classifier.weight']);
  });

  it('Auto classes pick the class from model_type and refuse what they cannot build', async () => {
    expect((await AutoModelForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false })).type).toBe('OPTForCausalLM');
    await expect(AutoModelForCausalLM.fromPretrained(fixture('bert-seqcls'))).rejects.toThrow(/no model class for model_type 'bert'/);
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt_neox' }));
    await expect(AutoModel.fromPretrained(dir)).rejects.toThrow(/unsupported model_type "gpt_neox"/);
    fs.writeFileSync(path.join(dir, 'config.json'), '{"model_type": "bert",');
    await expect(AutoModel.fromPretrained(dir)).rejects.toThrow(/malformed JSON in .*config.json/);
  });

  it('a shape mismatch in a required weight names the key and both shapes', async () => {
    await expect(BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { config: { hidden_size: 64, intermediate_size: 64 }, warn: false }))
      .rejects.toThrow(/size mismatch for bert\.embeddings\.word_embeddings\.weight: copying a param with shape \[1000, 32\] from checkpoint, the shape in current model is \[1000, 64\]/);
  });

  it('another numLabels fails as in transformers, or re-initialises the head with ignoreMismatchedSizes', async () => {
    await expect(BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { numLabels: 5, warn: false })).rejects.toThrow(/classifier\.(weight|bias).*\[3.*\[5/);
    const model = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { numLabels: 5, ignoreMismatchedSizes: true, warn: false });
    expect(model.loadingInfo.mismatchedKeys!.map(([k]) => k).sort()).toEqual(['classifier.bias', 'classifier.weight']);
    expect(model.loadingInfo.missingKeys).toEqual([]);
    expect(model.getSubmodule('classifier').namedParameters()[0][1].shape).toEqual([5, 32]);
  });
});

describe('typed configs', () => {
  it('config.json becomes a BertConfig / OPTConfig with transformers defaults for missing fields', async () => {
    const { BertConfig, OPTConfig, PretrainedConfig } = await import('../../lib');
    const bert = PretrainedConfig.fromPretrained(fixture('bert-seqcls'));
    expect(bert).toBeInstanceOf(BertConfig);
    expect((bert as InstanceType<typeof BertConfig>).hiddenSize).toBe(32);
    expect(bert.numLabels).toBe(3);
    const opt = PretrainedConfig.fromPretrained(fixture('opt-causal'));
    expect(opt).toBeInstanceOf(OPTConfig);
    expect((opt as InstanceType<typeof OPTConfig>).wordEmbedProjDim).toBe(32);
    const defaults = new BertConfig({ hidden_size: 128 });
    expect([defaults.hiddenSize, defaults.numHiddenLayers, defaults.layerNormEps, defaults.numLabels]).toEqual([128, 12, 1e-12, 2]);
    expect(new OPTConfig({ hidden_size: 512 }).wordEmbedProjDim).toBe(512);
  });
});

describe('trainability', () => {
  it('every parameter of a loaded or new model requires grad, as in PyTorch', async () => {
    const loaded = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { warn: false });
    expect(loaded.numParameters({ onlyTrainable: true })).toBe(loaded.numParameters());
    const fresh = OPTForCausalLM.fromConfig((await import('../../lib')).optConfig({ vocab_size: 32, hidden_size: 16, ffn_dim: 32, num_hidden_layers: 1, num_attention_heads: 2 }));
    expect(fresh.numParameters({ onlyTrainable: true })).toBe(fresh.numParameters());
  });
});
