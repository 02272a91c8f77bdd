// Logits processors and warpers, as transformers applies them before choosing the next token.
import type { Tensor } from '../tensor';
import { arange, where } from '../creation';

/** CTRL's repetition penalty: tokens already present are made less likely. */
export function repetitionPenalty(scores: Tensor, inputIds: Tensor, penalty: number): Tensor {
  if (penalty === 1) return scores;
  const seen = scores.gather(1, inputIds);
  const penalised = where(seen.lt(0), seen.mul(penalty), seen.div(penalty));
  return scores.scatter(1, inputIds, penalised);
}

export function temperature(scores: Tensor, value: number): Tensor {
  return value === 1 ? scores : scores.div(value);
}

/** Keeps the k highest scores of each row; the rest become -inf. */
export function topK(scores: Tensor, k: number): Tensor {
  const vocab = scores.shape[1];
  if (k <= 0 || k >= vocab) return scores;
  const kth = scores.topk(k, -1).values.narrow(1, k - 1, 1);
  return scores.maskedFill(scores.lt(kth), -Infinity);
}

/** Nucleus sampling: keeps the smallest set of tokens whose probability reaches p. */
export function topP(scores: Tensor, p: number): Tensor {
  if (p >= 1) return scores;
  const { values, indices } = scores.sort(-1, false);
  const cumulative = values.softmax(-1).cumsum(-1);
  const vocab = scores.shape[1];
  // The most likely token (last after an ascending sort) always stays.
  const remove = cumulative.le(1 - p).mul(arange(vocab).lt(vocab - 1));
  const removeByToken = remove.scatter(1, indices, remove);
  return scores.maskedFill(removeByToken, -Infinity);
}
