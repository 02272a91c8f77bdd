// Row building in batch(): truncation strategies and sides, too-short errors, overflow/stride errors, token types without special tokens, and padding (longest, max_length, padToMultipleOf), against transformers 4.29's prepare_for_model / truncate_sequences / _pad.
import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../../lib/tokenizers';
import { overflowWindows } from '../../lib/tokenizers/batch';

// Ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 a=5 b=6 c=7 d=8 e=9 f=10 x=11 y=12 z=13
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', 'c', 'd', 'e', 'f', 'x', 'y', 'z'];
const CLS = 2;
const SEP = 3;
const PAD = 0;
const [A, B, C, D, E, F, X, Y, Z] = [5, 6, 7, 8, 9, 10, 11, 12, 13];
const bert = () => new BertTokenizer({ vocab: VOCAB });

describe('truncation (transformers 4.29 truncate_sequences)', () => {
  it("a single text cut from the left keeps its last tokens (ids = ids[num_tokens_to_remove:] for truncation_side 'left')", () => {
    const enc = bert().batch('a b c d e', { maxLength: 5, truncationSide: 'left' });
    expect(enc.inputIds).toEqual([[CLS, C, D, E, SEP]]);
    const right = bert().batch('a b c d e', { maxLength: 5, truncationSide: 'right' });
    expect(right.inputIds).toEqual([[CLS, A, B, C, SEP]]);
  });

  it('longest_first on a pair removes from the longer sequence, on the side asked', () => {
    // 4.29: for each token to remove, cut ids if len(ids) > len(pair_ids), else pair_ids.
    // a has 4, b has 2, 3 specials, maxLength 7: 2 tokens go, both from a.
    const right = bert().batch('a b c d', { textPair: 'x y', maxLength: 7 });
    expect(right.inputIds).toEqual([[CLS, A, B, SEP, X, Y, SEP]]);
    const left = bert().batch('a b c d', { textPair: 'x y', maxLength: 7, truncationSide: 'left' });
    expect(left.inputIds).toEqual([[CLS, C, D, SEP, X, Y, SEP]]);
  });

  it('longest_first may cut a pair down to both sequences empty when maxLength equals the special tokens', () => {
    // 4 tokens to remove from 2 + 2: pair (tie), first, pair, first -> both empty, row [CLS] [SEP] [SEP].
    const enc = bert().batch('a b', { textPair: 'x y', maxLength: 3 });
    expect(enc.inputIds).toEqual([[CLS, SEP, SEP]]);
    expect(enc.tokenTypeIds).toEqual([[0, 0, 1]]);
  });

  it('longest_first with an empty first text takes every token from the pair', () => {
    // len(ids) = 0 is never > len(pair_ids), so the pair loses 2 of its 3 tokens.
    const enc = bert().batch('', { textPair: 'x y z', maxLength: 4 });
    expect(enc.inputIds).toEqual([[CLS, SEP, X, SEP]]);
  });

  it("longest_first with an empty pair takes every token from the first text", () => {
    const enc = bert().batch('a b c', { textPair: '', maxLength: 4 });
    expect(enc.inputIds).toEqual([[CLS, A, SEP, SEP]]);
  });

  it("longest_first throws naming 'the pair' when even two empty sequences exceed maxLength", () => {
    // transformers would return an over-long row here (slicing an empty list is a no-op); node-peft throws.
    expect(() => bert().batch('a', { textPair: 'x', maxLength: 2 })).toThrow(
      "BertTokenizer.batch(): cannot truncate the pair to fit maxLength 2 with truncation 'longest_first'; " +
        'use a larger maxLength or another truncation strategy',
    );
  });

  it('only_second on a pair cuts the second sequence only, on either side', () => {
    const right = bert().batch('a b', { textPair: 'x y z', truncation: 'only_second', maxLength: 7 });
    expect(right.inputIds).toEqual([[CLS, A, B, SEP, X, Y, SEP]]);
    expect(right.tokenTypeIds).toEqual([[0, 0, 0, 0, 1, 1, 1]]);
    const left = bert().batch('a b', { textPair: 'x y z', truncation: 'only_second', maxLength: 7, truncationSide: 'left' });
    expect(left.inputIds).toEqual([[CLS, A, B, SEP, Y, Z, SEP]]);
  });

  it('only_first on a pair cuts the first sequence only', () => {
    const enc = bert().batch('a b c', { textPair: 'x y', truncation: 'only_first', maxLength: 6 });
    expect(enc.inputIds).toEqual([[CLS, A, SEP, X, Y, SEP]]);
  });

  it('throws naming the first sequence when it has exactly as many tokens as must be removed', () => {
    // 4.29 only truncates if len(ids) > num_tokens_to_remove (else it logs an error); node-peft throws.
    expect(() => bert().batch('a b', { textPair: 'x', truncation: 'only_first', maxLength: 4 })).toThrow(
      "cannot truncate the first sequence to fit maxLength 4 with truncation 'only_first'; use a larger maxLength",
    );
    // A single text with longest_first takes the same branch (LONGEST_FIRST and pair_ids is None).
    expect(() => bert().batch('a b c', { maxLength: 2 })).toThrow(
      "cannot truncate the first sequence to fit maxLength 2 with truncation 'longest_first'",
    );
  });

  it('throws naming the second sequence when only_second must remove all of it', () => {
    // 4.29: only_second truncates only if len(pair_ids) > num_tokens_to_remove.
    expect(() => bert().batch('a', { textPair: 'x y', truncation: 'only_second', maxLength: 4 })).toThrow(
      "cannot truncate the second sequence to fit maxLength 4 with truncation 'only_second'",
    );
  });

  it('a row exactly maxLength long is not truncated, even with an empty sequence', () => {
    // 4.29 prepare_for_model truncates only when total_len > max_length.
    expect(bert().batch('', { maxLength: 2 }).inputIds).toEqual([[CLS, SEP]]);
    const pair = bert().batch('', { textPair: 'x y', truncation: 'only_first', maxLength: 5 });
    expect(pair.inputIds).toEqual([[CLS, SEP, X, Y, SEP]]);
  });

  it('a text that fits maxLength gives one whole row with overflow on, whatever the stride', () => {
    // 4.29 prepare_for_model only calls truncate_sequences when total_len > max_length,
    // so nothing is cut and there is a single row.
    const enc = bert().batch('a b', { maxLength: 10, stride: 8, returnOverflowingTokens: true });
    expect(enc.inputIds).toEqual([[CLS, A, B, SEP]]);
    expect(enc.overflowToSampleMapping).toEqual([0]);
    const exact = bert().batch('a b', { maxLength: 4, stride: 3, returnOverflowingTokens: true });
    expect(exact.inputIds).toEqual([[CLS, A, B, SEP]]);
  });
});

