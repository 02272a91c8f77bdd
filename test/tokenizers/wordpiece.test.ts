// WordPiece (transformers' WordpieceTokenizer): greedy longest-match-first with the "##" prefix
// after the first piece, [UNK] for a word with an unmatchable rest or more than
// max_input_chars_per_word code points. Expected pieces worked out by hand on a tiny vocabulary.
import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../../lib/tokenizers';
import { WordPiece } from '../../lib/tokenizers/wordpiece';

const vocab = new Map(['[UNK]', 'un', '##aff', '##able', 'una', '##ffable', 'a', '##b', '😀', '##😀', 'x', '@@y'].map((t, i) => [t, i]));
const wp = (o: Partial<ConstructorParameters<typeof WordPiece>[0]> = {}) => new WordPiece({ vocab, unkToken: '[UNK]', maxInputCharsPerWord: 100, ...o });

describe('WordPiece.tokenizeWord', () => {
  it('takes the longest prefix in the vocabulary first, then "##" pieces', () => {
    expect(wp().tokenizeWord('unaffable')).toEqual(['una', '##ffable']);
    // Greedy, no backtracking: 'una' wins, then 'ble' has no match, so the whole word is [UNK].
    expect(wp().tokenizeWord('unable')).toEqual(['[UNK]']);
    expect(wp().tokenizeWord('unaff')).toEqual(['[UNK]']);
    expect(wp().tokenizeWord('ab')).toEqual(['a', '##b']);
    expect(wp().tokenizeWord('abb')).toEqual(['a', '##b', '##b']);
  });

  it('a word whose rest cannot be matched is one [UNK], not partial pieces', () => {
    expect(wp().tokenizeWord('abc')).toEqual(['[UNK]']);
    expect(wp().tokenizeWord('zz')).toEqual(['[UNK]']);
    expect(wp().tokenizeWord('b')).toEqual(['[UNK]']); // "b" alone is not in the vocabulary, "##b" is
  });

  it('counts code points, not UTF-16 units: an emoji is one character and never split in half', () => {
    expect(wp().tokenizeWord('😀😀')).toEqual(['😀', '##😀']);
    expect(wp({ maxInputCharsPerWord: 2 }).tokenizeWord('😀😀')).toEqual(['😀', '##😀']);
    expect(wp({ maxInputCharsPerWord: 1 }).tokenizeWord('😀😀')).toEqual(['[UNK]']);
    expect(wp({ maxInputCharsPerWord: 2 }).tokenizeWord('abb')).toEqual(['[UNK]']);
    expect(wp({ maxInputCharsPerWord: 3 }).tokenizeWord('abb')).toEqual(['a', '##b', '##b']);
  });

  it('a surrogate pair at the edges of the ranges (U+10000, U+10FC00, U+103FF) is one character', () => {
    // \ud800\udc00, \udbff\udc00 and \ud800\udfff: each is one code point, so with at most one
    // character per word it is found whole instead of becoming [UNK] (two "characters").
    const astral = new Map(['[UNK]', '\u{10000}', '\u{10FC00}', '\u{103FF}'].map((t, i) => [t, i]));
    const one = new WordPiece({ vocab: astral, unkToken: '[UNK]', maxInputCharsPerWord: 1 });
    for (const ch of ['\u{10000}', '\u{10FC00}', '\u{103FF}']) expect(one.tokenizeWord(ch)).toEqual([ch]);
    // a lone high surrogate before a letter is its own character: 2 characters
    expect(one.tokenizeWord('\ud800a')).toEqual(['[UNK]']);
  });

  // Python's str counts a lone surrogate as a code point of its own; only a high surrogate
  // followed by a low one (in that order) is one character in JavaScript's UTF-16.
  it('lone or misordered surrogates are one character each: two-unit words are 2 characters', () => {
    const odd = ['a\udc00', '\ud83da', '\ud83d\ue000', '\udc00\udc00', '\udc00\ud800'];
    const vocabOdd = new Map(['[UNK]', ...odd].map((t, i) => [t, i]));
    for (const w of odd) {
      expect(new WordPiece({ vocab: vocabOdd, unkToken: '[UNK]', maxInputCharsPerWord: 1 }).tokenizeWord(w), JSON.stringify(w)).toEqual(['[UNK]']);
      expect(new WordPiece({ vocab: vocabOdd, unkToken: '[UNK]', maxInputCharsPerWord: 2 }).tokenizeWord(w), JSON.stringify(w)).toEqual([w]);
    }
  });

  it('a "##" entry in the vocabulary never matches an empty rest: an unmatched word is still [UNK]', () => {
    const withBare = new Map(['[UNK]', 'a', '##'].map((t, i) => [t, i]));
    expect(new WordPiece({ vocab: withBare, unkToken: '[UNK]', maxInputCharsPerWord: 100 }).tokenizeWord('ab')).toEqual(['[UNK]']);
  });

  it('uses the given continuing-subword prefix', () => {
    expect(wp({ continuingSubwordPrefix: '@@' }).tokenizeWord('xy')).toEqual(['x', '@@y']);
    expect(wp({ continuingSubwordPrefix: '@@' }).tokenizeWord('ab')).toEqual(['[UNK]']);
  });
});

