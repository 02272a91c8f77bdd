// LoraConfig's boundaries and its adapter_config.json round trip, on lib/peft/config alone (no
// model, no addon): the edges of each range PEFT's LoraConfig accepts (r >= 1, dropout in [0, 1)),
// which values count as "unset" for the options node-peft lacks (PEFT's defaults false, null, {}
// and []), and fromDict / toDict on hand-written PEFT dicts.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { LoraConfig } from '../../lib/peft/config';

describe('LoraConfig ranges', () => {
  it("taskType: PEFT's task names and null pass; any other string is refused with the list", () => {
    expect(new LoraConfig({ taskType: 'CAUSAL_LM' }).taskType).toBe('CAUSAL_LM');
    expect(new LoraConfig({ taskType: null }).taskType).toBe(null);
    expect(() => new LoraConfig({ taskType: 'causal_lm' as never })).toThrow('LoraConfig.taskType: expected one of SEQ_CLS, SEQ_2_SEQ_LM, CAUSAL_LM, TOKEN_CLS, QUESTION_ANS, FEATURE_EXTRACTION, received "causal_lm"');
  });
  it('r: 1 is the smallest rank, 0 is refused', () => {
    expect(new LoraConfig({ r: 1 }).r).toBe(1);
    expect(() => new LoraConfig({ r: 0 })).toThrow('LoraConfig.r: expected a positive integer, received 0');
    expect(() => new LoraConfig({ r: '4' as never })).toThrow('LoraConfig.r: expected a positive integer, received "4"');
  });
  it('loraDropout: 0.999 is accepted, 1 is not (a probability in [0, 1))', () => {
    expect(new LoraConfig({ loraDropout: 0.999 }).loraDropout).toBe(0.999);
    expect(() => new LoraConfig({ loraDropout: 1 })).toThrow('LoraConfig.loraDropout: expected a probability in [0, 1), received 1');
  });
  it('loraAlpha: any finite number, negative and 0 included; NaN is refused', () => {
    expect(new LoraConfig({ loraAlpha: -2 }).loraAlpha).toBe(-2);
    expect(new LoraConfig({ loraAlpha: 0 }).loraAlpha).toBe(0);
    expect(() => new LoraConfig({ loraAlpha: NaN })).toThrow('LoraConfig.loraAlpha: expected a number, received NaN');
  });
  it('layersToTransform: a list of indexes, an empty list and null are accepted; a list with a fraction is not', () => {
    expect(new LoraConfig({ layersToTransform: [0, 2] }).layersToTransform).toEqual([0, 2]);
    expect(new LoraConfig({ layersToTransform: [] }).layersToTransform).toEqual([]);
    expect(new LoraConfig({ layersToTransform: null }).layersToTransform).toBeNull();
    expect(() => new LoraConfig({ layersToTransform: [0, 1.5] })).toThrow('LoraConfig.layersToTransform: expected a layer index or a list of them');
    expect(() => new LoraConfig({ layersToTransform: '1' as never })).toThrow('LoraConfig.layersToTransform');
  });
  it("module lists: string lists and regex strings pass, null passes; bias 'all' and initLoraWeights false pass", () => {
    const c = new LoraConfig({ targetModules: ['query', 'value'], excludeModules: 'key', layersPattern: ['layer'], modulesToSave: [], bias: 'all', initLoraWeights: false });
    expect([c.targetModules, c.excludeModules, c.layersPattern, c.modulesToSave, c.bias, c.initLoraWeights]).toEqual([['query', 'value'], 'key', ['layer'], [], 'all', false]);
    expect(() => new LoraConfig({ modulesToSave: ['a', 1] as never })).toThrow('LoraConfig.modulesToSave: expected a list of module names or null');
    expect(() => new LoraConfig({ initLoraWeights: 'true' as never })).toThrow('LoraConfig.initLoraWeights');
  });
  it('rankPattern / alphaPattern: numbers per pattern pass; a list is refused only when it holds non-numbers', () => {
    expect(new LoraConfig({ rankPattern: { query: 2, value: 4 }, alphaPattern: { query: 8 } }).alphaPattern).toEqual({ query: 8 });
    expect(() => new LoraConfig({ rankPattern: 3 as never })).toThrow('LoraConfig.rankPattern: expected an object of module pattern -> number, received 3');
  });
  it('an explicit undefined takes the default; null options are refused', () => {
    expect(new LoraConfig({ r: undefined, bias: undefined }).r).toBe(8);
    expect(() => new LoraConfig(null as never)).toThrow('LoraConfig: expected an options object, received null');
  });
});

