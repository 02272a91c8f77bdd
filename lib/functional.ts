// torch.nn.functional: the building blocks of models and losses.
import { native } from './binding';
import { handleOf, type Tensor, wrap } from './tensor';
import { expectBool, expectInt, expectIntList, expectNumber, expectOneOf, expectOptions, invalid } from './validate';

const REDUCTIONS = ['mean', 'sum', 'none'] as const;
export type Reduction = (typeof REDUCTIONS)[number];

const opt = (name: string, t: Tensor | null | undefined) => (t == null ? null : handleOf(t, name));

export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(native.linear(handleOf(input, 'linear(input)'), handleOf(weight, 'linear(weight)'), opt('linear(bias)', bias)));
}

export function embedding(indices: Tensor, weight: Tensor, paddingIdx?: number | null): Tensor {
  const pad = paddingIdx == null ? null : expectInt('embedding(paddingIdx)', paddingIdx);
  return wrap(native.embedding(handleOf(weight, 'embedding(weight)'), handleOf(indices, 'embedding(indices)'), pad));
}

export function layerNorm(input: Tensor, normalizedShape: number | number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const shape = expectIntList('layerNorm(normalizedShape)', normalizedShape, 1);
  return wrap(native.layerNorm(handleOf(input, 'layerNorm(input)'), shape, opt('layerNorm(weight)', weight), opt('layerNorm(bias)', bias), expectNumber('layerNorm(eps)', eps)));
}

export const gelu = (input: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => input.gelu(approximate);
export const relu = (input: Tensor): Tensor => input.relu();
export const softmax = (input: Tensor, dim: number): Tensor => input.softmax(dim);
export const logSoftmax = (input: Tensor, dim: number): Tensor => input.logSoftmax(dim);

/** Dropout with probability p when training is true; the identity otherwise. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) invalid('dropout(p)', 'a probability in [0, 1]', p);
  return wrap(native.dropout(handleOf(input, 'dropout(input)'), p, expectBool('dropout(training)', training)));
}

export interface CrossEntropyOptions {
  weight?: Tensor;
  reduction?: Reduction;
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/** F.cross_entropy: input [N, C] (or [N, C, ...]) logits, target class indices (int64). */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const o = expectOptions('crossEntropy', options, ['weight', 'reduction', 'ignoreIndex', 'labelSmoothing']);
  const reduction = expectOneOf('crossEntropy: reduction', o.reduction ?? 'mean', REDUCTIONS);
  const ignore = expectInt('crossEntropy: ignoreIndex', o.ignoreIndex ?? -100);
  const smoothing = expectNumber('crossEntropy: labelSmoothing', o.labelSmoothing ?? 0);
  return wrap(native.crossEntropy(handleOf(input, 'crossEntropy(input)'), handleOf(target, 'crossEntropy(target)'),
    opt('crossEntropy: weight', o.weight), reduction, ignore, smoothing));
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(native.mseLoss(handleOf(input, 'mseLoss(input)'), handleOf(target, 'mseLoss(target)'), expectOneOf('mseLoss(reduction)', reduction, REDUCTIONS)));
}

export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(native.bceWithLogits(handleOf(input, 'binaryCrossEntropyWithLogits(input)'), handleOf(target, 'binaryCrossEntropyWithLogits(target)'),
    expectOneOf('binaryCrossEntropyWithLogits(reduction)', reduction, REDUCTIONS)));
}