describe('BertTokenizer options', () => {
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '##s', 'Hello', 'FOO', 'foo', '!'];
  it('maxInputCharsPerWord and doBasicTokenize: false (whitespace split only, punctuation kept in the word)', () => {
    const tok = new BertTokenizer({ vocab: words, maxInputCharsPerWord: 5 });
    expect(tok.tokenize('hello worlds')).toEqual(['hello', '[UNK]']);
    const plain = new BertTokenizer({ vocab: words, doBasicTokenize: false, doLowerCase: false });
    expect(plain.tokenize('hello world!')).toEqual(['hello', '[UNK]']);
    expect(new BertTokenizer({ vocab: words, doLowerCase: false }).tokenize('hello world!')).toEqual(['hello', 'world', '!']);
  });

  it('neverSplit words stay whole (cased), and pass through WordPiece untouched', () => {
    const tok = new BertTokenizer({ vocab: words, doLowerCase: false, neverSplit: ['FOO!'] });
    expect(tok.tokenize('FOO! hello')).toEqual(['FOO!', 'hello']);
  });

  it('doLowerCase without the basic tokenizer lower-cases the text itself, special tokens typed in it excepted', () => {
    const tok = new BertTokenizer({ vocab: [...words, 'sad', 'sep'], doBasicTokenize: false, recognizeSpecialTokens: true });
    // "S", "E" and "P" are letters of "[SEP]": only the whole token is kept as typed.
    expect(tok.tokenize('Sad SEP [SEP] Hello')).toEqual(['sad', 'sep', '[SEP]', 'hello']);
  });

  it('neverSplit may be null (none)', () => {
    expect(new BertTokenizer({ vocab: words, neverSplit: null as never }).tokenize('hello')).toEqual(['hello']);
  });

  it('refuses bad options by name', () => {
    expect(() => new BertTokenizer({ vocab: words, doLowerCase: 'yes' as never })).toThrow('new BertTokenizer(): doLowerCase must be a boolean, got string "yes"');
    expect(() => new BertTokenizer({ vocab: words, stripAccents: 1 as never })).toThrow('new BertTokenizer(): stripAccents must be a boolean, got number 1');
    expect(() => new BertTokenizer({ vocab: words, neverSplit: 'x' as never })).toThrow('new BertTokenizer(): neverSplit must be an array of strings, got string "x"');
    expect(() => new BertTokenizer({ vocab: words, neverSplit: [1] as never })).toThrow('new BertTokenizer(): neverSplit must be an array of strings, got array');
    expect(() => new BertTokenizer({ vocab: words, neverSplit: ['ok', 1] as never })).toThrow('new BertTokenizer(): neverSplit must be an array of strings, got array');
    expect(() => new BertTokenizer({ vocab: words, doBasicTokenize: 'no' as never })).toThrow('new BertTokenizer(): doBasicTokenize must be a boolean, got string "no"');
    expect(() => new BertTokenizer({ vocab: words }).decode('x' as never)).toThrow(/^BertTokenizer\.decode\(\)/);
    expect(() => new BertTokenizer({ vocab: words, maxInputCharsPerWord: 0 })).toThrow('new BertTokenizer(): maxInputCharsPerWord must be an integer >= 1, got number 0');
    expect(() => new BertTokenizer({ vocab: words, unkToken: null })).toThrow('new BertTokenizer(): WordPiece needs an unkToken');
    expect(() => new BertTokenizer(undefined as never)).toThrow('new BertTokenizer(): options with a vocab are required');
    expect(() => new BertTokenizer({ vocab: words, doLowerCase: false, tokenizeChineseChars: 'no' as never })).toThrow('tokenizeChineseChars must be a boolean');
  });

  it('adding special tokens needs [CLS] and [SEP]; without them addSpecialTokens: false still works', () => {
    const tok = new BertTokenizer({ vocab: words, clsToken: null, doLowerCase: false });
    expect(() => tok.encode('hello')).toThrow('BertTokenizer: adding special tokens needs clsToken and sepToken; pass addSpecialTokens: false');
    expect(tok.encode('hello', { addSpecialTokens: false })).toEqual([5]);
  });

  it('decodes "##" pieces onto the previous token and strips the ends', () => {
    const tok = new BertTokenizer({ vocab: words, doLowerCase: false });
    expect(tok.decode([5, 7, 6, 7])).toBe('hellos worlds');
    expect(tok.numSpecialTokens(false)).toBe(2);
    expect(tok.numSpecialTokens(true)).toBe(3);
  });
});
