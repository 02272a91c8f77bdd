// LoraConfig and the PeftModel API around it: every option is validated with a message naming it,
// adapter_config.json is read and written with PEFT's snake_case fields (unknown ones kept), and
// misuse of adapters (names, missing ones, duplicate names) is refused by name.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForSequenceClassification, LoraConfig, PeftModel, TaskType, getPeftModel } from '../../lib';
import { fixture } from '../models/helpers';

const base = () => BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-config-'));

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('LoraConfig defaults and validation', () => {
  it("has PEFT's defaults", () => {
    const c = new LoraConfig();
    expect([c.taskType, c.r, c.loraAlpha, c.loraDropout, c.targetModules, c.excludeModules, c.layersToTransform, c.layersPattern]).toEqual([null, 8, 8, 0, null, null, null, null]);
    expect([c.rankPattern, c.alphaPattern, c.bias, c.modulesToSave, c.fanInFanOut, c.initLoraWeights, c.useRslora, c.inferenceMode]).toEqual([{}, {}, 'none', null, false, true, false, false]);
    expect([c.baseModelNameOrPath, c.revision, c.peftType]).toEqual([null, null, 'LORA']);
    // Defaults are copies: changing one config's pattern does not change the next one's.
    c.rankPattern.x = 1;
    expect(new LoraConfig().rankPattern).toEqual({});
  });

  it('names each invalid option, what it expects and what it got', () => {
    expect(message(() => new LoraConfig({ taskType: 'CLS' as never }))).toBe('LoraConfig.taskType: expected one of SEQ_CLS, SEQ_2_SEQ_LM, CAUSAL_LM, TOKEN_CLS, QUESTION_ANS, FEATURE_EXTRACTION, received "CLS"');
    expect(message(() => new LoraConfig({ r: 2.5 }))).toBe('LoraConfig.r: expected a positive integer, received 2.5');
    expect(message(() => new LoraConfig({ r: -1 }))).toBe('LoraConfig.r: expected a positive integer, received -1');
    expect(message(() => new LoraConfig({ loraAlpha: Infinity }))).toBe('LoraConfig.loraAlpha: expected a number, received Infinity');
    expect(message(() => new LoraConfig({ loraAlpha: '8' as never }))).toBe('LoraConfig.loraAlpha: expected a number, received "8"');
    expect(message(() => new LoraConfig({ loraDropout: -0.1 }))).toBe('LoraConfig.loraDropout: expected a probability in [0, 1), received -0.1');
    expect(message(() => new LoraConfig({ loraDropout: '0.1' as never }))).toBe('LoraConfig.loraDropout: expected a probability in [0, 1), received "0.1"');
    for (const key of ['targetModules', 'excludeModules', 'layersPattern'] as const) {
      expect(message(() => new LoraConfig({ [key]: [1] } as never))).toBe(`LoraConfig.${key}: expected a module name list, a regex string or null, received [1]`);
      expect(message(() => new LoraConfig({ [key]: 5 } as never))).toBe(`LoraConfig.${key}: expected a module name list, a regex string or null, received 5`);
    }
    expect(message(() => new LoraConfig({ layersToTransform: 1.5 }))).toBe('LoraConfig.layersToTransform: expected a layer index or a list of them, received 1.5');
    expect(message(() => new LoraConfig({ layersToTransform: [0, 'x'] as never }))).toBe('LoraConfig.layersToTransform: expected a layer index or a list of them, received [0, "x"]');
    expect(message(() => new LoraConfig({ bias: 'some' as never }))).toBe("LoraConfig.bias: expected one of 'none', 'all', 'lora_only', received \"some\"");
    expect(message(() => new LoraConfig({ modulesToSave: 'classifier' as never }))).toBe('LoraConfig.modulesToSave: expected a list of module names or null, received "classifier"');
    expect(message(() => new LoraConfig({ initLoraWeights: 'pissa' as never }))).toMatch(/^LoraConfig\.initLoraWeights: expected true, false or 'gaussian' \(node-peft does not implement PEFT's eva, olora, pissa/);
    for (const key of ['rankPattern', 'alphaPattern'] as const) {
      expect(message(() => new LoraConfig({ [key]: { value: '2' } } as never))).toBe(`LoraConfig.${key}: expected an object of module pattern -> number, received [object Object]`);
      expect(message(() => new LoraConfig({ [key]: null } as never))).toBe(`LoraConfig.${key}: expected an object of module pattern -> number, received null`);
    }
    for (const key of ['fanInFanOut', 'useRslora', 'inferenceMode'] as const) {
      expect(message(() => new LoraConfig({ [key]: 1 } as never))).toBe(`LoraConfig.${key}: expected a boolean, received 1`);
    }
    expect(message(() => new LoraConfig(5 as never))).toBe('LoraConfig: expected an options object, received 5');
    expect(message(() => new LoraConfig({ rank: 4 } as never))).toMatch(/^LoraConfig: unknown option 'rank' \(allowed: taskType, r, loraAlpha, /);
  });

  it('accepts every valid form: task types, regex strings, a single layer index, gaussian init, loraDropout 0', () => {
    for (const taskType of Object.values(TaskType)) expect(new LoraConfig({ taskType }).taskType).toBe(taskType);
    expect(new LoraConfig({ targetModules: 'query|value', layersToTransform: 1, layersPattern: 'layer' }).layersToTransform).toBe(1);
    expect(new LoraConfig({ initLoraWeights: 'gaussian', loraDropout: 0, bias: 'lora_only', modulesToSave: ['pooler'] }).initLoraWeights).toBe('gaussian');
  });
});

describe('adapter_config.json', () => {
  it("toDict writes PEFT's snake_case fields, sorted, exclude_modules only when set, PEFT-only fields at their defaults", () => {
    const d = new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraAlpha: 16, targetModules: ['query'], rankPattern: { query: 2 } }).toDict();
    expect(Object.keys(d)).toEqual([...Object.keys(d)].sort());
    expect(d).toMatchObject({ peft_type: 'LORA', task_type: 'SEQ_CLS', r: 4, lora_alpha: 16, target_modules: ['query'], rank_pattern: { query: 2 }, use_dora: false, megatron_core: 'megatron.core', loftq_config: {}, layer_replication: null, auto_mapping: null, megatron_config: null });
    expect('exclude_modules' in d).toBe(false);
    expect(new LoraConfig({ excludeModules: ['key'] }).toDict().exclude_modules).toEqual(['key']);
  });

  it('fromDict maps the fields back, keeps unknown fields for writing, refuses another peft_type and names the file', () => {
    const c = LoraConfig.fromDict({ peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['value'], some_future_field: 'x' });
    expect([c.r, c.loraAlpha, c.targetModules]).toEqual([2, 4, ['value']]);
    expect(c.extra).toEqual({ some_future_field: 'x' });
    expect(c.toDict().some_future_field).toBe('x');
    expect(message(() => LoraConfig.fromDict({ peft_type: 'IA3' }, 'cfg.json'))).toBe('cfg.json: peft_type "IA3" is not supported (node-peft supports LORA)');
    expect(message(() => LoraConfig.fromDict({ r: 0 }, 'cfg.json'))).toBe('cfg.json: LoraConfig.r: expected a positive integer, received 0');
  });

  it('fromPretrained reads a folder; unreadable or non-object JSON names the file', () => {
    const dir = tmp();
    const file = path.join(dir, 'adapter_config.json');
    fs.writeFileSync(file, '{ bad');
    expect(message(() => LoraConfig.fromPretrained(dir))).toMatch(new RegExp(`^cannot read ${file.replace(/[.]/g, '\\.')}: `));
    fs.writeFileSync(file, '[1]');
    expect(message(() => LoraConfig.fromPretrained(dir))).toBe(`${file}: expected a JSON object, received [1]`);
    fs.writeFileSync(file, JSON.stringify({ r: 3, lora_alpha: 6, target_modules: ['query'] }));
    expect(LoraConfig.fromPretrained(dir).r).toBe(3);
  });
});

describe('PeftModel adapter management', () => {
  it('refuses bad and duplicate adapter names, unknown adapters, and a non-LoraConfig', async () => {
    const peft = getPeftModel(await base(), new LoraConfig({}));
    expect(message(() => peft.addAdapter('bad name', new LoraConfig({})))).toBe('adapterName: expected a name of letters, digits, _ or -, received "bad name"');
    expect(message(() => peft.addAdapter('default', new LoraConfig({})))).toBe("adapter 'default' already exists");
    expect(message(() => peft.setAdapter('nope'))).toBe("adapter 'nope' does not exist (loaded: default)");
    expect(message(() => peft.deleteAdapter('nope'))).toBe("adapter 'nope' does not exist");
    expect(message(() => peft.getAdapterStateDict('nope'))).toBe("adapter 'nope' does not exist");
    await expect(peft.loadAdapterWeights('/tmp', 'nope')).rejects.toThrow(/^adapter 'nope' does not exist$/);
    expect(message(() => getPeftModel(peft.baseModel, {} as never))).toBe('getPeftModel(config): expected a LoraConfig, received [object Object]');
    expect(peft.activeAdapters).toEqual(['default']);
  });

  it('SEQ_CLS adds classifier and score to modulesToSave; the model type\'s targets fill targetModules; the base model name is recorded', async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ taskType: TaskType.SEQ_CLS, modulesToSave: ['pooler'] }));
    const c = peft.peftConfig.get('default')!;
    expect(c.modulesToSave).toEqual(['pooler', 'classifier', 'score']);
    expect(c.targetModules).toEqual(['query', 'value']);
    expect(c.baseModelNameOrPath).toBe(fixture('bert-lora-default'));
  });

  it('disableAdapter re-enables the adapter after fn throws or its promise settles', async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ taskType: TaskType.SEQ_CLS }));
    const inputs = { inputIds: [[101, 7, 8, 102]] };
    torchRandomizeB(peft);
    const adapted = peft.forwardSync(inputs).logits.toArray();
    expect(() => peft.disableAdapter(() => { throw new Error('boom'); })).toThrow('boom');
    expect(peft.forwardSync(inputs).logits.toArray()).toEqual(adapted);
    await expect(peft.disableAdapter(async () => { throw new Error('later'); })).rejects.toThrow('later');
    expect(peft.forwardSync(inputs).logits.toArray()).toEqual(adapted);
    const inside = await peft.disableAdapter(() => peft.forward(inputs));
    expect(inside.logits.toArray()).not.toEqual(adapted);
    expect(peft.forwardSync(inputs).logits.toArray()).toEqual(adapted);
  });

  it('savePretrained refuses safeSerialization: false; loading names missing weights and unexpected keys', async () => {
    const peft = getPeftModel(await base(), new LoraConfig({ targetModules: ['query'] }));
    await expect(peft.savePretrained(tmp(), { safeSerialization: false })).rejects.toThrow(/safeSerialization: false \(adapter_model\.bin\) cannot be written/);
    await expect(peft.savePretrained(tmp(), { selected: ['default'] } as never)).rejects.toThrow(/unknown option 'selected'/);
    const empty = tmp();
    fs.writeFileSync(path.join(empty, 'adapter_config.json'), JSON.stringify(peft.peftConfig.get('default')!.toDict()));
    await expect(PeftModel.fromPretrained(await base(), empty)).rejects.toThrow(`no adapter weights in ${empty}: expected adapter_model.safetensors or adapter_model.bin`);
    const dir = tmp();
    await peft.savePretrained(dir);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...config, target_modules: ['value'] }));
    await expect(PeftModel.fromPretrained(await base(), dir)).rejects.toThrow(/^unexpected keys in .*adapter_model\.safetensors: base_model\.model\.bert\.encoder\.layer\.0\.attention\.self\.query\.lora_A\.weight/);
  });

  it('a failed loadAdapter leaves no half-made adapter behind; a model without an LM head cannot generate', async () => {
    const peft = getPeftModel(await base(), new LoraConfig({}));
    const empty = tmp();
    fs.writeFileSync(path.join(empty, 'adapter_config.json'), JSON.stringify({ r: 2, target_modules: ['query'] }));
    await expect(peft.loadAdapter(empty, 'other')).rejects.toThrow(/no adapter weights/);
    expect([...peft.peftConfig.keys()]).toEqual(['default']);
    expect(peft.baseModel.namedParameters().some(([n]) => n.includes('.other.'))).toBe(false);
    expect(() => peft.generate([[1]] as never)).toThrow('BertForSequenceClassification cannot generate: it has no language-model head');
  });
});

function torchRandomizeB(peft: PeftModel): void {
  torch.manualSeed(3);
  torch.noGrad(() => {
    for (const [name, t] of peft.baseModel.namedParameters()) if (name.includes('.lora_B.')) t.copy_(torch.randn(t.shape).mul(0.1));
  });
}
