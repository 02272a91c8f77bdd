// addWeightedAdapter (PEFT's add_weighted_adapter) against the values PEFT's formulas give
// (test/fixtures/peft-weighted/make_weighted.py), adapter memory accounting, and deleteAdapter
// giving the memory back.
import fs from 'fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForSequenceClassification, LoraConfig, OPTForCausalLM, PeftModel, TaskType, type CombinationType } from '../../lib';
import { loadSafetensorsSync } from '../../lib/io';
import { cases, expectClose, fixture } from '../models/helpers';

const TOL = 1e-5;
const reference = JSON.parse(fs.readFileSync(fixture('peft-weighted', 'cases.json'), 'utf8')) as {
  cases: Record<string, {
    adapters: string[]; weights: number[]; combination_type: CombinationType; new_rank: number; seed?: number;
    density?: number; majority_sign_method?: 'total' | 'frequency'; svd_rank?: number; svd_clamp?: number; svd_full_matrices?: boolean;
  }>;
};
const expected = loadSafetensorsSync(fixture('peft-weighted', 'expected.safetensors')).tensors;

/** OPT with adapters a (the fixture's, PEFT-saved), b and c (make_weighted.py's). */
async function model(): Promise<PeftModel> {
  const base = await OPTForCausalLM.fromPretrained(fixture('opt-lora-default'), { warn: false });
  const peft = await PeftModel.fromPretrained(base, fixture('opt-lora-default', 'adapter'), { adapterName: 'a' });
  await peft.loadAdapter(fixture('peft-weighted', 'adapter-b'), 'b');
  await peft.loadAdapter(fixture('peft-weighted', 'adapter-c'), 'c');
  return peft;
}

describe('addWeightedAdapter matches PEFT\'s formulas (make_weighted.py)', () => {
  it.each(Object.keys(reference.cases))('%s: the new adapter\'s lora_A and lora_B on every targeted layer, within 1e-5', async (name) => {
    const c = reference.cases[name];
    const peft = await model();
    if (c.seed !== undefined) torch.manualSeed(c.seed);
    peft.addWeightedAdapter(c.adapters, c.weights, 'mix', c.combination_type, {
      density: c.density, majoritySignMethod: c.majority_sign_method, svdRank: c.svd_rank, svdClamp: c.svd_clamp, svdFullMatrices: c.svd_full_matrices,
    });
    const config = peft.peftConfig.get('mix')!;
    expect([config.r, config.loraAlpha]).toEqual([c.new_rank, c.new_rank]);
    const state = peft.getAdapterStateDict('mix');
    const keys = [...expected.keys()].filter((k) => k.startsWith(`${name}/`));
    expect([...state.keys()].sort()).toEqual(keys.map((k) => `base_model.model.${k.slice(name.length + 1)}.weight`).sort());
    const ours = (key: string) => state.get(`base_model.model.${key.slice(name.length + 1)}.weight`)!;
    if (!c.combination_type.endsWith('svd') || c.adapters.length === 1) {
      for (const key of keys) expectClose(ours(key), expected.get(key)!, TOL, key);
    } else {
      // The factors of an SVD move with the last bits of the matrix factored and the LAPACK
      // path taken where singular values lie close together (measured: up to 2.8e-5 here, at
      // any thread count); the delta weight B A they make is what PEFT's result means, and it
      // agrees to 1e-5. The factors themselves agree to 1e-4.
      for (const key of keys.filter((k) => k.endsWith('.lora_A'))) {
        const keyB = key.replace(/lora_A$/, 'lora_B');
        expectClose(ours(keyB).matmul(ours(key)), expected.get(keyB)!.matmul(expected.get(key)!), TOL, `${key} delta weight`);
        expectClose(ours(key), expected.get(key)!, 1e-4, key);
        expectClose(ours(keyB), expected.get(keyB)!, 1e-4, keyB);
      }
    }
    expect(peft.activeAdapters).toEqual(['a']);  // as PEFT: added, not activated
    expect(peft.baseModel.namedParameters().filter(([n]) => n.includes('.mix.')).every(([, t]) => !t.requiresGrad)).toBe(true);
  });

  it('one adapter at weight 1 (linear) runs exactly as that adapter: logits equal within 1e-5', async () => {
    const peft = (await model()).eval();
    const c = cases('opt-lora-default');
    const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')! };
    const own = (await peft.forward(inputs)).logits;
    peft.addWeightedAdapter(['a'], [1], 'a_again');
    peft.setAdapter('a_again');
    expectClose((await peft.forward(inputs)).logits, own, TOL, 'logits');
  });

  it('refuses what PEFT refuses, naming the problem', async () => {
    const peft = await model();
    expect(() => peft.addWeightedAdapter(['a', 'c'], [1, 1], 'm', 'linear')).toThrow(/same r for combinationType 'linear' \(got 8, 4\)/);
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1, 1], 'm', 'ties')).toThrow(/'ties' needs options.density/);
    expect(() => peft.addWeightedAdapter(['a', 'zz'], [1, 1], 'm', 'cat')).toThrow(/adapter 'zz' does not exist \(loaded: a, b, c\)/);
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1], 'm', 'cat')).toThrow(/weights\): expected an array of 2 numbers/);
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1, 1], 'b', 'cat')).toThrow(/adapter 'b' already exists/);
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1, 1], 'm', 'average' as CombinationType)).toThrow(/combinationType/);
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1, 1], 'm', 'svd', { svdRank: 40 })).toThrow(/svdRank 40 exceeds the rank a 32 x 32 delta weight can have/);
    expect(peft.peftConfig.has('m')).toBe(false);  // a failed combination leaves no adapter behind
    expect(() => peft.addWeightedAdapter(['a', 'b'], [1, 1], 'm', 'ties', { density: 1.5 })).toThrow(/density: expected a number in \[0, 1\]/);
  });

  it('BERT adapters that each have a classifier copy (modules_to_save) cannot be combined, as in PEFT', async () => {
    const base = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
    const peft = await PeftModel.fromPretrained(base, fixture('bert-lora-default', 'adapter'), { adapterName: 'a' });
    peft.addAdapter('b', new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraAlpha: 8 }));
    expect(() => peft.addWeightedAdapter(['a', 'b'], [0.5, 0.5], 'm', 'linear')).toThrow(/target the same module with modules_to_save, but found 1 such instance\(s\): classifier \(a, b\)/);
  });
});

