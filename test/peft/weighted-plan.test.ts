// addWeightedAdapter's checks and the new adapter's config (planWeightedAdapter, as PEFT's
// _check_add_weighted_adapter) and the modules_to_save clash check, without a model: every
// argument error names the argument, and the new rank and targets follow PEFT's rules.
import { describe, expect, it } from 'vitest';
import { LoraConfig } from '../../lib';
import { checkModulesToSave, planWeightedAdapter } from '../../lib/peft/weighted-adapter';

const configs = (entries: Record<string, ConstructorParameters<typeof LoraConfig>[0]>) =>
  new Map(Object.entries(entries).map(([name, o]) => [name, new LoraConfig({ targetModules: ['q_proj', 'v_proj'], ...o })]));
const two = configs({ a: { r: 4 }, b: { r: 4 } });

describe('planWeightedAdapter: arguments', () => {
  it('refuses adapters that are not a non-empty array of names, naming the argument', () => {
    for (const bad of [[], ['a', 3], 'a', undefined]) {
      expect(() => planWeightedAdapter(two, bad, [1], 'linear')).toThrow(/addWeightedAdapter\(adapters\).*non-empty array of adapter names/);
    }
    expect(() => planWeightedAdapter(two, ['a', 'zz'], [1, 1], 'linear')).toThrow("addWeightedAdapter: adapter 'zz' does not exist (loaded: a, b)");
  });

  it('needs one number per adapter in weights', () => {
    expect(() => planWeightedAdapter(two, ['a', 'b'], [1], 'linear')).toThrow(/addWeightedAdapter\(weights\).*an array of 2 numbers, one per adapter/);
    expect(() => planWeightedAdapter(two, ['a', 'b'], 'x', 'linear')).toThrow(/addWeightedAdapter\(weights\)/);
    expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 'x'], 'linear')).toThrow(/addWeightedAdapter\(weights\)\[1\]/);
    expect(() => planWeightedAdapter(two, ['a', 'b'], [1, NaN], 'linear')).toThrow(/addWeightedAdapter\(weights\)\[1\]/);
  });

  it('names unknown options and combination types', () => {
    expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 1], 'linear', { densty: 0.5 } as never)).toThrow(/addWeightedAdapter\(options\).*densty/);
    expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 1], 'avg')).toThrow(/addWeightedAdapter\(combinationType\).*avg/);
    expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 1], 'ties', { density: 0.5, majoritySignMethod: 'mean' as never })).toThrow(/addWeightedAdapter: majoritySignMethod.*mean/);
    expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 1], 'svd', { svdFullMatrices: 1 as never })).toThrow(/addWeightedAdapter: svdFullMatrices/);
  });

  it('density: needed by ties, dare and magnitude_prune types, in [0, 1] inclusive', () => {
    for (const type of ['ties', 'dare_linear', 'dare_ties_svd', 'magnitude_prune', 'magnitude_prune_svd']) {
      expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 1], type)).toThrow(`addWeightedAdapter: combinationType '${type}' needs options.density`);
    }
    for (const density of [-0.01, 1.01, Infinity]) {
      expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 1], 'ties', { density })).toThrow(/addWeightedAdapter: density.*\[0, 1\]/);
    }
    for (const density of [0, 1]) expect(planWeightedAdapter(two, ['a', 'b'], [1, 1], 'ties', { density }).native.density).toBe(density);
    // linear and svd ignore it, as PEFT: no density needed, any given one is passed on unchecked
    expect(planWeightedAdapter(two, ['a', 'b'], [1, 1], 'svd').native.density).toBeNull();
    expect(planWeightedAdapter(two, ['a', 'b'], [1, 1], 'linear', { density: 2 }).native.density).toBe(2);
  });

  it('svdClamp: a quantile in [0, 1] inclusive, null when not given', () => {
    for (const svdClamp of [-0.01, 1.01, NaN]) {
      expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 1], 'svd', { svdClamp })).toThrow(/addWeightedAdapter: svdClamp/);
    }
    expect(() => planWeightedAdapter(two, ['a', 'b'], [1, 1], 'svd', { svdClamp: -0.01 })).toThrow(/a quantile in \[0, 1\]/);
    for (const svdClamp of [0, 1]) expect(planWeightedAdapter(two, ['a', 'b'], [1, 1], 'svd', { svdClamp }).native.svdClamp).toBe(svdClamp);
    expect(planWeightedAdapter(two, ['a', 'b'], [1, 1], 'svd').native).toEqual({
      combinationType: 'svd', density: null, majoritySignMethod: 'total', svdClamp: null, svdFullMatrices: true,
    });
  });

  it('one adapter is only scaled: linear whatever the type asked for', () => {
    expect(planWeightedAdapter(two, ['a'], [2], 'svd').combinationType).toBe('linear');
    expect(planWeightedAdapter(two, ['a'], [2], 'not-a-type').native.combinationType).toBe('linear');
  });
});

