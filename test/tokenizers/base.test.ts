/**
 * What every tokenizer shares (lib/tokenizers/base.ts), on small hand-made vocabularies: the
 * constructor's option checks, added tokens (tokenizer.json's added_tokens: ids past the
 * vocabulary, found whole in text, lstrip / rstrip as the tokenizers library's AddedToken), the
 * special-token lists, token <-> id conversion, and decode() around added tokens as transformers
 * 4.29's _decode joins them. Expected values follow from those rules by hand.
 */
import { describe, expect, it } from 'vitest';
import { BertTokenizer, GPT2Tokenizer } from '../../lib/tokenizers';

const BERT_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '##s', 'a', 'b'];
const bert = (extra: Record<string, unknown> = {}) => new BertTokenizer({ vocab: BERT_VOCAB, ...extra } as never);
/** GPT-2 style: "Ġ" is a byte-level space; "Ġb" merges from "Ġ b". */
const GPT2_VOCAB = { a: 0, b: 1, 'Ġ': 2, 'Ġb': 3, '<|endoftext|>': 4 };
const gpt2 = (extra: Record<string, unknown> = {}) => new GPT2Tokenizer({ vocab: GPT2_VOCAB, merges: ['Ġ b'], ...extra } as never);

describe('constructor options', () => {
  it('each setting is checked under its own name', () => {
    expect(() => bert({ modelMaxLength: 0 })).toThrow(/^new BertTokenizer\(\): modelMaxLength must be an integer >= 1, got number 0/);
    expect(() => bert({ paddingSide: 'up' })).toThrow(/^new BertTokenizer\(\): paddingSide must be one of/);
    expect(() => bert({ truncationSide: 'up' })).toThrow(/^new BertTokenizer\(\): truncationSide must be one of/);
    expect(() => bert({ cleanUpTokenizationSpaces: 'yes' })).toThrow(/^new BertTokenizer\(\): cleanUpTokenizationSpaces must be a boolean/);
    expect(() => bert({ recognizeSpecialTokens: 1 })).toThrow(/^new BertTokenizer\(\): recognizeSpecialTokens must be a boolean/);
  });

  it('a special token is a string or {content: string}; anything else names the option', () => {
    expect(() => bert({ unkToken: 5 })).toThrow('new BertTokenizer(): unkToken must be a string or {content: string}, got number 5');
    expect(() => bert({ maskToken: { content: 3 } })).toThrow(/^new BertTokenizer\(\): maskToken must be a string or \{content: string\}/);
    expect(bert({ maskToken: { content: '[MASK]', lstrip: true } }).maskTokenId).toBe(4);
    expect(() => bert({ additionalSpecialTokens: 'a' })).toThrow('new BertTokenizer(): additionalSpecialTokens must be an array, got string "a"');
  });

  it('additionalSpecialTokens is copied: changing the caller\'s array later changes nothing', () => {
    const extra = ['a'];
    const tok = bert({ additionalSpecialTokens: extra });
    extra.push('b');
    expect(tok.additionalSpecialTokens).toEqual(['a']);
    expect(tok.allSpecialTokens).toEqual(['[UNK]', '[SEP]', '[PAD]', '[CLS]', '[MASK]', 'a']);
  });

  it('addedTokens entries need a string content and a non-negative integer id; the message shows the entry', () => {
    for (const bad of [null, { content: 5, id: 10 }, { content: '<x>', id: 1.5 }, { content: '<x>', id: -1 }, { content: '<x>' }]) {
      expect(() => bert({ addedTokens: [bad] }), JSON.stringify(bad)).toThrow(/^new BertTokenizer\(\): addedTokens entries need a string content and a non-negative integer id, got /);
    }
  });
});

describe('added tokens', () => {
  it('a token the vocabulary lacks gets its own id, is found whole in text and counts in length but not vocabSize', () => {
    const tok = bert({ addedTokens: [{ content: '<new>', id: 10 }] });
    expect([tok.vocabSize, tok.length]).toEqual([10, 11]);
    expect(tok.getVocab().get('<new>')).toBe(10);
    expect(tok.getVocab().get('hello')).toBe(5);
    expect(tok.getVocab().size).toBe(11);
    expect(tok.tokenize('hello<new>world')).toEqual(['hello', '<new>', 'world']);
    expect(tok.encode('hello<new>world', { addSpecialTokens: false })).toEqual([5, 10, 6]);
    expect(tok.convertIdsToTokens([10])).toEqual(['<new>']);
  });

  it('a token already in the vocabulary keeps its vocabulary id and adds nothing (transformers adds only new tokens)', () => {
    const tok = bert({ addedTokens: [{ content: 'hello', id: 42 }] });
    expect([tok.vocabSize, tok.length]).toEqual([10, 10]);
    expect(tok.convertTokensToIds('hello')).toBe(5);
    expect(tok.encode('hello', { addSpecialTokens: false })).toEqual([5]);
    expect(tok.getVocab().size).toBe(10);
  });

  it('lstrip eats the spaces before an added token, rstrip those after it; neither by default', () => {
    const added = (flags: Record<string, boolean>) => gpt2({ vocab: { ...GPT2_VOCAB, '<x>': 5 }, addedTokens: [{ content: '<x>', id: 5, ...flags }] });
    // "a <x> b": the left piece "a " ends in a space (a, Ġ); the right one " b" is Ġb.
    expect(added({}).tokenize('a <x> b')).toEqual(['a', 'Ġ', '<x>', 'Ġb']);
    expect(added({ lstrip: true }).tokenize('a <x> b')).toEqual(['a', '<x>', 'Ġb']);
    expect(added({ rstrip: true }).tokenize('a <x> b')).toEqual(['a', 'Ġ', '<x>', 'b']);
    expect(added({ lstrip: true, rstrip: true }).tokenize('a <x> b')).toEqual(['a', '<x>', 'b']);
  });
});

