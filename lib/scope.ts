// Scopes: tidy() disposes the tensors made inside it; noGrad / enableGrad / inferenceMode switch
// libtorch's thread-local autograd modes for the synchronous part of a function. Async native
// work started inside such a scope captures the mode when it is queued.
import { native } from './binding';

interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

/** Called for every new Tensor: the innermost tidy scope owns it. */
export function track(t: Disposable): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/** Stops a tensor from being disposed by the scope it was made in (it moves to the outer one). */
export function keep<T extends Disposable>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  if (scopes.length > 1) scopes[scopes.length - 2].add(t);
  return t;
}

function collect(value: unknown, into: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if (into.has(value)) return;
  into.add(value);
  if (Array.isArray(value)) value.forEach((v) => collect(v, into, depth + 1));
  else if (Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach((v) => collect(v, into, depth + 1));
}

/**
 * Runs fn and disposes every tensor created inside it, except those it returns (alone, in an
 * array or in a plain object) and those passed to keep(). Synchronous functions only: a tensor
 * created after an await would escape the scope.
 */
export function tidy<R>(fn: () => R): R {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new TypeError('tidy: fn must be synchronous (it returned a Promise)');
  const returned = new Set<unknown>();
  collect(result, returned);
  for (const t of scope) {
    if (returned.has(t)) track(t);
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}

function withMode<R>(enter: () => void, exit: () => void, fn: () => R): R {
  enter();
  try {
    return fn();
  } finally {
    exit();
  }
}

function gradScope<R>(enabled: boolean, fn: () => R): R {
  const previous = native.isGradEnabled();
  return withMode(() => native.setGradEnabled(enabled), () => native.setGradEnabled(previous), fn);
}

/** torch.no_grad(): no graph is recorded inside fn. */
export const noGrad = <R>(fn: () => R): R => gradScope(false, fn);
/** torch.enable_grad(): records a graph even inside noGrad. */
export const enableGrad = <R>(fn: () => R): R => gradScope(true, fn);
/** torch.inference_mode(): like noGrad, faster; tensors made inside can never join a graph. */
export const inferenceMode = <R>(fn: () => R): R => withMode(native.enterInferenceMode, native.exitInferenceMode, fn);
export const isGradEnabled = (): boolean => native.isGradEnabled();