describe('adapter memory', () => {
  const floats = (r: number, fanIn: number, fanOut: number) => r * fanIn + fanOut * r;

  it('adapterMemory counts each adapter\'s A and B bytes (from its config and the layer sizes) and their total', async () => {
    const peft = await model();
    const a = 4 * floats(8, 32, 32) * 4;                       // q_proj, v_proj x 2 layers, r 8
    const b = (4 * floats(8, 32, 32) + 2 * floats(8, 32, 64)) * 4; // + fc1 (32 -> 64) x 2 layers
    const c = 2 * floats(4, 32, 32) * 4;                       // q_proj x 2 layers, r 4
    expect([peft.adapterMemory('a'), peft.adapterMemory('b'), peft.adapterMemory('c')]).toEqual([a, b, c]);
    expect(peft.adapterMemory()).toBe(a + b + c);
    expect(() => peft.adapterMemory('nope')).toThrow(/adapter 'nope' does not exist \(loaded: a, b, c\)/);
  });

  it('counts a modules_to_save copy (the BERT classifier) with the adapter', async () => {
    const base = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
    const peft = await PeftModel.fromPretrained(base, fixture('bert-lora-default', 'adapter'));
    // r 4 on query and value of 2 layers (hidden 32), plus the classifier copy (32 -> 3, with bias).
    expect(peft.adapterMemory('default')).toBe((4 * floats(4, 32, 32) + 32 * 3 + 3) * 4);
  });

  it('deleteAdapter gives the adapter\'s memory back to the allocator', async () => {
    const peft = await model();
    const gc = () => (globalThis as { gc?: () => void }).gc?.();
    const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 5)); } };
    await settle();
    const before = torch.memoryStats().allocatedBytes;
    peft.addAdapter('big', new LoraConfig({ taskType: TaskType.CAUSAL_LM, r: 512, loraAlpha: 512, targetModules: ['q_proj', 'v_proj', 'fc1', 'fc2'] }));
    const size = peft.adapterMemory('big');
    expect(size).toBeGreaterThan(1_000_000);
    expect(torch.memoryStats().allocatedBytes - before).toBeGreaterThanOrEqual(size);
    peft.deleteAdapter('big');
    await settle();
    expect(torch.memoryStats().allocatedBytes - before).toBeLessThan(size / 20);
  });
});
