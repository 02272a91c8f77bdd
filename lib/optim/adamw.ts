// torch.optim.AdamW: decoupled weight decay, bias-corrected moments, optional AMSGrad.
import type { NativeParamGroup } from '../binding';
import { handleOf } from '../tensor';
import { expectBool, expectNumber, expectOptions, invalid } from '../validate';
import { Optimizer, type ParamGroup, type Params } from './optimizer';

/** Options with PyTorch's names (camelCase) and defaults. */
export interface AdamWOptions {
  /** default 1e-3 */
  lr?: number;
  /** default [0.9, 0.999] */
  betas?: [number, number];
  /** default 1e-8 */
  eps?: number;
  /** default 1e-2 (PyTorch's AdamW default; transformers' Trainer passes its own) */
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

const KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] as const;

function checked(where: string, o: Partial<AdamWOptions>): Partial<AdamWOptions> {
  if (o.lr !== undefined && !(expectNumber(`${where}.lr`, o.lr) >= 0)) invalid(`${where}.lr`, 'a learning rate >= 0', o.lr);
  if (o.eps !== undefined && !(expectNumber(`${where}.eps`, o.eps) >= 0)) invalid(`${where}.eps`, 'an epsilon >= 0', o.eps);
  if (o.weightDecay !== undefined && !(expectNumber(`${where}.weightDecay`, o.weightDecay) >= 0)) invalid(`${where}.weightDecay`, 'a weight decay >= 0', o.weightDecay);
  if (o.betas !== undefined) {
    const ok = Array.isArray(o.betas) && o.betas.length === 2 && o.betas.every((b) => typeof b === 'number' && b >= 0 && b < 1);
    if (!ok) invalid(`${where}.betas`, 'two numbers in [0, 1)', o.betas);
  }
  if (o.amsgrad !== undefined) expectBool(`${where}.amsgrad`, o.amsgrad);
  if (o.maximize !== undefined) expectBool(`${where}.maximize`, o.maximize);
  return o;
}

export class AdamW extends Optimizer {
  constructor(params: Params, options?: AdamWOptions) {
    const o = checked('AdamW', expectOptions('AdamW', options, KEYS));
    const defaults = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...o };
    super('adamw', params, defaults, KEYS);
  }

  protected nativeGroup(g: ParamGroup): NativeParamGroup {
    checked('AdamW param group', g as Partial<AdamWOptions>);
    const [beta1, beta2] = g.betas as [number, number];
    return {
      names: g.names, params: g.params.map((t, i) => handleOf(t, g.names[i])), lr: g.lr, weightDecay: g.weightDecay,
      beta1, beta2, eps: g.eps as number, amsgrad: g.amsgrad as boolean, maximize: g.maximize as boolean,
    };
  }
}
