// How no-split tokens cut raw text (lib/tokenizers/special.ts), as transformers 4.29's slow
// PreTrainedTokenizer.tokenize does it: the token trie finds the tokens (the longest at a place),
// a plain-string special token strips the whitespace on both sides, an AddedToken only where its
// lstrip / rstrip say (rstrip eats the whitespace on its right, lstrip on its left), with
// Python's str.strip whitespace. Expected pieces worked out by hand from that code.
import { describe, expect, it } from 'vitest';
import { NoSplitSplitter, stripRuleOf, type SpecialTokenValue } from '../../lib/tokenizers/special';

const splitter = (...tokens: SpecialTokenValue[]) => new NoSplitSplitter(tokens.map((t) => ({ content: typeof t === 'string' ? t : t.content, rule: stripRuleOf(t) })));
const texts = (s: NoSplitSplitter, text: string) => s.split(text).map((p) => (p.special ? `<${p.text}>` : p.text));

describe('stripRuleOf', () => {
  it('a string strips both sides; an AddedToken strips where lstrip / rstrip are true, and nowhere by default', () => {
    expect(stripRuleOf('[SEP]')).toEqual({ lstrip: true, rstrip: true });
    expect(stripRuleOf({ content: '<m>', lstrip: true })).toEqual({ lstrip: true, rstrip: false });
    expect(stripRuleOf({ content: '<m>', rstrip: true })).toEqual({ lstrip: false, rstrip: true });
    expect(stripRuleOf({ content: '<m>' })).toEqual({ lstrip: false, rstrip: false });
    expect(stripRuleOf({ content: '<m>', lstrip: 'yes' as never, rstrip: 1 as never })).toEqual({ lstrip: false, rstrip: false });
  });
});

describe('NoSplitSplitter.split', () => {
  it('a plain-string token eats the whitespace on both sides', () => {
    expect(texts(splitter('[SEP]'), 'a  [SEP]  b')).toEqual(['a', '<[SEP]>', 'b']);
  });

  it('an AddedToken strips only the sides it names', () => {
    expect(texts(splitter({ content: '<m>', lstrip: true }), 'a  <m>  b')).toEqual(['a', '<<m>>', '  b']);
    expect(texts(splitter({ content: '<m>', rstrip: true }), 'a  <m>  b')).toEqual(['a  ', '<<m>>', 'b']);
    expect(texts(splitter({ content: '<m>' }), 'a  <m>  b')).toEqual(['a  ', '<<m>>', '  b']);
  });

  it("strips Python's whitespace (U+3000, U+0085, \\x1c) but not U+200B", () => {
    expect(texts(splitter('[SEP]'), 'a\u3000\u0085[SEP]\x1c b')).toEqual(['a', '<[SEP]>', 'b']);
    expect(texts(splitter('[SEP]'), 'a\u200b[SEP]\u200bb')).toEqual(['a\u200b', '<[SEP]>', '\u200bb']);
  });

  it('the longest token wins where two start at the same place, whatever their order', () => {
    for (const s of [splitter('<|end', '<|endoftext|>'), splitter('<|endoftext|>', '<|end')]) {
      expect(texts(s, 'x<|endoftext|>y<|end')).toEqual(['x', '<<|endoftext|>>', 'y', '<<|end>']);
    }
  });

  it('drops empty pieces: tokens at the ends, side by side, or whose whitespace was stripped away', () => {
    expect(texts(splitter('[SEP]'), '[SEP][SEP]')).toEqual(['<[SEP]>', '<[SEP]>']);
    expect(texts(splitter('[SEP]'), '[SEP]   [SEP] ')).toEqual(['<[SEP]>', '<[SEP]>']);
    expect(splitter('[SEP]').split('')).toEqual([]);
  });

  it('no tokens, or only empty ones: the text is one plain piece (an empty one none)', () => {
    for (const s of [splitter(), splitter('')]) {
      expect(s.split('a [SEP] b')).toEqual([{ text: 'a [SEP] b', special: false }]);
      expect(s.split('')).toEqual([]);
    }
    expect(texts(splitter('', '[SEP]'), 'a[SEP]b')).toEqual(['a', '<[SEP]>', 'b']);
  });

  it('tokens with regular-expression characters match literally', () => {
    expect(texts(splitter('a.c', '(x)'), 'abc a.c (x) x')).toEqual(['abc', '<a.c>', '<(x)>', 'x']);
  });
});