describe('special-token lists and conversions', () => {
  it("allSpecialIds follows transformers' order (bos, eos, unk, sep, pad, cls, mask, additional)", () => {
    expect(bert().allSpecialIds).toEqual([1, 3, 0, 2, 4]);
    expect(bert({ additionalSpecialTokens: ['b'] }).allSpecialIds).toEqual([1, 3, 0, 2, 4, 9]);
  });

  it('special tokens without an id (not in the vocabulary, no unknown token) are left out of allSpecialIds', () => {
    const tok = new GPT2Tokenizer({ vocab: { a: 0, b: 1 }, merges: [] });
    expect(tok.allSpecialTokens).toEqual(['<|endoftext|>']);
    expect(tok.allSpecialIds).toEqual([]);
  });

  it('convertTokensToIds maps a list, unknown tokens to the unknown id; a list entry that is not a string is named', () => {
    expect(bert().convertTokensToIds(['hello', 'zzz', '[SEP]'])).toEqual([5, 1, 3]);
    expect(() => bert().convertTokensToIds([3] as never)).toThrow('BertTokenizer.convertTokensToIds(): tokens[0] must be a string, got number 3');
  });

  it('convertIdsToTokens keeps special tokens unless told; bad ids are named with the method', () => {
    expect(bert().convertIdsToTokens([2, 5, 3])).toEqual(['[CLS]', 'hello', '[SEP]']);
    expect(bert().convertIdsToTokens([2, 5, 3], true)).toEqual(['hello']);
    expect(() => bert().convertIdsToTokens([-1])).toThrow(/^BertTokenizer\.convertIdsToTokens\(\): ids\[0\] must be a non-negative integer/);
    expect(() => gpt2().convertIdsToTokens([9])).toThrow('GPT2Tokenizer.convertIdsToTokens(): id 9 is not in the vocabulary (size 5)');
  });

  it('ids are numbers or bigints: strings and booleans are refused, not converted', () => {
    expect(bert().decode([5n, 6n])).toBe('hello world');
    expect(() => bert().decode(['5'] as never)).toThrow(/ids\[0\] must be a non-negative integer, got string "5"/);
    expect(() => bert().decode([true] as never)).toThrow(/ids\[0\] must be a non-negative integer, got boolean/);
  });

  it('a token outside the vocabulary without an unknown token is an error naming it', () => {
    expect(() => gpt2({ vocab: { a: 0 }, merges: [] }).encode('ab')).toThrow('GPT2Tokenizer: token "b" is not in the vocabulary and there is no unknown token');
  });

  it('encode() takes one string as textPair', () => {
    expect(() => bert().encode('a', { textPair: 3 } as never)).toThrow('BertTokenizer.encode(): textPair must be a string, got number 3');
    expect(bert().encode('a', { textPair: 'b' })).toEqual([2, 8, 3, 9, 3]);
  });
});

describe('batch', () => {
  it("an empty batch gives no rows, and with returnTensors 'pt' empty int64 tensors rather than an error", () => {
    expect(bert().batch([]).inputIds).toEqual([]);
    const enc = bert().batch([], { returnTensors: 'pt' });
    expect([enc.inputIds.shape, enc.inputIds.dtype, enc.attentionMask!.shape]).toEqual([[0], 'int64', [0]]);
    [enc.inputIds, enc.attentionMask!, enc.tokenTypeIds!].forEach((t) => t.dispose());
  });
});

describe('decode', () => {
  const tok = bert({ addedTokens: [{ content: '<new>', id: 10 }] });

  it("keeps special tokens by default and drops them with skipSpecialTokens", () => {
    expect(tok.decode([2, 5, 3])).toBe('[CLS] hello [SEP]');
    expect(tok.decode([2, 5, 3], { skipSpecialTokens: true })).toBe('hello');
  });

  it("added tokens are joined as they are between the model's text runs: with spaces by default, without when spacesBetweenSpecialTokens is false (transformers 4.29 _decode)", () => {
    expect(tok.decode([5, 7, 10, 6])).toBe('hellos <new> world');
    expect(tok.decode([5, 7, 10, 6], { spacesBetweenSpecialTokens: false })).toBe('hellos<new>world');
    expect(tok.decode([10, 5, 6, 10], { spacesBetweenSpecialTokens: false })).toBe('<new>hello world<new>');
    expect(tok.decode([10, 10], { spacesBetweenSpecialTokens: false })).toBe('<new><new>');
    expect(tok.decode([5, 10, 10, 6])).toBe('hello <new> <new> world');
    expect(tok.decode([5, 10])).toBe('hello <new>');  // no empty run after the last added token
  });

  it('each decode option is checked under its own name', () => {
    expect(() => tok.decode([5], { skipSpecialTokens: 1 } as never)).toThrow(/^BertTokenizer\.decode\(\): skipSpecialTokens must be a boolean/);
    expect(() => tok.decode([5], { cleanUpTokenizationSpaces: 1 } as never)).toThrow(/^BertTokenizer\.decode\(\): cleanUpTokenizationSpaces must be a boolean/);
    expect(() => tok.decode([5], { spacesBetweenSpecialTokens: 1 } as never)).toThrow(/^BertTokenizer\.decode\(\): spacesBetweenSpecialTokens must be a boolean/);
  });

  it('batchDecode takes an array of rows; anything else names the method', () => {
    expect(tok.batchDecode([[5], [6, 7]])).toEqual(['hello', 'worlds']);
    expect(() => tok.batchDecode('5' as never)).toThrow('BertTokenizer.batchDecode(): rows must be an array of id arrays, got string "5"');
  });
});
