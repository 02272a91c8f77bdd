// The next token of each row of a batch, each row with its own sampling settings: greedy rows
// take the most likely token (as generate() without doSample), sampled rows apply temperature
// and nucleus (top_p) filtering, as transformers' warpers do, then draw.
import { topP, temperature } from '../generation/processors';
import { noGrad, tidy } from '../scope';
import type { Tensor } from '../tensor';

export interface SamplingParams {
  /** 0: greedy. */
  temperature: number;
  topP: number;
}

const isGreedy = (p: SamplingParams) => p.temperature === 0;

/** Token ids, one per row of logits [rows, vocab]. */
export function chooseTokens(logits: Tensor, params: readonly SamplingParams[]): number[] {
  return noGrad(() => tidy(() => {
    const greedy = logits.argmax(-1).toArray() as number[];
    return params.map((p, i) => {
      if (isGreedy(p)) return greedy[i];
      const scores = topP(temperature(logits.select(0, i).unsqueeze(0).float(), p.temperature), p.topP);
      return scores.softmax(-1).multinomial(1).item() as number;
    });
  }));
}
