// The parameter bytes a config asks for are known before anything is allocated, exactly, and a
// model that cannot fit in memory is refused with the estimate and what is available.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import {
  BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel, OPTConfig, OPTForCausalLM, OPTModel,
  type DType, type PreTrainedModel, type PretrainedConfig,
} from '../../lib';
import { availableMemory, parameterBytes } from '../../lib/models/size';
import { fixture } from './helpers';

const ELEMENT: Partial<Record<DType, number>> = { float32: 4, bfloat16: 2, float16: 2, float64: 8 };
const realBytes = (m: PreTrainedModel) => m.namedParameters().reduce((sum, [, t]) => sum + t.numel * ELEMENT[t.dtype]!, 0);
const estimate = (cls: { family: 'bert' | 'opt'; head: string }, config: PretrainedConfig, dtype: DType) => parameterBytes(cls.family, cls.head, config, dtype);
const fixtureConfig = (folder: string) => JSON.parse(fs.readFileSync(fixture(folder, 'config.json'), 'utf8'));

describe('parameter bytes from the config', () => {
  it('equal the loaded fixtures\' parameter count x element size (bert-seqcls, opt-causal; float32 and bfloat16)', async () => {
    for (const dtype of ['float32', 'bfloat16'] as const) {
      const bert = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { warn: false, dtype });
      expect(estimate(BertForSequenceClassification, bert.config, dtype)).toBe(bert.numParameters() * ELEMENT[dtype]!);
      expect(estimate(BertForSequenceClassification, bert.config, dtype)).toBe(realBytes(bert));
      const opt = await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false, dtype });
      expect(estimate(OPTForCausalLM, opt.config, dtype)).toBe(opt.numParameters() * ELEMENT[dtype]!);
      expect(estimate(OPTForCausalLM, opt.config, dtype)).toBe(realBytes(opt));
    }
    // PEFT's line for the fixture counts 53,542 parameters: these 52,419 plus its 1,123 trainable ones.
    expect(estimate(BertForSequenceClassification, new BertConfig(fixtureConfig('bert-seqcls')), 'float32')).toBe(52_419 * 4);
  });

  it('are exact for every head and architecture variant', () => {
    const bert = new BertConfig({ ...fixtureConfig('bert-seqcls'), pad_token_id: null });
    for (const cls of [BertModel, BertForSequenceClassification, BertForMaskedLM]) {
      expect(estimate(cls, bert, 'float32'), cls.name).toBe(cls.fromConfig(bert).numParameters() * 4);
    }
    const variants = [
      {}, { word_embed_proj_dim: 16 }, { do_layer_norm_before: false }, { _remove_final_layer_norm: true },
      { enable_bias: false }, { layer_norm_elementwise_affine: false }, { num_hidden_layers: 0 },
    ];
    for (const change of variants) {
      const config = new OPTConfig({ ...fixtureConfig('opt-causal'), ...change });
      for (const cls of [OPTModel, OPTForCausalLM]) {
        expect(estimate(cls, config, 'float64'), `${cls.name} ${JSON.stringify(change)}`).toBe(cls.fromConfig(config).numParameters() * 8);
      }
    }
  });
});

describe('a model too large for memory', () => {
  // 1,024 layers of width 131,072: hundreds of TiB, more than any machine this runs on.
  const huge = { hidden_size: 2 ** 17, num_hidden_layers: 1024, num_attention_heads: 1, intermediate_size: 2 ** 17 };

  it('available memory is read from /proc/meminfo (MemAvailable) on Linux', () => {
    const { bytes, source } = availableMemory();
    expect(bytes).toBeGreaterThan(0);
    if (fs.existsSync('/proc/meminfo')) expect(source).toBe('MemAvailable in /proc/meminfo');
  });

  it('fromConfig refuses before allocating, stating the estimate and the memory available', () => {
    const message = /^BertModel\.fromConfig: the model needs about [\d.]+ GiB for its [\d,]+ parameters \(float32\) but only [\d.]+ GiB of memory is available \(MemAvailable in \/proc\/meminfo\); check hidden_size, num_hidden_layers/;
    expect(() => BertModel.fromConfig(new BertConfig({ ...fixtureConfig('bert-seqcls'), ...huge }))).toThrow(message);
    expect(() => OPTModel.fromConfig(new OPTConfig({ ...fixtureConfig('opt-causal'), ...huge, ffn_dim: 2 ** 17 }), { dtype: 'bfloat16' }))
      .toThrow(/OPTModel\.fromConfig: the model needs about .* parameters \(bfloat16\)/);
  });

  it('fromPretrained refuses a config.json that asks for more than the machine has', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-size-'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...fixtureConfig('bert-seqcls'), ...huge }));
    fs.copyFileSync(fixture('bert-seqcls', 'model.safetensors'), path.join(dir, 'model.safetensors'));
    await expect(BertForSequenceClassification.fromPretrained(dir, { warn: false })).rejects.toThrow(/fromPretrained: the model needs about .* but only .* available/);
  });
});