describe('overflow errors', () => {
  it("only_second with overflow and no textPair throws naming textPair", () => {
    expect(() => bert().batch('a b c', { truncation: 'only_second', maxLength: 3, returnOverflowingTokens: true })).toThrow(
      "BertTokenizer.batch(): truncation 'only_second' needs textPair",
    );
  });

  it('overflow throws naming the first sequence when no token of it would be left per chunk', () => {
    expect(() => bert().batch('a b c', { maxLength: 2, returnOverflowingTokens: true })).toThrow(
      "cannot truncate the first sequence to fit maxLength 2 with truncation 'longest_first'",
    );
    expect(() => bert().batch('a b c', { maxLength: 1, returnOverflowingTokens: true })).toThrow(
      'cannot truncate the first sequence to fit maxLength 1',
    );
  });

  it('overflow throws naming the second sequence when only_second leaves none of it per chunk', () => {
    expect(() =>
      bert().batch('a', { textPair: 'x y', truncation: 'only_second', maxLength: 4, returnOverflowingTokens: true }),
    ).toThrow("cannot truncate the second sequence to fit maxLength 4 with truncation 'only_second'");
  });

  it('the stride error counts the other sequence only for a pair', () => {
    // single: 6 tokens, maxLength 6, 2 specials -> 4 tokens per chunk
    expect(() => bert().batch('a b c d e f', { maxLength: 6, stride: 4, returnOverflowingTokens: true })).toThrow(
      'BertTokenizer.batch(): stride must be smaller than the tokens left per chunk (4 = maxLength 6 minus special tokens), got 4',
    );
    // pair: 1 + 6 tokens, maxLength 8, 3 specials -> 4 tokens of the second per chunk
    expect(() =>
      bert().batch('a', { textPair: 'x y z d e f', truncation: 'only_second', maxLength: 8, stride: 4, returnOverflowingTokens: true }),
    ).toThrow(
      'BertTokenizer.batch(): stride must be smaller than the tokens left per chunk (4 = maxLength 8 minus special tokens and the other sequence), got 4',
    );
  });

  it('overflowWindows returns the ids as the only window when they fit (tokenizers: no overflow if max_len >= len)', () => {
    expect(overflowWindows([1, 2, 3], 3, 1, 'right')).toEqual([[1, 2, 3]]);
    expect(overflowWindows([1, 2, 3], 5, 0, 'left')).toEqual([[1, 2, 3]]);
  });
});

