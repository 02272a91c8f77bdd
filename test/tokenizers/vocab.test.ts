// Vocabulary input (lib/tokenizers/vocab.ts), transformers' clean_up_tokenization and GPT-2's
// pre-tokenization regex, on hand-made inputs with the expected outputs worked out by hand from
// the Python code each one reproduces (comments name it).
import { describe, expect, it } from 'vitest';
import { cleanUpTokenization } from '../../lib/tokenizers/cleanup';
import { gpt2Split } from '../../lib/tokenizers/pretokenize';
import { parseVocabLines, toVocab } from '../../lib/tokenizers/vocab';

describe('toVocab', () => {
  it('a list gives each token its index; later duplicates win (as a Python dict build) and leave holes in idToToken', () => {
    const v = toVocab('t', ['a', 'b', 'a']);
    expect([...v.tokenToId]).toEqual([['a', 2], ['b', 1]]);
    expect(v.idToToken[0]).toBeUndefined();
    expect(v.idToToken.slice(1)).toEqual(['b', 'a']);
  });
  it('a Map and a plain object of token -> id are taken as they are', () => {
    expect([...toVocab('t', new Map([['x', 3], ['y', 0]])).tokenToId]).toEqual([['x', 3], ['y', 0]]);
    const v = toVocab('t', { x: 1, y: 0 });
    expect([...v.tokenToId]).toEqual([['x', 1], ['y', 0]]);
    expect(v.idToToken).toEqual(['y', 'x']);
  });
  it('ids must be non-negative integers: 0 passes; -1, 1.5 and "2" are refused naming the token', () => {
    expect(toVocab('t', { z: 0 }).tokenToId.get('z')).toBe(0);
    expect(() => toVocab('where', { a: -1 })).toThrow('where: vocab id of "a" must be a non-negative integer, got number -1');
    expect(() => toVocab('where', { a: 1.5 })).toThrow('where: vocab id of "a" must be a non-negative integer, got number 1.5');
    expect(() => toVocab('where', new Map([['b', '2']]) as never)).toThrow('where: vocab id of "b" must be a non-negative integer, got string "2"');
  });
  it('a list entry that is not a string, a non-collection and an empty vocabulary are refused', () => {
    expect(() => toVocab('w', ['a', 3])).toThrow('w: vocab[1] must be a string, got number 3');
    expect(() => toVocab('w', 'abc')).toThrow('w: vocab must be an array of tokens, a Map or an object of token -> id, got string "abc"');
    expect(() => toVocab('w', null)).toThrow('w: vocab must be an array of tokens');
    expect(() => toVocab('w', [])).toThrow(new RangeError('w: vocab is empty'));
    expect(() => toVocab('w', {})).toThrow('w: vocab is empty');
  });
});

describe('parseVocabLines (Python readlines in text mode)', () => {
  it('\\r\\n, \\r and \\n all end a line; a final newline adds no empty token; other whitespace is kept', () => {
    expect(parseVocabLines('a\r\nb\rc\nd\n')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseVocabLines('a\nb')).toEqual(['a', 'b']);
    expect(parseVocabLines(' a \n\t\n\n')).toEqual([' a ', '\t', '']);
    expect(parseVocabLines('')).toEqual([]);
  });
});

describe('cleanUpTokenization (transformers clean_up_tokenization)', () => {
  it('removes the space before . ? ! , and around a lone quote, and before English contractions', () => {
    expect(cleanUpTokenization("a . b ? c ! d , e ' f do n't I 'm it 's we 've they 're")).toBe("a. b? c! d, e'f don't I'm it's we've they're");
  });
  it('leaves other spaces alone: "a :b ; c" is unchanged', () => {
    expect(cleanUpTokenization('a :b ; c')).toBe('a :b ; c');
    expect(cleanUpTokenization('')).toBe('');
  });
  it('applies the replacements in order: " \' " before " n\'t", so "a \' n\'t" becomes "a\'n\'t" (the other order gives "a \'n\'t")', () => {
    expect(cleanUpTokenization("a ' n't")).toBe("a'n't");
  });
});

describe("gpt2Split (GPT-2's pattern, regex-module semantics)", () => {
  it("contractions, letters, digits and symbols each led by at most one space", () => {
    expect(gpt2Split("I'm he's they're we've I'll he'd don't")).toEqual(['I', "'m", ' he', "'s", ' they', "'re", ' we', "'ve", ' I', "'ll", ' he', "'d", ' don', "'t"]);
    expect(gpt2Split('abc 123 !? x1')).toEqual(['abc', ' 123', ' !?', ' x', '1']);
  });
  it('a run of spaces leaves its last space to the next word; trailing spaces stay one piece', () => {
    expect(gpt2Split('a   b  ')).toEqual(['a', '  ', ' b', '  ']);
    // before a letter, "\n\n" gives up its last "\n", which (not being " ") stands alone
    expect(gpt2Split('a\n\nb')).toEqual(['a', '\n', '\n', 'b']);
  });
  it("Unicode White_Space, not JavaScript's \\s: U+0085 is whitespace, U+FEFF is a symbol", () => {
    expect(gpt2Split('a\u0085b')).toEqual(['a', '\u0085', 'b']);
    expect(gpt2Split('a\ufeffb')).toEqual(['a', '\ufeff', 'b']);
  });
  it('letters and digits of any script; the empty text has no pieces', () => {
    expect(gpt2Split('héllo ٣٤ 日本')).toEqual(['héllo', ' ٣٤', ' 日本']);
    expect(gpt2Split('')).toEqual([]);
  });
});
