// BERT's character classes (lib/tokenizers/unicode.ts) at the edges of every range transformers'
// tokenization_bert.py spells out (_is_punctuation's ASCII ranges, _is_chinese_char's CJK blocks)
// and for the whitespace / control characters of _clean_text. The expected classes were printed
// by those Python functions (copied from transformers 4.29) on Python 3.11's unicodedata (Unicode
// 14). U+2B73F is left out: unassigned (removed as a control) in Unicode 14, an ideograph since
// Unicode 15, which Node's ICU has. Code points past a block's last assigned one are category Cn,
// so BERT's clean-up drops them before the CJK test.
import { describe, expect, it } from 'vitest';
import { BasicTokenizer, splitOnPunctuation } from '../../lib/tokenizers/basic';
import { classify, classifyUncached, isAscii, pyStrip } from '../../lib/tokenizers/unicode';

// CharClass values: Other, Removed (clean-up drops it), Space, Punct, Chinese.
const O = 1, R = 2, S = 3, P = 4, C = 5;
const REFERENCE: [number, number][] = [
  [0x10000, O], [0xffff, R],
  [0x0, R], [0x8, R], [0x9, S], [0xa, S], [0xb, R], [0xc, R], [0xd, S], [0xe, R], [0x1f, R], [0x20, S], [0x21, P],
  [0x2f, P], [0x30, O], [0x39, O], [0x3a, P], [0x40, P], [0x41, O], [0x5a, O], [0x5b, P], [0x60, P], [0x61, O],
  [0x7a, O], [0x7b, P], [0x7e, P], [0x7f, R], [0x85, R], [0xa0, S], [0xad, R], [0x1680, S], [0x200b, R], [0x2028, O],
  [0x2029, O], [0x3000, S], [0x33ff, O], [0x3400, C], [0x4dbf, C], [0x4dc0, O], [0x4dff, O], [0x4e00, C],
  [0x9fff, C], [0xa000, O], [0xd7ff, R], [0xe000, R], [0xf8ff, R], [0xf900, C], [0xfaff, R], [0xfb00, O],
  [0xfeff, R], [0xfffd, R], [0x1ffff, R], [0x20000, C], [0x2a6df, C], [0x2a6e0, R], [0x2a6ff, R], [0x2a700, C],
  [0x2b740, C], [0x2b81f, R], [0x2b820, C], [0x2ceaf, R], [0x2ceb0, O], [0x2f7ff, R], [0x2f800, C], [0x2fa1f, R],
  [0x2fa20, R],
];

