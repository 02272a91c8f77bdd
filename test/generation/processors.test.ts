// Logits processors and warpers against transformers 4.29's (generation/logits_process.py), on
// scores small enough to compute by hand: softmax([1, 3, 2, 0]) = [0.0871, 0.6439, 0.2369, 0.0321].
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { repetitionPenalty, temperature, topK, topP } from '../../lib/generation/processors';

const scores = () => torch.tensor([[1, 3, 2, 0], [0, -1, 5, 4]]);
const rows = (t: torch.Tensor) => t.toArray() as number[][];
const NEG = -Infinity;

describe('topK (TopKLogitsWarper)', () => {
  it('keeps the k highest scores of each row and sets the rest to -inf', () => {
    expect(rows(topK(scores(), 2))).toEqual([[NEG, 3, 2, NEG], [NEG, NEG, 5, 4]]);
    expect(rows(topK(scores(), 1))).toEqual([[NEG, 3, NEG, NEG], [NEG, NEG, 5, NEG]]);
  });

  it('keeps ties with the k-th score (scores < k-th are removed, as torch.topk + "<")', () => {
    expect(rows(topK(torch.tensor([[1, 2, 2, 0]]), 2))).toEqual([[NEG, 2, 2, NEG]]);
    expect(rows(topK(torch.tensor([[1, 2, 2, 0]]), 1))).toEqual([[NEG, 2, 2, NEG]]);
  });

  it('k = 0 (off, as top_k=0 adds no warper) or k >= vocab changes nothing', () => {
    for (const k of [0, 4, 10]) expect(rows(topK(scores(), k))).toEqual(rows(scores()));
  });
});

describe('topP (TopPLogitsWarper)', () => {
  it('removes the tokens whose ascending cumulative probability is <= 1 - p', () => {
    // row 0 ascending: idx3 0.0321, idx0 0.1192, idx2 0.3561, idx1 1.0
    expect(rows(topP(scores(), 0.8))[0]).toEqual([NEG, 3, 2, NEG]);
    expect(rows(topP(scores(), 0.5))[0]).toEqual([NEG, 3, NEG, NEG]);
    expect(rows(topP(scores(), 0.95))[0]).toEqual([1, 3, 2, NEG]);
    expect(rows(topP(scores(), 0.99))[0]).toEqual([1, 3, 2, 0]);
  });

  it('works per row: softmax([0, -1, 5, 4]) keeps only 5 and 4 at p = 0.9', () => {
    // probs [0.0048, 0.0018, 0.7275, 0.2676]; ascending cumsum 0.0018, 0.0066, 0.2742, 1
    expect(rows(topP(scores(), 0.9))[1]).toEqual([NEG, NEG, 5, 4]);
    expect(rows(topP(scores(), 0.7))[1]).toEqual([NEG, NEG, 5, NEG]);
  });

  it('always keeps the most likely token, even for a tiny p', () => {
    expect(rows(topP(scores(), 1e-9))).toEqual([[NEG, 3, NEG, NEG], [NEG, NEG, 5, NEG]]);
  });

  it('p = 1 changes nothing', () => expect(rows(topP(scores(), 1))).toEqual(rows(scores())));
});

describe('settings that change nothing return the scores themselves (no copy, no kernel)', () => {
  it('temperature 1, repetitionPenalty 1, topP 1, topK 0 or >= vocab', () => {
    const s = scores();
    const ids = torch.tensor([[0], [1]], { dtype: 'int64' });
    expect(temperature(s, 1)).toBe(s);
    expect(repetitionPenalty(s, ids, 1)).toBe(s);
    expect(topP(s, 1)).toBe(s);
    expect(topK(s, 0)).toBe(s);
    expect(topK(s, 4)).toBe(s);
    expect(topK(s, 3)).not.toBe(s);
    expect(topP(s, 0.999)).not.toBe(s);
    expect(temperature(s, 0.5)).not.toBe(s);
  });
});

describe('temperature and repetitionPenalty', () => {
  it('temperature divides the scores', () => {
    expect(rows(temperature(scores(), 2))).toEqual([[0.5, 1.5, 1, 0], [0, -0.5, 2.5, 2]]);
    expect(rows(temperature(scores(), 1))).toEqual(rows(scores()));
  });

  it('repetitionPenalty divides positive and multiplies negative scores of tokens already in the ids, once each', () => {
    const ids = torch.tensor([[1, 1, 3], [1, 2, 0]], { dtype: 'int64' });
    expect(rows(repetitionPenalty(scores(), ids, 2))).toEqual([[1, 1.5, 2, 0], [0, -2, 2.5, 4]]);
    expect(rows(repetitionPenalty(scores(), ids, 1))).toEqual(rows(scores()));
  });
});
