// Module: a typed view of a native module tree. Names are the checkpoint's state-dict keys;
// children are reachable as properties (model.bert.encoder.layer[0].attention.self), with
// negative indexes on lists as in Python (layer[-1]).
import { native, type NativeModule } from '../binding';
import type { Tensor } from '../tensor';
import { wrap } from '../tensor';
import { expectBool, invalid } from '../validate';

// Handles live outside the instances: a Module is a Proxy (for child access by name), and
// #private fields would not be reachable through it from subclass and base alike.
const HANDLES = new WeakMap<object, NativeModule>();

/** The native handle of a module; for node-peft's own code only. */
export function moduleHandle(m: Module): NativeModule {
  const h = HANDLES.get(m);
  if (!h) throw new TypeError('expected a Module');
  return h;
}

/**
 * Throws BusyError while async work (forwards, generation, training steps, backward passes) is in
 * flight on the model `m` belongs to; for node-peft's own changes made from JS (copying weights).
 */
export function assertIdle(m: Module, operation: string): void {
  native.moduleCheckIdle(moduleHandle(m), operation);
}

const OWN = new Set<string | symbol>();

function childOf(handle: NativeModule, key: string): Module | number | undefined {
  const names = native.moduleChildNames(handle);
  const isList = native.moduleType(handle) === 'ModuleList';
  if (isList && key === 'length') return names.length;
  let name = key;
  if (isList && /^-?\d+$/.test(key)) {
    const i = Number(key);
    name = String(i < 0 ? names.length + i : i);
  }
  return names.includes(name) ? new Module(native.moduleGetSubmodule(handle, name)) : undefined;
}

/** Any child module, reached by name: `module.encoder`, `module.layer[0]`. */
export type ModuleTree = Module & { readonly [child: string]: ModuleTree };

export class Module {
  /** @internal */
  constructor(handle: NativeModule) {
    // Children by property access; everything the class defines wins over a child's name.
    const proxy = new Proxy(this, {
      get(target, key, receiver) {
        if (typeof key === 'symbol' || OWN.has(key) || key in target) return Reflect.get(target, key, receiver);
        return childOf(handle, key);
      },
    });
    HANDLES.set(this, handle);
    HANDLES.set(proxy, handle);
    return proxy;
  }



  /** The PyTorch class name, e.g. 'BertSelfAttention' or 'lora.Linear'. */
  get type(): string { return native.moduleType(moduleHandle(this)); }

  /** Names of the direct children, in registration order. */
  childNames(): string[] { return native.moduleChildNames(moduleHandle(this)); }

  /** getSubmodule('bert.encoder.layer.0.attention.self'), as torch.nn.Module.get_submodule. */
  getSubmodule(path: string): ModuleTree {
    if (typeof path !== 'string') invalid('getSubmodule(path)', 'a dotted module path', path);
    return new Module(native.moduleGetSubmodule(moduleHandle(this), path)) as ModuleTree;
  }

  /** [name, tensor] for every parameter; tied weights appear once, under their first name. */
  namedParameters(options?: { removeDuplicate?: boolean }): [string, Tensor][] {
    return native.moduleNamedParameters(moduleHandle(this), options?.removeDuplicate ?? true).map(([n, t]) => [n, wrap(t)]);
  }
  parameters(): Tensor[] { return this.namedParameters().map(([, t]) => t); }
  namedBuffers(): [string, Tensor][] { return native.moduleNamedBuffers(moduleHandle(this)).map(([n, t]) => [n, wrap(t)]); }
  /** [name, module] for this module ('') and every descendant. */
  namedModules(): [string, ModuleTree][] {
    return native.moduleNamedModules(moduleHandle(this)).map(([name]) => [name, this.getSubmodule(name)]);
  }
  /** The state dict: parameters and buffers by key (tied weights under every name). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters({ removeDuplicate: false }), ...this.namedBuffers()]);
  }

  /** Counts parameters (tied ones once), all or only those that require grad. */
  numParameters(options?: { onlyTrainable?: boolean }): number {
    const only = options?.onlyTrainable ?? false;
    let n = 0;
    for (const [, t] of this.namedParameters()) if (!only || t.requiresGrad) n += t.numel;
    return n;
  }

  /**
   * Sets requires_grad on every parameter of this subtree (freeze with false). Throws BusyError
   * while async work runs on the model (see README, Concurrency).
   */
  requiresGrad_(requiresGrad = true): this {
    native.moduleRequiresGrad(moduleHandle(this), expectBool('requiresGrad_(requiresGrad)', requiresGrad));
    return this;
  }

  /** Sets train/eval mode (dropout) on this subtree; BusyError while async work runs on the model. */
  train(mode = true): this { native.moduleTrain(moduleHandle(this), expectBool('train(mode)', mode)); return this; }
  eval(): this { return this.train(false); }
  get training(): boolean { return native.moduleIsTraining(moduleHandle(this)); }

  /** PyTorch's module repr. */
  toString(): string { return native.moduleRepr(moduleHandle(this)); }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}

for (let proto = Module.prototype; proto; proto = Object.getPrototypeOf(proto)) {
  for (const key of Object.getOwnPropertyNames(proto)) OWN.add(key);
}
