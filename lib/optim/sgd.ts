// torch.optim.SGD: momentum (with dampening), Nesterov momentum, L2 weight decay.
import type { NativeParamGroup } from '../binding';
import { handleOf } from '../tensor';
import { expectBool, expectNumber, expectOptions, invalid } from '../validate';
import { Optimizer, type ParamGroup, type Params } from './optimizer';

/** Options with PyTorch's names (camelCase) and defaults; lr is required, as in PyTorch. */
export interface SGDOptions {
  lr: number;
  /** default 0 */
  momentum?: number;
  /** default 0 */
  dampening?: number;
  /** default 0 */
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

const KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;

function checked(where: string, o: Partial<SGDOptions>): Partial<SGDOptions> {
  for (const key of ['lr', 'momentum', 'dampening', 'weightDecay'] as const) {
    if (o[key] !== undefined && !(expectNumber(`${where}.${key}`, o[key]) >= 0)) invalid(`${where}.${key}`, 'a number >= 0', o[key]);
  }
  if (o.nesterov !== undefined) expectBool(`${where}.nesterov`, o.nesterov);
  if (o.maximize !== undefined) expectBool(`${where}.maximize`, o.maximize);
  // torch.optim.SGD: "Nesterov momentum requires a momentum and zero dampening"
  if (o.nesterov && (!(o.momentum! > 0) || (o.dampening ?? 0) !== 0)) {
    throw new TypeError(`${where}: Nesterov momentum requires a momentum > 0 and zero dampening`);
  }
  return o;
}

export class SGD extends Optimizer {
  constructor(params: Params, options: SGDOptions) {
    const o = checked('SGD', expectOptions('SGD', options, KEYS));
    if (o.lr === undefined) invalid('SGD.lr', 'a learning rate (required)', undefined);
    super('sgd', params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...o }, KEYS);
  }

  protected nativeGroup(g: ParamGroup): NativeParamGroup {
    checked('SGD param group', g as Partial<SGDOptions>);
    return {
      names: g.names, params: g.params.map((t, i) => handleOf(t, g.names[i])), lr: g.lr, weightDecay: g.weightDecay,
      momentum: g.momentum as number, dampening: g.dampening as number, nesterov: g.nesterov as boolean, maximize: g.maximize as boolean,
    };
  }
}
