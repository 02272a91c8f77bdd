// The masked-LM collator's rules on a hand-made vocabulary, where every outcome can be stated:
// its draws from torch's generator in a fixed order (what makes a resumed run mask as the
// original), whole words and their exact token budget, padding to a multiple, token type ids,
// and the errors for bad options and input.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { dataCollatorForMaskedLM } from '../../lib';

// 0 [PAD], 1 [CLS], 2 [SEP], 3 [UNK], 4 [MASK]; then words and "##" pieces.
const VOCAB = ['[PAD]', '[CLS]', '[SEP]', '[UNK]', '[MASK]', 'un', '##able', 'to', '##day', 'go', 'home', '##s', 'cat', 'dog', 'sun', 'moon'];
const tokenizer = { maskTokenId: 4, padTokenId: 0, allSpecialIds: [0, 1, 2, 3, 4], length: 50, convertIdsToTokens: (ids: number[]) => ids.map((i) => VOCAB[i] ?? `w${i}`) };
const labelsOf = (b: { labels?: torch.Tensor }) => b.labels!.toArray() as number[][];

describe('dataCollatorForMaskedLM: the random draws', () => {
  it('chooses, replaces and draws random ids exactly from torch.rand / randint in the documented order (choice, 80% [MASK], 50% of the rest random)', () => {
    const rows = Array.from({ length: 16 }, (_, r) => ({ inputIds: [1, ...Array.from({ length: 30 }, (_, c) => 5 + ((r * 7 + c * 3) % 40)), 2] }));
    const [B, L] = [16, 32];
    torch.manualSeed(11);
    const u = torch.rand([B, L]).toTypedArray() as Float32Array;
    const replace = torch.rand([B, L]).toTypedArray() as Float32Array;
    const random = torch.rand([B, L]).toTypedArray() as Float32Array;
    const words = Array.from(torch.randint(0, 50, [B * L]).toTypedArray() as BigInt64Array, Number);
    torch.manualSeed(11);
    const b = dataCollatorForMaskedLM({ tokenizer, mlmProbability: 0.3 })(rows);
    const ids = b.inputIds.toArray() as number[][];
    const labels = labelsOf(b);
    let counts = { mask: 0, random: 0, kept: 0 };
    rows.forEach((row, r) => row.inputIds.forEach((id, c) => {
      const k = r * L + c;
      const chosen = c > 0 && c < L - 1 && u[k] < 0.3;
      expect(labels[r][c], `label ${r},${c}`).toBe(chosen ? id : -100);
      const expected = !chosen ? id : replace[k] < 0.8 ? 4 : random[k] < 0.5 ? words[k] : id;
      expect(ids[r][c], `input ${r},${c}`).toBe(expected);
      if (chosen) counts = replace[k] < 0.8 ? { ...counts, mask: counts.mask + 1 } : random[k] < 0.5 ? { ...counts, random: counts.random + 1 } : { ...counts, kept: counts.kept + 1 };
    }));
    // The stream exercised every branch, in every row.
    expect(Math.min(counts.mask, counts.random, counts.kept)).toBeGreaterThan(5);
    labels.forEach((row, r) => expect(row.slice(1, -1).some((l) => l !== -100), `row ${r}`).toBe(true));
    expect(b.numTokens).toBe(B * L);
  });
});

