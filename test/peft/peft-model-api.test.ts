// PeftModel's API edges on a tiny random BERT: names and options it refuses (each error naming
// the method and what is wrong), which operation a BusyError names, what the defaults do (frozen
// and in eval mode after fromPretrained, unsafe merge), unload() leaving the base weights alone,
// and the files' errors (missing and unexpected keys, naming the file).
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from '../../lib';
import { BusyError, LoraConfig, PeftModel, getPeftModel, type Tensor } from '../../lib';
import { native } from '../../lib/binding';
import { saveSafetensors } from '../../lib/io';
import { moduleHandle } from '../../lib/nn/module';
import { readAdapter } from '../../lib/peft/peft-model';
import { tinyBert } from '../train/helpers';
import { maxAbsDiff } from '../models/helpers';

const lora = (o: ConstructorParameters<typeof LoraConfig>[0] = {}) => new LoraConfig({ r: 4, loraAlpha: 8, targetModules: ['query', 'value'], ...o });
const inputs = { inputIds: torch.randint(3, 120, [2, 6]), attentionMask: torch.ones([2, 6], { dtype: 'int64' }) };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-api-'));

/** Sets every parameter whose name contains `part` to `value` (random values when none is given). */
function fill(peft: PeftModel, part: string, value?: number): void {
  torch.noGrad(() => {
    for (const [n, t] of peft.baseModel.namedParameters()) if (n.includes(part)) t.copy_(value === undefined ? torch.randn(t.shape).mul(0.3) : torch.full(t.shape, value));
  });
}
const lora_ = (peft: PeftModel) => peft.baseModel.namedParameters().filter(([n]) => n.includes('.lora_'));
const busyMessage = (operation: string) => new RegExp(`model is busy: .* before ${operation.replace(/[()]/g, '\\$&')}$`);

afterEach(() => { vi.restoreAllMocks(); });

describe('PeftModel: adapter names', () => {
  it('refuses names that are not letters, digits, _ or -, and names already taken', () => {
    const peft = getPeftModel(tinyBert(0), lora(), 'a');
    for (const bad of ['two words', '', 'a/b', 3]) expect(() => peft.addAdapter(bad as string, lora())).toThrow(/adapterName.*a name of letters, digits, _ or -/);
    expect(() => peft.addAdapter('a', lora())).toThrow("adapter 'a' already exists");
    expect([...peft.peftConfig.keys()]).toEqual(['a']);
  });

  it('setAdapter lists the loaded adapters when a name is unknown; deleteAdapter drops it from the active ones', () => {
    const peft = getPeftModel(tinyBert(0), lora(), 'a');
    peft.addAdapter('b', lora());
    expect(() => peft.setAdapter(['a', 'zz'])).toThrow("adapter 'zz' does not exist (loaded: a, b)");
    peft.setAdapter(['a', 'b']);
    peft.deleteAdapter('b');
    expect(peft.activeAdapters).toEqual(['a']);
    expect(() => peft.deleteAdapter('b')).toThrow("adapter 'b' does not exist");
    expect(() => peft.addWeightedAdapter(['a'], [1], 'a')).toThrow("addWeightedAdapter: adapter 'a' already exists; deleteAdapter('a') first or choose another name");
    expect(() => peft.adapterMemory('zz')).toThrow("adapterMemory: adapter 'zz' does not exist (loaded: a)");
  });

  it('fills baseModelNameOrPath from the model only when the config has none', () => {
    const model = tinyBert(0);
    model.nameOrPath = 'tiny/bert';
    const peft = getPeftModel(model, lora(), 'a');
    peft.addAdapter('b', lora({ baseModelNameOrPath: 'other/base' }));
    expect(peft.peftConfig.get('a')!.baseModelNameOrPath).toBe('tiny/bert');
    expect(peft.peftConfig.get('b')!.baseModelNameOrPath).toBe('other/base');
  });

  it('warns about fanInFanOut (and turns it off) only when it is set', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const peft = getPeftModel(tinyBert(0), lora(), 'a');
    expect(warn).not.toHaveBeenCalled();
    peft.addAdapter('b', lora({ fanInFanOut: true }));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^fan_in_fan_out is set to True/));
    expect(peft.peftConfig.get('b')!.fanInFanOut).toBe(false);
  });
});

