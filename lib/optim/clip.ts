// torch.nn.utils.clip_grad_norm_: scales all gradients together so that their joint norm is at
// most maxNorm, and returns the norm they had before.
import { native } from '../binding';
import { Module } from '../nn/module';
import { handleOf, type Tensor, wrap } from '../tensor';
import { expectBool, expectNumber, expectOptions, invalid } from '../validate';

export interface ClipGradNormOptions {
  /** The p of the p-norm; Infinity for the max norm. Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (instead of scaling by it). Default false. */
  errorIfNonfinite?: boolean;
}

/** Returns the total norm (a 0-dim tensor) of the gradients before clipping, as PyTorch does. */
export function clipGradNorm(params: Module | Tensor[] | [string, Tensor][], maxNorm: number, options?: ClipGradNormOptions): Tensor {
  const o = expectOptions('clipGradNorm', options, ['normType', 'errorIfNonfinite']);
  expectNumber('clipGradNorm(maxNorm)', maxNorm);
  const normType = o.normType === undefined ? 2 : expectNumber('clipGradNorm.normType', o.normType);
  if (!(normType > 0)) invalid('clipGradNorm.normType', 'a positive p (or Infinity)', normType);
  const list: Tensor[] = params instanceof Module ? params.parameters()
    : Array.isArray(params) ? (params as unknown[]).map((p) => (Array.isArray(p) ? (p[1] as Tensor) : (p as Tensor)))
    : invalid('clipGradNorm(params)', 'a Module, tensors or [name, tensor] pairs', params);
  const errorIfNonfinite = o.errorIfNonfinite === undefined ? false : expectBool('clipGradNorm.errorIfNonfinite', o.errorIfNonfinite);
  return wrap(native.clipGradNorm(list.map((t, i) => handleOf(t, `params[${i}]`)), maxNorm, normType, errorIfNonfinite));
}