describe('dataCollatorForMaskedLM: whole words', () => {
  const collate = (rows: { inputIds: number[] }[], seed: number, p = 0.5) => { torch.manualSeed(seed); return labelsOf(dataCollatorForMaskedLM({ tokenizer, wholeWordMask: true, mlmProbability: p })(rows)); };

  it('takes a word with all its "##" pieces, words in random order while they fit round(p × maskable) tokens, never special tokens', () => {
    // [CLS] un ##able to ##day go home [SEP]: words [un ##able] [to ##day] [go] [home]; 6 maskable,
    // budget 3: a two-piece word and a one-piece word (3), or the two one-piece words first, after
    // which no two-piece word fits (2), as transformers' DataCollatorForWholeWordMask skips them.
    const row = { inputIds: [1, 5, 6, 7, 8, 9, 10, 2] };
    const sizes = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const labels = collate([row], seed)[0];
      const chosen = labels.map((l, c) => (l === -100 ? -1 : c)).filter((c) => c >= 0);
      sizes.add(chosen.length);
      expect(labels[0]).toBe(-100);
      expect(labels[7]).toBe(-100);
      expect(labels[1] === -100).toBe(labels[2] === -100);
      expect(labels[3] === -100).toBe(labels[4] === -100);
    }
    expect([...sizes].sort()).toEqual([2, 3]);
  });

  it('chooses every word sometimes over many draws (a random order of words, not the first ones)', () => {
    const row = { inputIds: [1, 12, 13, 14, 15, 2] };  // four one-token words, budget round(4 × 0.25) = 1
    const seen = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      const labels = collate([row], seed, 0.25)[0];
      const chosen = labels.map((l, c) => (l === -100 ? -1 : c)).filter((c) => c >= 0);
      expect(chosen.length).toBe(1);
      seen.add(chosen[0]);
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });

  it('starts a new word at a "##" piece that follows a special token, and takes at least one token', () => {
    // [CLS] ##s cat [SEP]: "##s" cannot join [CLS]; budget max(1, round(2 × 0.1)) = 1.
    for (let seed = 0; seed < 20; seed++) {
      const labels = collate([{ inputIds: [1, 11, 12, 2] }], seed, 0.1)[0];
      expect(labels.filter((l) => l !== -100).length).toBe(1);
    }
  });
});

describe('dataCollatorForMaskedLM: batches', () => {
  it('pads to a multiple, with mask 0 and never-chosen padding, and pads token type ids with 0 when a row has them', () => {
    torch.manualSeed(0);
    const b = dataCollatorForMaskedLM({ tokenizer, padToMultipleOf: 8 })([{ inputIds: [1, 12, 13, 2], tokenTypeIds: [0, 0, 1, 1] }, { inputIds: [1, 14, 15, 12, 13, 2] }]);
    expect(b.inputIds.shape).toEqual([2, 8]);
    expect(b.attentionMask.toArray()).toEqual([[1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0, 0]]);
    expect(b.tokenTypeIds!.toArray()).toEqual([[0, 0, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]);
    expect(labelsOf(b).map((row) => row.slice(6))).toEqual([[-100, -100], [-100, -100]]);
    expect(b.numTokens).toBe(16);
    const plain = dataCollatorForMaskedLM({ tokenizer })([{ inputIds: [1, 12, 2] }]);
    expect(plain.tokenTypeIds).toBeUndefined();
    expect(plain.inputIds.shape).toEqual([1, 3]);
  });

  it('refuses bad options and input, naming them', () => {
    expect(() => dataCollatorForMaskedLM({ tokenizer, mlmProbability: 0 })).toThrow(/mlmProbability.*a probability in \(0, 1\)/);
    expect(() => dataCollatorForMaskedLM({ tokenizer, mlmProbability: 1 })).toThrow(/mlmProbability/);
    expect(() => dataCollatorForMaskedLM({ tokenizer, mlmProbability: Number.NaN })).toThrow(/mlmProbability/);
    expect(() => dataCollatorForMaskedLM({ tokenizer: {} as never })).toThrow(/DataCollatorForMaskedLM\.tokenizer/);
    expect(() => dataCollatorForMaskedLM({ tokenizer, maskProbability: 0.2 } as never)).toThrow(/maskProbability/);
    expect(() => dataCollatorForMaskedLM({ tokenizer })([])).toThrow(/DataCollatorForMaskedLM\(rows\).*non-empty array/);
    expect(() => dataCollatorForMaskedLM({ tokenizer: { ...tokenizer, maskTokenId: undefined } })).toThrow('DataCollatorForMaskedLM: the tokenizer has no mask token');
  });
});
