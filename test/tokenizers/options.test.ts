/** How batch() options resolve to one plan (resolveBatchOptions), following transformers 4.29's _get_padding_truncation_strategies. */
import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../../lib/tokenizers';
import { resolveBatchOptions, type BatchOptions, type TokenizerDefaults } from '../../lib/tokenizers/options';

const WHERE = 'T.batch()';
const bertDefaults = (modelMaxLength = 512): TokenizerDefaults => ({
  modelMaxLength, paddingSide: 'right', truncationSide: 'right', returnTokenTypeIds: true,
});
const NO_LIMIT = 1e30;  // transformers' VERY_LARGE_INTEGER: model_max_length "unset"
const plan = (options: unknown, modelMaxLength = 512, count = 1) =>
  resolveBatchOptions(WHERE, count, options as BatchOptions, bertDefaults(modelMaxLength));

/** Tiny BERT vocab: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 a=5 b=6. */
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b'];

describe('textPair', () => {
  it('textPair null means no pair, like text_pair=None in transformers', () => {
    expect(plan({ textPair: null }).pairs).toBeNull();
    expect(plan({ textPair: undefined }).pairs).toBeNull();
  });

  it('a textPair that is not text is rejected with an error naming textPair', () => {
    expect(() => plan({ textPair: 3 })).toThrow(`${WHERE}: textPair must be a string or an array of strings, got number 3`);
    expect(() => plan({ textPair: ['x', 1] }, 512, 2)).toThrow(`${WHERE}: textPair[1] must be a string, got number 1`);
  });
});

describe('option type errors name the option at fault', () => {
  it('padToMultipleOf must be an integer >= 1', () => {
    expect(() => plan({ padToMultipleOf: 0 })).toThrow(`${WHERE}: padToMultipleOf must be an integer >= 1, got number 0`);
  });
  it('truncationSide must be right or left', () => {
    expect(() => plan({ truncationSide: 'middle' })).toThrow(`${WHERE}: truncationSide must be one of 'right', 'left', got string "middle"`);
  });
  it('addSpecialTokens must be a boolean', () => {
    expect(() => plan({ addSpecialTokens: 'yes' })).toThrow(`${WHERE}: addSpecialTokens must be a boolean, got string "yes"`);
  });
  it('returnOverflowingTokens must be a boolean', () => {
    expect(() => plan({ returnOverflowingTokens: 1 })).toThrow(`${WHERE}: returnOverflowingTokens must be a boolean, got number 1`);
  });
  it('returnTokenTypeIds must be a boolean', () => {
    expect(() => plan({ returnTokenTypeIds: 'no' })).toThrow(`${WHERE}: returnTokenTypeIds must be a boolean, got string "no"`);
  });
  it('returnAttentionMask must be a boolean', () => {
    expect(() => plan({ returnAttentionMask: 0 })).toThrow(`${WHERE}: returnAttentionMask must be a boolean, got number 0`);
  });
});

describe('maxLength defaults to modelMaxLength (transformers: max_length None -> model_max_length)', () => {
  it("padding 'max_length' alone takes maxLength from modelMaxLength", () => {
    const p = plan({ padding: 'max_length' });
    expect(p.maxLength).toBe(512);
    expect(p.padding).toBe('max_length');
    expect(p.truncation).toBe('none');
  });

  it('truncation true alone takes maxLength from modelMaxLength', () => {
    const p = plan({ truncation: true });
    expect(p.maxLength).toBe(512);
    expect(p.truncation).toBe('longest_first');
    expect(p.padding).toBe('none');
  });

  it("padding 'longest' without truncation leaves maxLength unset", () => {
    const p = plan({ padding: 'longest' });
    expect(p.maxLength).toBeUndefined();
    expect(p.padding).toBe('longest');
    expect(plan({}).maxLength).toBeUndefined();
  });

  it('without a modelMaxLength, truncation true has nothing to cut to and turns off', () => {
    const p = plan({ truncation: true }, NO_LIMIT);
    expect(p.maxLength).toBeUndefined();
    expect(p.truncation).toBe('none');
  });

  it("batch() with padding 'max_length' pads to modelMaxLength", () => {
    const tok = new BertTokenizer({ vocab: VOCAB, modelMaxLength: 6 });
    const enc = tok.batch('a b', { padding: 'max_length' });
    expect(enc.inputIds).toEqual([[2, 5, 6, 3, 0, 0]]);
    expect(enc.attentionMask).toEqual([[1, 1, 1, 1, 0, 0]]);
  });

  it('batch() with truncation true cuts to modelMaxLength', () => {
    const tok = new BertTokenizer({ vocab: VOCAB, modelMaxLength: 4 });
    expect(tok.batch('a b a b', { truncation: true }).inputIds).toEqual([[2, 5, 6, 3]]);
  });

  it('batch() with truncation true and no modelMaxLength keeps the whole text', () => {
    const tok = new BertTokenizer({ vocab: VOCAB });
    expect(tok.batch('a b a b', { truncation: true }).inputIds).toEqual([[2, 5, 6, 5, 6, 3]]);
  });
});

