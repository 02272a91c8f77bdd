/**
 * GPT-2's byte-level BPE pieces (lib/tokenizers/bpe.ts, bytes.ts, gpt2.ts): merges.txt parsing as
 * transformers 4.29 reads it, merging by rank (all occurrences, left to right), the byte table's
 * UTF-8 path, and the checks on given merges. Expected symbols follow from the rules by hand.
 */
import { describe, expect, it } from 'vitest';
import { BytePairEncoder, parseMergesText } from '../../lib/tokenizers/bpe';
import { BYTE_ENCODER, bytesToUnicode, unicodeToText } from '../../lib/tokenizers/bytes';
import { GPT2Tokenizer } from '../../lib/tokenizers';

describe('parseMergesText', () => {
  it('skips the "#version" header line, blank lines and lines without exactly two symbols; trims and splits on any whitespace', () => {
    expect(parseMergesText('#version: 0.2\na b\n  c\td  \n\nx\ne f g\nĠ t\nh  \t i\n')).toEqual([['a', 'b'], ['c', 'd'], ['Ġ', 't'], ['h', 'i']]);
  });

  it('only a first line starting with "#version" is a header: without one the first line is a merge, later "#version" lines are merges too', () => {
    expect(parseMergesText('a b\nc d')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(parseMergesText('#version: 0.2\n#version x')).toEqual([['#version', 'x']]);
    expect(parseMergesText('x #version\na b')).toEqual([['x', '#version'], ['a', 'b']]);
  });
});

describe('BytePairEncoder', () => {
  it('merges the lowest-ranked pair first, every occurrence left to right, until no ranked pair is left', () => {
    const bpe = new BytePairEncoder([['a', 'a'], ['b', 'c'], ['aa', 'bc']]);
    expect(bpe.encode('aaa')).toEqual(['aa', 'a']);        // left to right: (aa)a, not a(aa)
    expect(bpe.encode('aaaa')).toEqual(['aa', 'aa']);
    expect(bpe.encode('aabc')).toEqual(['aabc']);          // a a -> aa, b c -> bc, aa bc -> aabc
    expect(bpe.encode('bcaa')).toEqual(['bc', 'aa']);      // no rule for bc aa
    expect(bpe.encode('x')).toEqual(['x']);
    expect(bpe.encode('abab')).toEqual(['a', 'b', 'a', 'b']);
  });

  it('rank decides, not position: the later pair merges first when its rank is lower', () => {
    const bpe = new BytePairEncoder([['b', 'c'], ['a', 'b']]);
    expect(bpe.encode('abc')).toEqual(['a', 'bc']);
    const other = new BytePairEncoder([['a', 'b'], ['b', 'c']]);
    expect(other.encode('abc')).toEqual(['ab', 'c']);
  });

  it('a duplicated rule keeps its later rank (Python dict(zip(merges, range(n))))', () => {
    const bpe = new BytePairEncoder([['a', 'b'], ['b', 'c'], ['a', 'b']]);
    expect(bpe.mergeCount).toBe(2);
    expect(bpe.encode('abc')).toEqual(['a', 'bc']);  // "a b" now ranks 2, after "b c"
  });

  it('a symbol named "undefined" never pairs with the end of the word (GPT-2\'s vocabulary has such a token)', () => {
    // Reading one pair past the end would look up "a undefined" and, with this rule, never finish.
    const bpe = new BytePairEncoder([['a', 'undefined']]);
    expect(bpe.encode('ba')).toEqual(['b', 'a']);
    expect(bpe.encode('a')).toEqual(['a']);
  });

  it('a cached piece gives the same symbols', () => {
    const bpe = new BytePairEncoder([['a', 'b']]);
    expect(bpe.encode('abab')).toEqual(['ab', 'ab']);
    expect(bpe.encode('abab')).toEqual(['ab', 'ab']);
  });
});

describe('bytesToUnicode / unicodeToText', () => {
  it('U+0080 and above go through UTF-8 (U+0080 is C2 80), U+007F is one byte', () => {
    expect(bytesToUnicode('\u0080')).toBe(BYTE_ENCODER[0xc2] + BYTE_ENCODER[0x80]);
    expect(bytesToUnicode('\u007f')).toBe(BYTE_ENCODER[0x7f]);
    expect(bytesToUnicode('a\u00e9')).toBe(BYTE_ENCODER[0x61] + BYTE_ENCODER[0xc3] + BYTE_ENCODER[0xa9]);
    expect(unicodeToText(bytesToUnicode('a\u0080\u00e9東😀'))).toBe('a\u0080\u00e9東😀');
  });

  it('a character outside the byte table is an error naming it', () => {
    expect(() => unicodeToText('a\u4e00')).toThrow('byte-level decode: character "\u4e00" is not in the byte table');
  });
});

describe('GPT2Tokenizer merges option', () => {
  const vocab = { a: 0, b: 1, ab: 2, '<|endoftext|>': 3 };
  it('takes "a b" strings and [a, b] pairs alike', () => {
    const fromStrings = new GPT2Tokenizer({ vocab, merges: ['a b'] });
    const fromPairs = new GPT2Tokenizer({ vocab, merges: [['a', 'b']] });
    expect(fromStrings.tokenize('ab')).toEqual(['ab']);
    expect(fromPairs.tokenize('ab')).toEqual(['ab']);
  });

  it('refuses merges that are not a list, and each entry that is not two strings, naming its index', () => {
    expect(() => new GPT2Tokenizer({ vocab, merges: 'a b' } as never)).toThrow('new GPT2Tokenizer(): merges must be an array of "a b" strings or [a, b] pairs, got string "a b"');
    for (const [bad, shown] of [['a', 'string "a"'], ['a b c', 'string "a b c"'], [['a'], 'array'], [['a', 1], 'array'], [[1, 'b'], 'array']] as const) {
      expect(() => new GPT2Tokenizer({ vocab, merges: ['a b', bad] } as never), JSON.stringify(bad)).toThrow(`new GPT2Tokenizer(): merges[1] must be "a b" or [a, b], got ${shown}`);
    }
  });

  it('addBosToken needs a bosToken in the vocabulary', () => {
    expect(() => new GPT2Tokenizer({ vocab: { a: 0 }, merges: [], addBosToken: true, bosToken: 'x' } as never)).toThrow('new GPT2Tokenizer(): addBosToken is true but there is no bosToken in the vocabulary');
  });

  it('token type ids, when asked for: 0 for the first text, 1 for the second (create_token_type_ids_from_sequences)', () => {
    const tok = new GPT2Tokenizer({ vocab, merges: ['a b'] });
    const enc = tok.batch(['aba'], { textPair: ['b'], returnTokenTypeIds: true });
    expect(enc.inputIds).toEqual([[2, 0, 1]]);
    expect(enc.tokenTypeIds).toEqual([[0, 0, 1]]);
    expect(tok.batch(['ab'], { returnTokenTypeIds: true }).tokenTypeIds).toEqual([[0]]);
  });

  it('options are required: no options is an error saying what to pass', () => {
    expect(() => new GPT2Tokenizer(undefined as never)).toThrow('new GPT2Tokenizer(): options with vocab and merges are required');
  });

  it('addPrefixSpace puts one space before the text, so its first word is tokenized like later ones (prepare_for_tokenization)', () => {
    const spaced = { a: 0, b: 1, 'Ġ': 2, 'Ġa': 3 };
    expect(new GPT2Tokenizer({ vocab: spaced, merges: ['Ġ a'], addPrefixSpace: true }).tokenize('a b')).toEqual(['Ġa', 'Ġ', 'b']);
    expect(new GPT2Tokenizer({ vocab: spaced, merges: ['Ġ a'] }).tokenize('a b')).toEqual(['a', 'Ġ', 'b']);
  });

  it('boolean options are checked by name; messages name the class', () => {
    expect(() => new GPT2Tokenizer({ vocab, merges: [], addBosToken: 1 } as never)).toThrow(/^new GPT2Tokenizer\(\): addBosToken/);
    expect(() => new GPT2Tokenizer({ vocab, merges: [], addPrefixSpace: 'yes' } as never)).toThrow(/^new GPT2Tokenizer\(\): addPrefixSpace/);
    expect(() => new GPT2Tokenizer({ vocab, merges: [] }).batch(['a'], { padding: true })).toThrow(/^GPT2Tokenizer\.batch\(\): asked to pad but GPT2Tokenizer has no padding token/);
  });
});
