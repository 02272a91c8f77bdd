// modules_to_save of any module, with PEFT's semantics: a trainable deep copy per adapter next
// to the frozen original, the active adapter's copy runs, disableAdapter runs the original,
// merge_and_unload leaves the active copy, and adapter files carry PEFT's keys.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForMaskedLM, BertForSequenceClassification, LoraConfig, OPTForCausalLM, PeftModel, getPeftModel } from '../../lib';
import { readSafetensorsHeader } from '../../lib/io';
import { cases, expectClose, fixture, maxAbsDiff } from '../models/helpers';

const c = cases('bert-lora-default');
const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')! };
const base = async () => (await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false })).eval();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-mts-'));
// LoRA B starts at zero, so only the copies can move the outputs.
const config = (modulesToSave: string[]) => new LoraConfig({ r: 4, loraAlpha: 8, targetModules: ['query', 'value'], modulesToSave });
const param = (peft: PeftModel, name: string) => new Map(peft.baseModel.namedParameters()).get(name)!;

/** Adds noise to every parameter of the adapter's copy of `path`. */
function perturbCopy(peft: PeftModel, path: string, adapter: string, seed: number): void {
  torch.manualSeed(seed);
  const prefix = `${path}.modules_to_save.${adapter}.`;
  torch.noGrad(() => {
    for (const [name, t] of peft.baseModel.namedParameters()) if (name.startsWith(prefix)) t.add_(torch.randn(t.shape).mul(0.2));
  });
}

/** The fixture model with `path`'s parameters replaced by the adapter copy's: what the adapter must compute. */
async function expectedWithCopy(peft: PeftModel, path: string, adapter: string): Promise<torch.Tensor> {
  const plain = await base();
  const own = new Map(plain.namedParameters());
  const prefix = `${path}.modules_to_save.${adapter}.`;
  torch.noGrad(() => {
    for (const [name, t] of peft.baseModel.namedParameters()) if (name.startsWith(prefix)) own.get(`${path}.${name.slice(prefix.length)}`)!.copy_(t);
  });
  return plain.forwardSync(inputs).logits;
}

const CASES: [what: string, entry: string, path: string, param: string][] = [
  ['a pooler (BertPooler)', 'pooler', 'bert.pooler', 'dense.weight'],
  ['a LayerNorm', 'embeddings.LayerNorm', 'bert.embeddings.LayerNorm', 'weight'],
  ['an embedding', 'word_embeddings', 'bert.embeddings.word_embeddings', 'weight'],
  ['a whole BertLayer', 'layer.1', 'bert.encoder.layer.1', 'attention.self.query.weight'],
  ['the whole BertEmbeddings', 'embeddings', 'bert.embeddings', 'token_type_embeddings.weight'],
];

