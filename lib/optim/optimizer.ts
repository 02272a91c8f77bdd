// Optimizer: what AdamW and SGD share, as torch.optim.Optimizer — parameter groups with their own
// hyper-parameters, step(), zeroGrad(), stateDict() / loadStateDict(). The update itself runs in
// C++ (native/optim) in one call over all parameters of every group.
import { native, type NativeOptimizer, type NativeParamGroup } from '../binding';
import { DisposedError, withCallerStack } from '../errors';
import { handleOf, type Tensor, wrap } from '../tensor';
import { expectBool, expectNumber, expectOptions, invalid } from '../validate';

/** Parameters as torch.optim takes them: tensors, [name, tensor] pairs (model.namedParameters()), or groups. */
export type Params = Tensor[] | [string, Tensor][] | ParamGroupInput[];

/** One parameter group, with hyper-parameters that override the optimizer's defaults. */
export interface ParamGroupInput extends Record<string, unknown> {
  params: Tensor[] | [string, Tensor][];
}

/** A parameter group as the optimizer holds it: names (the state dict's keys) and hyper-parameters. */
export interface ParamGroup {
  readonly names: string[];
  readonly params: Tensor[];
  lr: number;
  weightDecay: number;
  readonly [hyper: string]: unknown;
}

/** The optimizer's state: per-parameter tensors keyed "<parameter name>.<buffer>", and the groups. */
export interface OptimizerStateDict {
  kind: string;
  state: Map<string, Tensor>;
  paramGroups: Record<string, unknown>[];
}

function isNamed(list: unknown[]): list is [string, Tensor][] {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty list gives no names either way (list[0] is undefined)
  return list.length > 0 && Array.isArray(list[0]);
}

/** Splits torch.optim's params argument into groups of named tensors (unnamed ones by position). */
function toGroups(params: Params): { named: [string, Tensor][]; overrides: Record<string, unknown> }[] {
  if (!Array.isArray(params) || params.length === 0) invalid('optimizer params', 'a non-empty array of tensors, [name, tensor] pairs or parameter groups', params);
  const isGroups = typeof params[0] === 'object' && params[0] !== null && !Array.isArray(params[0]) && 'params' in (params[0] as object);
  const groups = isGroups ? (params as ParamGroupInput[]) : [{ params: params as Tensor[] | [string, Tensor][] }];
  let position = 0;
  return groups.map((g, gi) => {
    const { params: list, ...overrides } = g;
    if (!Array.isArray(list)) invalid(`optimizer params[${gi}].params`, 'an array of tensors or [name, tensor] pairs', list);
    const named: [string, Tensor][] = isNamed(list as unknown[])
      ? (list as [string, Tensor][])
      : (list as Tensor[]).map((t) => [String(position++), t]);
    return { named, overrides };
  });
}

export abstract class Optimizer {
  #handle: NativeOptimizer | null;
  readonly kind: 'adamw' | 'sgd';
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly #groups: ParamGroup[];

  /** @internal */
  protected constructor(kind: 'adamw' | 'sgd', params: Params, defaults: Record<string, unknown>, allowed: readonly string[]) {
    this.kind = kind;
    this.defaults = Object.freeze({ ...defaults });
    this.#groups = toGroups(params).map(({ named, overrides }, i) => {
      const hyper = { ...defaults, ...expectOptions(`${this.constructor.name} param group ${i}`, overrides, allowed) };
      for (const [name, t] of named) handleOf(t, `parameter '${name}'`);
      return { names: named.map(([n]) => n), params: named.map(([, t]) => t), ...hyper } as ParamGroup;
    });
    this.#handle = native.optimizerCreate(kind, this.#groups.map((g) => this.nativeGroup(g)));
  }

  /** Hyper-parameters of one group as the native side takes them. */
  protected abstract nativeGroup(group: ParamGroup): NativeParamGroup;

  /** @internal The native handle, for the training step. */
  get handle(): NativeOptimizer {
    if (!this.#handle) throw new DisposedError('Optimizer');
    return this.#handle;
  }

  /** The groups; `lr` reads the live value (a scheduler changes it natively). */
  get paramGroups(): ParamGroup[] {
    const lrs = native.optimizerGetLr(this.handle);
    this.#groups.forEach((g, i) => { g.lr = lrs[i]; });
    return this.#groups;
  }

  /** Sets one group's learning rate (all groups when `group` is omitted). */
  setLr(lr: number, group?: number): void {
    expectNumber('setLr(lr)', lr);
    const indexes = group === undefined ? this.#groups.map((_, i) => i) : [group];
    for (const i of indexes) native.optimizerSetLr(this.handle, i, lr);
  }

  /** [sync] Updates every parameter that has a gradient. */
  step(): void { native.optimizerStep(this.handle); }
  /** [async] step() on a worker thread. */
  stepAsync(): Promise<void> { return withCallerStack(native.optimizerStepAsync(this.handle)); }

  /** Frees the gradients (setToNone, the default as in PyTorch 2) or fills them with zeros. */
  zeroGrad(options?: { setToNone?: boolean }): void {
    const o = expectOptions('zeroGrad', options, ['setToNone']);
    native.optimizerZeroGrad(this.handle, o.setToNone === undefined ? true : expectBool('setToNone', o.setToNone));
  }

  /** The state (copies owned by the caller) and the groups' hyper-parameters, with parameter names. */
  stateDict(): OptimizerStateDict {
    const { keys, tensors } = native.optimizerState(this.handle);
    const paramGroups = this.paramGroups.map(({ params: _params, ...rest }) => ({ ...rest }));
    return { kind: this.kind, state: new Map(keys.map((k, i) => [k, wrap(tensors[i])])), paramGroups };
  }

  /** Restores a state dict from stateDict() (or a checkpoint): buffers, step counts and lrs. */
  loadStateDict(dict: OptimizerStateDict): void {
    if (dict.kind !== this.kind) throw new TypeError(`loadStateDict: the state is of a '${dict.kind}' optimizer, this one is '${this.kind}'`);
    if (dict.paramGroups.length !== this.#groups.length) {
      throw new TypeError(`loadStateDict: the state has ${dict.paramGroups.length} parameter groups, this optimizer has ${this.#groups.length}`);
    }
    const keys = [...dict.state.keys()];
    native.optimizerLoadState(this.handle, keys, keys.map((k) => handleOf(dict.state.get(k), `state '${k}'`)));
    dict.paramGroups.forEach((g, i) => {
      if (typeof g.lr === 'number') native.optimizerSetLr(this.handle, i, g.lr);
    });
  }

  /** Frees the optimizer's state now (it also goes with garbage collection). */
  dispose(): void {
    if (this.#handle) native.optimizerDispose(this.#handle);
    this.#handle = null;
  }
  [Symbol.dispose](): void { this.dispose(); }
}