describe('PeftModel: BusyError names the operation refused', () => {
  it.each([
    ['addAdapter()', (p: PeftModel) => p.addAdapter('c', lora())],
    ['addWeightedAdapter()', (p: PeftModel) => p.addWeightedAdapter(['a'], [2], 'c', 'linear')],
    ['mergeAndUnload()', (p: PeftModel) => p.mergeAndUnload()],
    ['unload()', (p: PeftModel) => p.unload()],
  ])('%s during a forward', async (operation, change) => {
    const peft = getPeftModel(tinyBert(0).eval(), lora(), 'a');
    const pending = peft.forward(inputs);
    let error: unknown;
    try { change(peft); } catch (err) { error = err; }
    expect(error).toBeInstanceOf(BusyError);
    expect((error as Error).message).toMatch(busyMessage(operation));
    expect([...peft.peftConfig.keys()]).toEqual(['a']);
    await pending;
  });

  it('loading weights into an adapter while the model is held', async () => {
    const peft = getPeftModel(tinyBert(0).eval(), lora(), 'a');
    const dir = tmp();
    await peft.savePretrained(dir);
    // A hold like generate()'s keeps the model busy for as long as the file takes to read (a
    // forward might finish first).
    const lease = native.moduleHold(moduleHandle(peft.baseModel), 'the test');
    try {
      await expect(peft.loadAdapterWeights(path.join(dir, 'a'), 'a')).rejects.toThrow(busyMessage('loading adapter weights'));
    } finally {
      native.moduleRelease(lease);
    }
    await peft.loadAdapterWeights(path.join(dir, 'a'), 'a');  // a non-default adapter is saved in dir/<name>/
  });
});

describe('PeftModel: options', () => {
  it('names the method and the unknown option', async () => {
    const peft = getPeftModel(tinyBert(0), lora(), 'a');
    const dir = tmp();
    expect(() => peft.merge(undefined, { safe: true } as never)).toThrow("merge: unknown option 'safe' (allowed: safeMerge)");
    expect(() => peft.merge(undefined, { safeMerge: 1 } as never)).toThrow(/safeMerge/);
    expect(() => peft.mergeAndUnload({ adapters: ['a'] } as never)).toThrow("mergeAndUnload: unknown option 'adapters' (allowed: safeMerge, adapterNames)");
    await expect(peft.savePretrained(dir, { adapters: ['a'] } as never)).rejects.toThrow("savePretrained: unknown option 'adapters' (allowed: selectedAdapters, safeSerialization)");
    await peft.savePretrained(dir);
    await expect(peft.loadAdapter(dir, 'b', { trainable: true } as never)).rejects.toThrow("loadAdapter: unknown option 'trainable' (allowed: isTrainable)");
    await expect(peft.loadAdapter(dir, 'b', { isTrainable: 1 } as never)).rejects.toThrow(/isTrainable/);
    await expect(PeftModel.fromPretrained(tinyBert(0), dir, { name: 'x' } as never)).rejects.toThrow("PeftModel.fromPretrained: unknown option 'name' (allowed: adapterName, isTrainable)");
    await expect(PeftModel.fromPretrained(tinyBert(0), dir, { isTrainable: 'yes' } as never)).rejects.toThrow(/isTrainable/);
    await expect(peft.loadAdapterWeights(dir, 'zz')).rejects.toThrow("adapter 'zz' does not exist");
  });

  it('fromPretrained: frozen and in eval mode by default; isTrainable keeps training mode and trains LoRA only', async () => {
    const dir = tmp();
    await getPeftModel(tinyBert(0), lora(), 'default').savePretrained(dir);
    const frozen = await PeftModel.fromPretrained(tinyBert(0).train(), dir);
    expect(frozen.baseModel.training).toBe(false);
    expect(lora_(frozen).every(([, t]) => !t.requiresGrad)).toBe(true);
    const trainable = await PeftModel.fromPretrained(tinyBert(0).train(), dir, { isTrainable: true });
    expect(trainable.baseModel.training).toBe(true);
    expect(lora_(trainable).length).toBeGreaterThan(0);
    expect(lora_(trainable).every(([, t]) => t.requiresGrad)).toBe(true);
    await trainable.loadAdapter(dir, 'second');
    expect(lora_(trainable).filter(([n]) => n.endsWith('.second.weight')).every(([, t]) => !t.requiresGrad)).toBe(true);
  });
});