describe('modules_to_save of any module', () => {
  for (const [what, entry, at, p] of CASES) {
    it(`${what}: trainable copy, frozen original, the copy runs and disableAdapter runs the original`, async () => {
      const peft = getPeftModel(await base(), config([entry]));
      expect(peft.baseModel.getSubmodule(at).type).toBe('ModulesToSaveWrapper');
      const original = param(peft, `${at}.original_module.${p}`);
      const copy = param(peft, `${at}.modules_to_save.default.${p}`);
      expect([original.requiresGrad, copy.requiresGrad]).toEqual([false, true]);
      expect(maxAbsDiff(copy, original)).toBe(0);
      expectClose(peft.forwardSync(inputs).logits, c.get('logits_base')!, 1e-5, 'an unchanged copy computes the base model');
      perturbCopy(peft, at, 'default', 1);
      expect(maxAbsDiff(copy, original)).toBeGreaterThan(0);  // its own storage: the original is untouched
      expectClose(peft.forwardSync(inputs).logits, await expectedWithCopy(peft, at, 'default'), 1e-5, 'the copy runs');
      expectClose(peft.disableAdapter(() => peft.forwardSync(inputs)).logits, c.get('logits_base')!, 1e-5, 'disabled: the original runs');
    });
  }

  it('LoRA targets inside a module to save are left out, as PEFT does', async () => {
    const peft = getPeftModel(await base(), config(['layer.1']));
    const lora = peft.baseModel.namedModules().filter(([, m]) => m.type === 'lora.Linear').map(([n]) => n);
    expect(lora).toEqual(['bert.encoder.layer.0.attention.self.query', 'bert.encoder.layer.0.attention.self.value']);
    await expect(async () => getPeftModel(await base(), new LoraConfig({ targetModules: ['query'], modulesToSave: ['attention'] })))
      .rejects.toThrow(/No modules were targeted for adaptation.*marked to be saved \(`modules_to_save`\)/);
  });

  it('switching adapters switches the copy that runs; deleting an adapter removes its copy', async () => {
    const peft = getPeftModel(await base(), config(['pooler']));
    peft.addAdapter('other', config(['pooler']));
    perturbCopy(peft, 'bert.pooler', 'default', 2);
    perturbCopy(peft, 'bert.pooler', 'other', 3);
    const [a, b] = [await expectedWithCopy(peft, 'bert.pooler', 'default'), await expectedWithCopy(peft, 'bert.pooler', 'other')];
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-3);
    expectClose(peft.forwardSync(inputs).logits, a, 1e-5, 'default');
    peft.setAdapter('other');
    expectClose(peft.forwardSync(inputs).logits, b, 1e-5, 'other');
    peft.setAdapter('default');
    expectClose((await peft.forward(inputs)).logits, a, 1e-5, 'back to default');
    peft.deleteAdapter('other');
    expect(peft.baseModel.namedParameters().some(([n]) => n.includes('.modules_to_save.other.'))).toBe(false);
  });

  it('mergeAndUnload and unload leave the active adapter\'s copy in place', async () => {
    for (const unload of [(p: PeftModel) => p.mergeAndUnload(), (p: PeftModel) => p.unload()]) {
      const peft = getPeftModel(await base(), config(['pooler']));
      peft.addAdapter('other', config(['pooler']));
      perturbCopy(peft, 'bert.pooler', 'other', 4);
      peft.setAdapter('other');
      const before = peft.forwardSync(inputs).logits;
      const copy = param(peft, 'bert.pooler.modules_to_save.other.dense.weight').clone();
      const model = unload(peft);
      expect(model.getSubmodule('bert.pooler').type).toBe('BertPooler');
      expect(model.namedModules().some(([, m]) => m.type === 'ModulesToSaveWrapper' || m.type === 'lora.Linear')).toBe(false);
      expect(maxAbsDiff(new Map(model.namedParameters()).get('bert.pooler.dense.weight')!, copy)).toBe(0);
      expectClose(model.forwardSync(inputs).logits, before, 1e-5, 'unloaded');
    }
  });

  it('save / load round trip with PEFT\'s keys (copy under the module\'s own path in the file)', async () => {
    const peft = getPeftModel(await base(), config(['pooler', 'layer.1']));
    const names = peft.namedParameters().map(([n]) => n);
    expect(names).toContain('base_model.model.bert.pooler.modules_to_save.default.dense.weight');
    expect(names).toContain('base_model.model.bert.pooler.original_module.dense.weight');
    perturbCopy(peft, 'bert.pooler', 'default', 5);
    perturbCopy(peft, 'bert.encoder.layer.1', 'default', 6);
    const logits = peft.forwardSync(inputs).logits;
    const dir = tmp();
    await peft.savePretrained(dir);
    const keys = [...readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors')).tensors.keys()];
    expect(keys).toContain('base_model.model.bert.pooler.dense.weight');
    expect(keys).toContain('base_model.model.bert.pooler.dense.bias');
    expect(keys).toContain('base_model.model.bert.encoder.layer.1.attention.self.query.weight');
    expect(keys).toContain('base_model.model.bert.encoder.layer.1.output.LayerNorm.bias');
    expect(keys.filter((k) => k.includes('modules_to_save') || k.includes('original_module'))).toEqual([]);
    expect(keys.filter((k) => k.includes('.lora_')).every((k) => k.includes('.layer.0.'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8')).modules_to_save).toEqual(['pooler', 'layer.1']);
    const again = await PeftModel.fromPretrained(await base(), dir);
    expect(maxAbsDiff(again.forwardSync(inputs).logits, logits)).toBe(0);
  });

  it('a copy\'s buffers are saved with it, as PEFT saves the copy\'s whole state dict (embeddings.position_ids)', async () => {
    const peft = getPeftModel(await base(), config(['embeddings']));
    const dir = tmp();
    await peft.savePretrained(dir);
    const keys = [...readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors')).tensors.keys()];
    expect(keys).toContain('base_model.model.bert.embeddings.position_ids');
    expect(keys).toContain('base_model.model.bert.embeddings.word_embeddings.weight');
    const again = await PeftModel.fromPretrained(await base(), dir);
    expectClose(again.forwardSync(inputs).logits, c.get('logits_base')!, 1e-5, 'reloaded');
    expect(String(peft.baseModel.getSubmodule('bert.embeddings.modules_to_save'))).toMatch(/^ModuleDict\(\n  \(default\): BertEmbeddings\(/);
  });

  it('a copy keeps the ties inside the module (predictions.bias is decoder.bias) as copy.deepcopy does', async () => {
    const model = BertForMaskedLM.fromConfig(torch.bertConfig({ vocab_size: 40, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 }));
    const peft = getPeftModel(model, new LoraConfig({ targetModules: ['query'], modulesToSave: ['cls'] }));
    const all = new Map(peft.baseModel.namedParameters({ removeDuplicate: false }));
    const bias = all.get('cls.modules_to_save.default.predictions.bias')!;
    torch.noGrad(() => bias.copy_(0.5));
    expect(all.get('cls.modules_to_save.default.predictions.decoder.bias')!.toArray()).toEqual(new Array(40).fill(0.5));
    expect(all.get('cls.original_module.predictions.bias')!.toArray()).not.toEqual(new Array(40).fill(0.5));
    const ids = torch.randint(0, 40, [2, 5]);
    expect(peft.forwardSync({ inputIds: ids }).logits.shape).toEqual([2, 5, 40]);
  });

  it('OPT: a decoder layer to save runs in forward and generate', async () => {
    const o = cases('opt-causal');
    const load = async () => (await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false })).eval();
    const peft = getPeftModel(await load(), new LoraConfig({ targetModules: ['q_proj'], modulesToSave: ['layers.1', 'final_layer_norm'] }));
    expect(peft.baseModel.getSubmodule('model.decoder.layers.1').type).toBe('ModulesToSaveWrapper');
    const optInputs = { inputIds: o.get('input_ids')!, attentionMask: o.get('attention_mask')! };
    expectClose(peft.forwardSync(optInputs).logits, (await load()).forwardSync(optInputs).logits, 1e-5, 'unchanged copies');
    const ids = await peft.generate(o.get('input_ids')!, { attentionMask: o.get('attention_mask')!, maxNewTokens: 10 });
    expect(ids.toArray()).toEqual(o.get('generated_ids')!.toArray());
    perturbCopy(peft, 'model.decoder.layers.1', 'default', 7);
    expect(maxAbsDiff(peft.forwardSync(optInputs).logits, (await load()).forwardSync(optInputs).logits)).toBeGreaterThan(1e-3);
  });
});
