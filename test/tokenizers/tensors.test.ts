import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../../lib/tokenizers';
import { bertVocabList } from './helpers';

describe("returnTensors: 'pt'", () => {
  it('returns int64 tensors with the same values as the arrays', () => {
    const tok = new BertTokenizer({ vocab: bertVocabList(), doLowerCase: false });
    const texts = ['Hello, world!', 'A somewhat longer sentence.'];
    const arrays = tok.batch(texts, { padding: true });
    const tensors = tok.batch(texts, { padding: true, returnTensors: 'pt' });
    for (const key of ['inputIds', 'attentionMask', 'tokenTypeIds'] as const) {
      expect(tensors[key]!.dtype).toBe('int64');
      expect(tensors[key]!.shape).toEqual([2, arrays.inputIds[0].length]);
      expect(tensors[key]!.toArray()).toEqual(arrays[key]);
    }
    const chunks = tok.batch('one two three four five six seven', { maxLength: 5, stride: 1, truncation: true, returnOverflowingTokens: true, padding: true, returnTensors: 'pt' });
    expect(chunks.overflowToSampleMapping!.toArray()).toEqual((chunks.inputIds.toArray() as number[][]).map(() => 0));
  });

  it('refuses ragged rows with a message that says how to fix them', () => {
    const tok = new BertTokenizer({ vocab: bertVocabList(), doLowerCase: false });
    expect(() => tok.batch(['a', 'a longer one'], { returnTensors: 'pt' })).toThrow(/padding: true/);
  });
});