describe('PeftModel: merging and unloading', () => {
  it('merge() is unsafe by default: NaN weights merge; safeMerge refuses them (merge and mergeAndUnload)', () => {
    const peft = getPeftModel(tinyBert(0).eval(), lora(), 'a');
    fill(peft, '.lora_B.', NaN);
    expect(() => peft.merge(undefined, { safeMerge: true })).toThrow(/NaN/i);
    expect(peft.merged).toBe(false);
    expect(() => peft.mergeAndUnload({ safeMerge: true })).toThrow(/NaN/i);
    peft.merge();
    expect(peft.merged).toBe(true);
  });

  it('mergeAndUnload({ safeMerge, adapterNames }) merges the named adapter: the plain model gives the adapted logits', () => {
    const peft = getPeftModel(tinyBert(0).eval(), lora(), 'a');
    peft.addAdapter('b', lora());
    fill(peft, '.lora_B.');
    peft.setAdapter('b');
    const adapted = peft.forwardSync(inputs).logits;
    const plain = peft.mergeAndUnload({ safeMerge: true, adapterNames: ['b'] });
    expect(plain.namedParameters().some(([n]) => n.includes('lora_'))).toBe(false);
    expect(maxAbsDiff(plain.forwardSync(inputs).logits, adapted)).toBeLessThan(1e-5);
    expect(peft.peftConfig.size).toBe(0);
  });

  it('unload() removes the adapters without merging them, also after a merge', () => {
    const base = tinyBert(0).eval();
    const original = base.forwardSync(inputs).logits;
    const peft = getPeftModel(base, lora(), 'a');
    fill(peft, '.lora_B.', 0.5);
    expect(maxAbsDiff(peft.forwardSync(inputs).logits, original)).toBeGreaterThan(1e-4);  // the tiny model's logits are ~0.01
    peft.merge();
    const plain = peft.unload();
    expect(plain.namedParameters().some(([n]) => n.includes('lora_'))).toBe(false);
    expect(maxAbsDiff(plain.forwardSync(inputs).logits, original)).toBeLessThan(1e-6);
    expect(peft.peftConfig.size).toBe(0);
  });
});

describe('PeftModel: adapter files', () => {
  async function saved(): Promise<{ dir: string; state: Map<string, Tensor> }> {
    const peft = getPeftModel(tinyBert(0), lora(), 'default');
    const dir = tmp();
    await peft.savePretrained(dir);
    return { dir, state: peft.getAdapterStateDict() };
  }

  it('readAdapter counts the bytes of the tensors read (float32: 4 a value)', async () => {
    const { dir, state } = await saved();
    const files = await readAdapter(dir);
    const values = [...state.values()].reduce((n, t) => n + t.numel, 0);
    expect(values).toBeGreaterThan(0);
    expect(files.nbytes).toBe(4 * values);
    expect(files.config.inferenceMode).toBe(true);
    expect((await readAdapter(dir, { isTrainable: true })).config.inferenceMode).toBe(false);
    files.dispose();
  });

  it('names the file and the keys when the weights lack some or have others', async () => {
    const { dir, state } = await saved();
    const file = path.join(dir, 'adapter_model.safetensors');
    const [first, ...rest] = [...state.keys()];
    await saveSafetensors(file, new Map(rest.map((k) => [k, state.get(k)!])));
    await expect(PeftModel.fromPretrained(tinyBert(0), dir)).rejects.toThrow(`missing keys in ${file}: ${first.replace('base_model.model.', '').replace('.weight', '.default.weight')}`);
    await saveSafetensors(file, new Map([...state, ['base_model.model.nowhere.lora_A.weight', torch.zeros([4, 16])]]));
    await expect(PeftModel.fromPretrained(tinyBert(0), dir)).rejects.toThrow(`unexpected keys in ${file}: base_model.model.nowhere.lora_A.weight`);
  });
});
