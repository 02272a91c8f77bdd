// PEFT's LoraModel.add_weighted_adapter, the configuration part: which combination types exist,
// what they need, and the new adapter's LoraConfig (PEFT's _check_add_weighted_adapter). The
// tensors are combined natively (native/peft/weighted_adapter.cc, merge_utils.cc).
import { expectBool, expectInt, expectNumber, expectOneOf, expectOptions, invalid } from '../validate';
import { LoraConfig } from './config';

export const COMBINATION_TYPES = [
  'svd', 'linear', 'cat', 'ties', 'ties_svd', 'dare_ties', 'dare_linear', 'dare_ties_svd', 'dare_linear_svd', 'magnitude_prune', 'magnitude_prune_svd',
] as const;
export type CombinationType = (typeof COMBINATION_TYPES)[number];

export interface WeightedAdapterOptions {
  /** Rank of the new adapter for the svd types (default: the largest rank combined). */
  svdRank?: number;
  /** Quantile of the factors' values to clamp them at, for the svd types (default: no clamping). */
  svdClamp?: number;
  /** Full or reduced SVD (torch.linalg.svd's full_matrices; default true). */
  svdFullMatrices?: boolean;
  /** Fraction of values kept, in [0, 1], for the ties, dare and magnitude_prune types. */
  density?: number;
  /** How TIES elects each value's sign: 'total' (sum of values, default) or 'frequency' (count of signs). */
  majoritySignMethod?: 'total' | 'frequency';
}

const OPTION_NAMES = ['svdRank', 'svdClamp', 'svdFullMatrices', 'density', 'majoritySignMethod'] as const;
const SAME_RANK: readonly string[] = ['linear', 'ties', 'dare_ties', 'dare_linear', 'magnitude_prune'];
const NEEDS_DENSITY = (type: string) => /^(ties|dare_|magnitude_prune)/.test(type);

/** What the native combination receives. */
export interface WeightedAdapterPlan {
  combinationType: CombinationType;
  config: LoraConfig;
  native: { combinationType: string; density: number | null; majoritySignMethod: string; svdClamp: number | null; svdFullMatrices: boolean };
}

/** Checks the arguments and builds the new adapter's config, as PEFT's _check_add_weighted_adapter. */
export function planWeightedAdapter(configs: Map<string, LoraConfig>, adapters: unknown, weights: unknown, combinationType: unknown, options?: WeightedAdapterOptions): WeightedAdapterPlan {
  if (!Array.isArray(adapters) || adapters.length === 0 || !adapters.every((a) => typeof a === 'string')) invalid('addWeightedAdapter(adapters)', 'a non-empty array of adapter names', adapters);
  for (const a of adapters) if (!configs.has(a)) throw new Error(`addWeightedAdapter: adapter '${a}' does not exist (loaded: ${[...configs.keys()].join(', ')})`);
  if (!Array.isArray(weights) || weights.length !== adapters.length) invalid('addWeightedAdapter(weights)', `an array of ${adapters.length} numbers, one per adapter`, weights);
  weights.forEach((w, i) => expectNumber(`addWeightedAdapter(weights)[${i}]`, w));
  const o = expectOptions('addWeightedAdapter(options)', options, OPTION_NAMES);
  // As PEFT: a single adapter can only be scaled.
  const type = adapters.length === 1 ? 'linear' : expectOneOf('addWeightedAdapter(combinationType)', combinationType ?? 'svd', COMBINATION_TYPES);
  const density = o.density === undefined ? null : expectNumber('addWeightedAdapter: density', o.density);
  if (NEEDS_DENSITY(type)) {
    if (density === null) throw new Error(`addWeightedAdapter: combinationType '${type}' needs options.density, the fraction of values to keep (in [0, 1])`);
    if (!(density >= 0 && density <= 1)) invalid('addWeightedAdapter: density', 'a number in [0, 1]', density);
  }
  const majoritySignMethod = expectOneOf('addWeightedAdapter: majoritySignMethod', o.majoritySignMethod ?? 'total', ['total', 'frequency'] as const);
  const svdClamp = o.svdClamp === undefined ? null : expectNumber('addWeightedAdapter: svdClamp', o.svdClamp);
  if (svdClamp !== null && !(svdClamp >= 0 && svdClamp <= 1)) invalid('addWeightedAdapter: svdClamp', 'a quantile in [0, 1]', svdClamp);
  const list = adapters.map((a) => configs.get(a)!);
  const config = LoraConfig.fromDict({
    ...list[0].toDict(),
    r: newRank(type, list, o.svdRank),
    lora_alpha: newRank(type, list, o.svdRank),
    target_modules: newTargets(adapters, list),
    alpha_pattern: {},
    rank_pattern: {},
    inference_mode: true,
  }, 'addWeightedAdapter');
  const svdFullMatrices = expectBool('addWeightedAdapter: svdFullMatrices', o.svdFullMatrices ?? true);
  return { combinationType: type, config, native: { combinationType: type, density, majoritySignMethod, svdClamp, svdFullMatrices } };
}

// The largest rank an adapter uses on any layer (its r, or more through rank_pattern).
const maxRank = (c: LoraConfig) => Math.max(c.r, ...Object.values(c.rankPattern));

function newRank(type: string, configs: LoraConfig[], svdRank: unknown): number {
  const ranks = configs.map(maxRank);
  if (SAME_RANK.includes(type)) {
    if (new Set(ranks).size !== 1) throw new Error(`addWeightedAdapter: all adapters must have the same r for combinationType '${type}' (got ${ranks.join(', ')}); use 'cat' or an svd type to combine different ranks`);
    return ranks[0];
  }
  if (type === 'cat') return ranks.reduce((a, b) => a + b, 0);  // may be large: the ranks add up
  return svdRank === undefined ? Math.max(...ranks) : expectInt('addWeightedAdapter: svdRank', svdRank, 1);
}

// The union of the adapters' targets: lists joined, regexes OR-ed as PEFT does.
function newTargets(names: string[], configs: LoraConfig[]): string[] | string {
  const targets = configs.map((c) => c.targetModules);
  if (targets.every((t) => typeof t === 'string')) return targets.map((t) => `(${t})`).join('|');
  if (targets.every(Array.isArray)) return [...new Set(targets.flat() as string[])];
  throw new Error(`addWeightedAdapter: the adapters' targetModules mix regex strings and lists (${names.join(', ')}); PEFT cannot combine them either`);
}

/**
 * PEFT refuses to combine adapters that each have a modules_to_save copy of the same module (a
 * trained classifier head, say): copies cannot be merged. `parameterNames` are the model's.
 */
export function checkModulesToSave(parameterNames: string[], adapters: string[]): void {
  const owners = new Map<string, Set<string>>();
  for (const name of parameterNames) {
    for (const a of adapters) {
      const at = name.indexOf(`.modules_to_save.${a}.`);
      if (at < 0) continue;
      const wrapper = name.slice(0, at);
      owners.set(wrapper, (owners.get(wrapper) ?? new Set()).add(a));
    }
  }
  const shared = [...owners].filter(([, set]) => set.size > 1).map(([w, set]) => `${w} (${[...set].join(', ')})`);
  if (shared.length > 0) {
    throw new Error(`addWeightedAdapter: cannot add weighted adapters if they target the same module with modules_to_save, but found ${shared.length} such instance(s): ${shared.join('; ')}`);
  }
}