describe('token types without special tokens', () => {
  it('a single text without special tokens has one 0 token type per id', () => {
    // 4.29 prepare_for_model: token_type_ids = [0] * len(ids) when add_special_tokens is False.
    const enc = bert().batch('a b c', { addSpecialTokens: false });
    expect(enc.inputIds).toEqual([[A, B, C]]);
    expect(enc.tokenTypeIds).toEqual([[0, 0, 0]]);
  });

  it('a pair without special tokens is ids + pair_ids with token type 0 throughout (4.29 prepare_for_model)', () => {
    // 4.29: sequence = ids + pair_ids; token_type_ids = [0] * len(ids) + [0] * len(pair_ids).
    const enc = bert().batch('a b', { textPair: 'x y z', addSpecialTokens: false });
    expect(enc.inputIds).toEqual([[A, B, X, Y, Z]]);
    expect(enc.tokenTypeIds).toEqual([[0, 0, 0, 0, 0]]);
  });
});

describe('padding (transformers 4.29 _pad)', () => {
  it('padToMultipleOf leaves a longest length that is already a multiple unchanged', () => {
    // _pad: max_length is rounded up only if max_length % pad_to_multiple_of != 0.
    const enc = bert().batch(['a b c d e f', 'a'], { padding: true, padToMultipleOf: 4 });
    expect(enc.inputIds).toEqual([
      [CLS, A, B, C, D, E, F, SEP],
      [CLS, A, SEP, PAD, PAD, PAD, PAD, PAD],
    ]);
  });

  it('padToMultipleOf rounds a longest length up to the next multiple, on the left too', () => {
    const enc = bert().batch(['a b c', 'a'], { padding: true, padToMultipleOf: 4, paddingSide: 'left' });
    expect(enc.inputIds).toEqual([
      [PAD, PAD, PAD, CLS, A, B, C, SEP],
      [PAD, PAD, PAD, PAD, PAD, CLS, A, SEP],
    ]);
    expect(enc.attentionMask).toEqual([
      [0, 0, 0, 1, 1, 1, 1, 1],
      [0, 0, 0, 0, 0, 1, 1, 1],
    ]);
  });

  it("padding 'max_length' without truncation leaves longer rows as they are and pads shorter ones", () => {
    // _pad: difference = max_length - len(ids) is negative, and [pad] * negative is [].
    const enc = bert().batch(['a b c d', 'a'], { padding: 'max_length', maxLength: 4, truncation: false });
    expect(enc.inputIds).toEqual([
      [CLS, A, B, C, D, SEP],
      [CLS, A, SEP, PAD],
    ]);
    expect(enc.attentionMask).toEqual([
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 0],
    ]);
    expect(enc.tokenTypeIds).toEqual([
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
  });
});