describe('planWeightedAdapter: the new adapter\'s config', () => {
  it('r and lora_alpha: the shared rank for linear-like types, the sum for cat, the largest (or svdRank) for svd', () => {
    const mixed = configs({ a: { r: 4 }, b: { r: 8 } });
    expect(() => planWeightedAdapter(mixed, ['a', 'b'], [1, 1], 'linear')).toThrow("all adapters must have the same r for combinationType 'linear' (got 4, 8)");
    expect(planWeightedAdapter(two, ['a', 'b'], [1, 1], 'linear').config.r).toBe(4);
    const cat = planWeightedAdapter(mixed, ['a', 'b'], [1, 1], 'cat').config;
    expect([cat.r, cat.loraAlpha]).toEqual([12, 12]);
    const svd = planWeightedAdapter(mixed, ['a', 'b'], [1, 1], 'svd').config;
    expect([svd.r, svd.loraAlpha]).toEqual([8, 8]);
    expect(planWeightedAdapter(mixed, ['b', 'a'], [1, 1], 'svd').config.r).toBe(8);
    expect(planWeightedAdapter(mixed, ['a', 'b'], [1, 1], 'svd', { svdRank: 3 }).config.r).toBe(3);
    expect(() => planWeightedAdapter(mixed, ['a', 'b'], [1, 1], 'svd', { svdRank: 0 })).toThrow(/addWeightedAdapter: svdRank/);
  });

  it('a rank_pattern raises an adapter\'s rank to its largest layer rank; the new adapter has no patterns', () => {
    const patterned = configs({ a: { r: 4, rankPattern: { q_proj: 16 }, alphaPattern: { q_proj: 2 } }, b: { r: 4 } });
    const svd = planWeightedAdapter(patterned, ['a', 'b'], [1, 1], 'svd').config;
    expect(svd.r).toBe(16);
    expect([svd.rankPattern, svd.alphaPattern]).toEqual([{}, {}]);
    expect(planWeightedAdapter(configs({ a: { r: 8, rankPattern: { q_proj: 2 } }, b: { r: 2 } }), ['a', 'b'], [1, 1], 'cat').config.r).toBe(10);
  });

  it('is frozen (inference mode) and keeps the first adapter\'s other fields', () => {
    const c = planWeightedAdapter(configs({ a: { r: 4, loraDropout: 0.1, inferenceMode: false }, b: { r: 4 } }), ['a', 'b'], [1, 1], 'linear').config;
    expect(c.inferenceMode).toBe(true);
    expect(c.loraDropout).toBe(0.1);
  });

  it('targets: lists joined without repeats, regexes OR-ed, a mix refused', () => {
    const lists = configs({ a: { targetModules: ['q_proj', 'v_proj'] }, b: { targetModules: ['v_proj', 'fc1'] } });
    expect(planWeightedAdapter(lists, ['a', 'b'], [1, 1], 'cat').config.targetModules).toEqual(['q_proj', 'v_proj', 'fc1']);
    const regexes = configs({ a: { targetModules: '.*q_proj' }, b: { targetModules: '.*v_proj' } });
    expect(planWeightedAdapter(regexes, ['a', 'b'], [1, 1], 'cat').config.targetModules).toBe('(.*q_proj)|(.*v_proj)');
    const mix = configs({ a: { targetModules: '.*q_proj' }, b: { targetModules: ['v_proj'] } });
    expect(() => planWeightedAdapter(mix, ['a', 'b'], [1, 1], 'cat')).toThrow("the adapters' targetModules mix regex strings and lists (a, b)");
    expect(() => planWeightedAdapter(configs({ a: { targetModules: ['q_proj'] }, b: { targetModules: '.*' } }), ['a', 'b'], [1, 1], 'cat')).toThrow(/mix regex strings and lists/);
  });
});

describe('checkModulesToSave', () => {
  it('refuses two adapters with a copy of the same module, naming the module and the adapters', () => {
    const names = ['classifier.modules_to_save.a.weight', 'classifier.modules_to_save.b.weight', 'classifier.original_module.weight'];
    expect(() => checkModulesToSave(names, ['a', 'b'])).toThrow(
      'addWeightedAdapter: cannot add weighted adapters if they target the same module with modules_to_save, but found 1 such instance(s): classifier (a, b)');
  });

  it('allows one adapter\'s copy, copies of different modules, and copies of adapters not combined', () => {
    expect(() => checkModulesToSave(['classifier.modules_to_save.a.weight', 'classifier.modules_to_save.a.bias'], ['a', 'b'])).not.toThrow();
    expect(() => checkModulesToSave(['classifier.modules_to_save.a.weight', 'pooler.modules_to_save.b.weight'], ['a', 'b'])).not.toThrow();
    expect(() => checkModulesToSave(['classifier.modules_to_save.a.weight', 'classifier.modules_to_save.c.weight'], ['a', 'b'])).not.toThrow();
  });
});
