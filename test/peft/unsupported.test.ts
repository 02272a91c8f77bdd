// PEFT options node-peft does not implement are refused by name when set, in camelCase
// (new LoraConfig) and in adapter_config.json, instead of loading the adapter as plain LoRA.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { BertForSequenceClassification, LoraConfig, PeftModel } from '../../lib';
import { fixture } from '../models/helpers';

const ADAPTER = fixture('bert-lora-peft013', 'adapter');
const reference = () => JSON.parse(fs.readFileSync(path.join(ADAPTER, 'adapter_config.json'), 'utf8'));

/** A copy of the PEFT 0.13.2 adapter whose adapter_config.json has `changes` applied. */
function adapterWith(changes: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-unsupported-'));
  fs.copyFileSync(path.join(ADAPTER, 'adapter_model.safetensors'), path.join(dir, 'adapter_model.safetensors'));
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...reference(), ...changes }));
  return dir;
}

// Each unsupported field with a value PEFT would act on.
const SET: Record<string, [string, unknown]> = {
  use_dora: ['useDora', true],
  lora_bias: ['loraBias', true],
  use_qalora: ['useQalora', true],
  ensure_weight_tying: ['ensureWeightTying', true],
  layer_replication: ['layerReplication', [[0, 2], [1, 2]]],
  megatron_config: ['megatronConfig', { tensor_model_parallel_size: 2 }],
  loftq_config: ['loftqConfig', { loftq_bits: 4, loftq_iter: 1 }],
  eva_config: ['evaConfig', { rho: 2 }],
  corda_config: ['cordaConfig', { corda_method: 'ipm' }],
  lora_ga_config: ['loraGaConfig', { direction: 'ArB2r' }],
  trainable_token_indices: ['trainableTokenIndices', [1, 2, 3]],
  alora_invocation_tokens: ['aloraInvocationTokens', [5, 6]],
  target_parameters: ['targetParameters', ['weight']],
  use_bdlora: ['useBdlora', { nblocks: 2 }],
  arrow_config: ['arrowConfig', { top_k: 2 }],
};

describe('unsupported PEFT options', () => {
  it('adapter_config.json with use_dora: true is refused, naming the option, the file and what to do', async () => {
    const dir = adapterWith({ use_dora: true });
    const base = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
    await expect(PeftModel.fromPretrained(base, dir)).rejects.toThrow(
      `${path.join(dir, 'adapter_config.json')}: use_dora is set to true, but node-peft does not implement DoRA (weight-decomposed LoRA); loading it as plain LoRA would give other outputs than PEFT. To fix: use an adapter trained without it, or merge it into the base model with Python PEFT (merge_and_unload) and load the merged model`,
    );
  });

  it('every unsupported field set in adapter_config.json is refused by its snake_case name', () => {
    for (const [field, [, value]] of Object.entries(SET)) {
      expect(() => LoraConfig.fromDict({ ...reference(), [field]: value }, 'adapter_config.json'), field).toThrow(`adapter_config.json: ${field} is set to ${JSON.stringify(value)}`);
    }
  });

  it('every unsupported option set in new LoraConfig() is refused by its camelCase and PEFT names', () => {
    for (const [field, [option, value]] of Object.entries(SET)) {
      expect(() => new LoraConfig({ [option]: value }), option).toThrow(`LoraConfig: ${option} (${field}) is set to ${JSON.stringify(value)}, but node-peft does not implement`);
    }
    expect(() => new LoraConfig({ useDora: true })).toThrow(/To fix: leave useDora unset \(PEFT's default\)/);
  });

  it('PEFT\'s defaults for them are accepted, and an adapter config keeps them when written back', () => {
    expect(() => new LoraConfig({ useDora: false, loraBias: false, loftqConfig: {}, layerReplication: null, targetParameters: [] })).not.toThrow();
    const config = LoraConfig.fromDict({ ...reference(), lora_bias: false, eva_config: null, qalora_group_size: 16, use_qalora: false });
    const written = config.toDict();
    for (const [key, value] of Object.entries({ use_dora: false, lora_bias: false, eva_config: null, loftq_config: {}, use_qalora: false })) expect(written[key], key).toEqual(value);
  });

  it('initialisations PEFT has and node-peft lacks are named in the error', () => {
    expect(() => new LoraConfig({ initLoraWeights: 'pissa' as never })).toThrow(/initLoraWeights: expected true, false or 'gaussian' \(node-peft does not implement PEFT's eva, olora, pissa/);
  });
});