describe('options node-peft does not implement: unset means false, null, {} or []', () => {
  it('each "unset" value is accepted for every kind of option', () => {
    for (const off of [undefined, null, false, [], {}]) {
      expect(() => new LoraConfig({ useDora: off as never, megatronConfig: off as never, layerReplication: off as never }), JSON.stringify(off)).not.toThrow();
    }
  });
  it('anything else counts as set: a non-empty list or object, a number, a string', () => {
    expect(() => new LoraConfig({ layerReplication: [[0, 1]] })).toThrow('LoraConfig: layerReplication (layer_replication) is set to [[0,1]]');
    expect(() => new LoraConfig({ megatronConfig: { a: 1 } })).toThrow('megatronConfig (megatron_config) is set to {"a":1}');
    expect(() => new LoraConfig({ aloraInvocationTokens: 7 as never })).toThrow('aloraInvocationTokens (alora_invocation_tokens) is set to 7, but node-peft does not implement Activated LoRA (aLoRA)');
    expect(() => new LoraConfig({ useBdlora: 'yes' as never })).toThrow('useBdlora (use_bdlora) is set to "yes"');
  });
  it('in an adapter_config.json the camelCase name means nothing: only snake_case fields are looked at', () => {
    expect(LoraConfig.fromDict({ useDora: true }).extra).toEqual({ useDora: true });
    expect(() => LoraConfig.fromDict({ use_dora: true }, 'a.json')).toThrow(/^a\.json: use_dora is set to true, but node-peft does not implement DoRA \(weight-decomposed LoRA\); loading it as plain LoRA would give other outputs than PEFT\. To fix: use an adapter trained without it/);
    expect(() => new LoraConfig({ use_dora: true } as never)).toThrow("LoraConfig: unknown option 'use_dora'");
  });
});

describe('adapter_config.json', () => {
  it('toDict writes exactly PEFT 0.13\'s field set (no exclude_modules when unset) with the values', () => {
    const d = new LoraConfig({ r: 4, loraDropout: 0.1, bias: 'lora_only', fanInFanOut: true, useRslora: true, inferenceMode: true, revision: 'main', baseModelNameOrPath: 'bert', layersToTransform: [1] }).toDict();
    expect(Object.keys(d)).toEqual([
      'alpha_pattern', 'auto_mapping', 'base_model_name_or_path', 'bias', 'fan_in_fan_out', 'inference_mode', 'init_lora_weights',
      'layer_replication', 'layers_pattern', 'layers_to_transform', 'loftq_config', 'lora_alpha', 'lora_dropout', 'megatron_config',
      'megatron_core', 'modules_to_save', 'peft_type', 'r', 'rank_pattern', 'revision', 'target_modules', 'task_type', 'use_dora', 'use_rslora',
    ]);
    expect([d.r, d.lora_dropout, d.bias, d.fan_in_fan_out, d.use_rslora, d.inference_mode, d.revision, d.base_model_name_or_path, d.layers_to_transform, d.init_lora_weights])
      .toEqual([4, 0.1, 'lora_only', true, true, true, 'main', 'bert', [1], true]);
  });
  it('fromDict without peft_type is LoRA; peft_type is not kept as an extra field; toDict(fromDict(d)) gives d back', () => {
    const dict = new LoraConfig({ r: 2, loraAlpha: 5, targetModules: ['q'], rankPattern: { q: 1 } }).toDict();
    const back = LoraConfig.fromDict(dict);
    expect(back.extra).toEqual({ auto_mapping: null, layer_replication: null, loftq_config: {}, megatron_config: null, megatron_core: 'megatron.core', use_dora: false });
    expect(back.toDict()).toEqual(dict);
    const { peft_type: _t, ...noType } = dict;
    expect(LoraConfig.fromDict(noType).r).toBe(2);
  });
  it('fromDict names the file in option errors and in unknown-value errors; the default where is "adapter config"', () => {
    expect(() => LoraConfig.fromDict({ bias: 'x' })).toThrow(/^adapter config: LoraConfig\.bias: expected one of 'none', 'all', 'lora_only', received "x"$/);
    expect(() => LoraConfig.fromDict({ peft_type: 'IA3' })).toThrow('adapter config: peft_type "IA3" is not supported');
  });
  it('fromPretrained: a missing file and JSON null are errors that name the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-cfg-'));
    const file = path.join(dir, 'adapter_config.json');
    expect(() => LoraConfig.fromPretrained(dir)).toThrow(`cannot read ${file}: ENOENT`);
    fs.writeFileSync(file, 'null');
    expect(() => LoraConfig.fromPretrained(dir)).toThrow(`${file}: expected a JSON object, received null`);
    fs.writeFileSync(file, '"x"');
    expect(() => LoraConfig.fromPretrained(dir)).toThrow(`${file}: expected a JSON object, received "x"`);
    fs.writeFileSync(file, JSON.stringify({ r: 0 }));
    expect(() => LoraConfig.fromPretrained(dir)).toThrow(`${file}: LoraConfig.r: expected a positive integer, received 0`);
  });
});