describe('returnOverflowingTokens checks', () => {
  it('without maxLength or modelMaxLength it says that maxLength is needed', () => {
    expect(() => plan({ returnOverflowingTokens: true, truncation: true }, NO_LIMIT)).toThrow(
      `${WHERE}: returnOverflowingTokens needs maxLength (this tokenizer has no modelMaxLength)`,
    );
  });

  it('with padding on and no truncation option, it explains that maxLength does not imply truncation', () => {
    expect(() => plan({ returnOverflowingTokens: true, maxLength: 10, padding: true })).toThrow(
      `${WHERE}: returnOverflowingTokens needs truncation true, 'longest_first', 'only_first' or 'only_second', ` +
        'got undefined (with padding on, maxLength alone does not turn truncation on)',
    );
  });

  it('with truncation explicitly off, it names the value and adds no padding hint', () => {
    const call = (truncation: unknown) => () => plan({ returnOverflowingTokens: true, maxLength: 10, truncation });
    expect(call(false)).toThrow(
      new RegExp(`^${WHERE.replace(/[()]/g, '\\$&')}: returnOverflowingTokens needs truncation true, 'longest_first', 'only_first' or 'only_second', got boolean false$`),
    );
    expect(call('do_not_truncate')).toThrow(/needs truncation .* got string "do_not_truncate"$/);
  });

  it('with maxLength and truncation it resolves to an overflow plan', () => {
    const p = plan({ returnOverflowingTokens: true, maxLength: 10, truncation: 'only_first', stride: 2 });
    expect(p).toMatchObject({ overflow: true, maxLength: 10, truncation: 'only_first', stride: 2 });
  });
});

describe('padToMultipleOf with truncation and padding (transformers raises ValueError)', () => {
  it('rejects a maxLength that is not a multiple of padToMultipleOf when both are on', () => {
    expect(() => plan({ padding: 'max_length', truncation: true, maxLength: 10, padToMultipleOf: 8 })).toThrow(
      `${WHERE}: maxLength 10 must be a multiple of padToMultipleOf 8 when truncating and padding`,
    );
  });

  it('checks a maxLength taken from modelMaxLength too', () => {
    expect(() => plan({ padding: true, truncation: true, padToMultipleOf: 8 }, 500)).toThrow(
      `${WHERE}: maxLength 500 must be a multiple of padToMultipleOf 8`,
    );
  });

  it('accepts a maxLength that is a multiple of padToMultipleOf', () => {
    expect(plan({ padding: 'max_length', truncation: true, maxLength: 16, padToMultipleOf: 8 }).maxLength).toBe(16);
  });

  it('does not check when truncation is off (padding on, maxLength given)', () => {
    const p = plan({ padding: 'max_length', maxLength: 10, padToMultipleOf: 8 });
    expect(p).toMatchObject({ padding: 'max_length', truncation: 'none', maxLength: 10, padToMultipleOf: 8 });
  });

  it('does not check when padding is off (maxLength implies truncation)', () => {
    const p = plan({ maxLength: 10, padToMultipleOf: 8 });
    expect(p).toMatchObject({ padding: 'none', truncation: 'longest_first', maxLength: 10, padToMultipleOf: 8 });
  });
});

describe('token types without special tokens (transformers 4.29 prepare_for_model raises ValueError)', () => {
  it('returnTokenTypeIds true with addSpecialTokens false is refused; left unset it resolves', () => {
    expect(() => plan({ addSpecialTokens: false, returnTokenTypeIds: true })).toThrow(
      `${WHERE}: returnTokenTypeIds true with addSpecialTokens false is undefined (no special tokens mark the segments); leave returnTokenTypeIds unset or add special tokens`,
    );
    expect(plan({ addSpecialTokens: false })).toMatchObject({ addSpecialTokens: false, returnTokenTypeIds: true });
    expect(plan({ addSpecialTokens: false, returnTokenTypeIds: false }).returnTokenTypeIds).toBe(false);
  });
});