describe('BERT character classes against transformers\' _is_whitespace / _is_control / _is_punctuation / _is_chinese_char', () => {
  // Both the computation and the memo: once memoised, classify() no longer reruns the
  // computation, so checking only classify() could pass on a class computed wrongly since.
  it('every range edge and special character has the class the Python functions give, computed and memoised', () => {
    for (const f of [classifyUncached, classify]) {
      const wrong = REFERENCE.filter(([cp, cls]) => f(cp) !== cls).map(([cp, cls]) => `${f.name} U+${cp.toString(16)}: ${f(cp)}, expected ${cls}`);
      expect(wrong).toEqual([]);
    }
  });
  it('splitWords: astral CJK ideographs (surrogate pairs) become words of their own, astral non-CJK stays inside words', () => {
    const basic = new BasicTokenizer({ doLowerCase: false, stripAccents: null, tokenizeChineseChars: true });
    expect(basic.splitWords('a\u{20000}b')).toEqual(['a', '\u{20000}', 'b']);
    expect(basic.splitWords('a\u{1F600}b')).toEqual(['a\u{1F600}b']);
    // a lone high surrogate followed by a letter is not a pair: U+D800 is category Cs, dropped
    expect(basic.splitWords('a\ud800b')).toEqual(['ab']);
    // a high surrogate at the very end has no partner
    expect(basic.splitWords('a\ud800')).toEqual(['a']);
    // nor does one followed by a private-use character (U+E000, past the low surrogates): both dropped
    expect(basic.splitWords('a\ud800\ue000b')).toEqual(['ab']);
    // lone low surrogates pair with nothing, neither after a letter nor after each other
    expect(basic.splitWords('a\udc00b')).toEqual(['ab']);
    expect(basic.splitWords('x\udc00\udc01y')).toEqual(['xy']);
    const off = new BasicTokenizer({ doLowerCase: false, stripAccents: null, tokenizeChineseChars: false });
    expect(off.splitWords('a\u{20000}b \u4e00\u4e01')).toEqual(['a\u{20000}b', '\u4e00\u4e01']);
  });
  it('splitOnPunctuation: astral punctuation (U+1039F UGARITIC WORD DIVIDER, Po) is one word; astral letters are not split', () => {
    expect(splitOnPunctuation('a\u{1039F}b')).toEqual(['a', '\u{1039F}', 'b']);
    expect(splitOnPunctuation('\u{10380}\u{10381}')).toEqual(['\u{10380}\u{10381}']);
    expect(splitOnPunctuation('..')).toEqual(['.', '.']);
    expect(splitOnPunctuation('')).toEqual([]);
    // U+FFFF is the last one-unit character: the comma after it is still looked at
    expect(splitOnPunctuation('\uffff,')).toEqual(['\uffff', ',']);
  });
  it('splitWords: leading, trailing and repeated spaces (and U+2028) leave no empty words', () => {
    const basic = new BasicTokenizer({ doLowerCase: false, stripAccents: null, tokenizeChineseChars: true });
    expect(basic.splitWords(' a  b ')).toEqual(['a', 'b']);
    expect(basic.splitWords('\u2028a\u2029')).toEqual(['a']);
    expect(basic.splitWords('\u4e00')).toEqual(['\u4e00']);
    expect(basic.splitWords('   ')).toEqual([]);
  });
  it('isAscii: U+007F is ASCII, U+0080 is not', () => {
    expect(isAscii('abc\x7f')).toBe(true);
    expect(isAscii('abc\x80')).toBe(false);
    expect(isAscii('')).toBe(true);
  });
  it("pyStrip strips Python's str.isspace() characters at both ends only", () => {
    expect(pyStrip('\x85\u3000 a b\x1c\t')).toBe('a b');
    expect(pyStrip('\u200ba\ufeff')).toBe('\u200ba\ufeff');
    expect(pyStrip('a \n b')).toBe('a \n b');
  });
});

describe('surrogate pairs at the edges of the surrogate ranges (U+D800/U+DBFF high, U+DC00/U+DFFF low)', () => {
  const basic = new BasicTokenizer({ doLowerCase: false, stripAccents: null, tokenizeChineseChars: true });
  it('splitWords keeps U+10000 (\\ud800\\udc00, a Linear B letter) inside its word and splits U+203FF (\\ud840\\udfff, CJK)', () => {
    expect(basic.splitWords('a\u{10000}b')).toEqual(['a\u{10000}b']);
    expect(basic.splitWords('a\u{203FF}b')).toEqual(['a', '\u{203FF}', 'b']);
  });
  it('splitWords drops U+FFFF (a noncharacter, category Cn) as one BMP character, keeping what follows', () => {
    expect(basic.splitWords('a\uffffb')).toEqual(['ab']);
  });
  it('splitWords: LINE and PARAGRAPH SEPARATOR split words, as Python str.split() does', () => {
    expect(basic.splitWords('a\u2028b\u2029\u2029c')).toEqual(['a', 'b', 'c']);
  });
});

describe('BasicTokenizer.splitWord (lowercasing, accents, never_split)', () => {
  const none = new Set<string>();
  it('cased with stripAccents true strips accents without lowercasing', () => {
    const b = new BasicTokenizer({ doLowerCase: false, stripAccents: true, tokenizeChineseChars: true });
    expect(b.splitWord('Éa', none)).toEqual(['Ea']);
    expect(new BasicTokenizer({ doLowerCase: false, stripAccents: null, tokenizeChineseChars: true }).splitWord('Éa', none)).toEqual(['Éa']);
  });
  it('a lowercased word still has its punctuation split off ("A." -> a .)', () => {
    const b = new BasicTokenizer({ doLowerCase: true, stripAccents: null, tokenizeChineseChars: true });
    expect(b.splitWord('A.', none)).toEqual(['a', '.']);
  });
  it('never_split is checked again after lowercasing: "[MASK]" with never_split {"[mask]"} stays whole', () => {
    const b = new BasicTokenizer({ doLowerCase: true, stripAccents: null, tokenizeChineseChars: true });
    expect(b.splitWord('[MASK]', new Set(['[mask]']))).toEqual(['[mask]']);
    expect(b.splitWord('[MASK]', none)).toEqual(['[', 'mask', ']']);
    expect(b.tokenize('Hi [MASK].')).toEqual(['hi', '[', 'mask', ']', '.']);
  });
});
