/**
 * BERT's basic tokenizer, character by character, against transformers 4.29's rules
 * (tokenization_bert.py: _is_punctuation, _is_whitespace, _is_control, _is_chinese_char). The
 * expected classes were computed with Python 3.11's unicodedata (Unicode 14) from those functions;
 * only characters whose category is the same in every Unicode version since are used.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { BasicTokenizer, splitOnPunctuation, whitespaceSplit } from '../../lib/tokenizers/basic';
import { isPunctuation, pyStrip, stripAccents } from '../../lib/tokenizers/unicode';
import { props } from '../property';

const cased = new BasicTokenizer({ doLowerCase: false, stripAccents: null, tokenizeChineseChars: true });

/** Every printable ASCII character _is_punctuation accepts: the four ASCII ranges 33-47, 58-64, 91-96, 123-126. */
const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
/** Category P* outside ASCII (Po, Pi, Pd, Ps) and symbols that are not (Sc, So, Sm). */
const UNICODE_PUNCTUATION = '¡§«—…¿「·‰′※';
const UNICODE_SYMBOLS = '€°×©';

describe('BasicTokenizer punctuation', () => {
  it('splits off exactly the 32 ASCII characters of _is_punctuation, "~" and "`" included', () => {
    for (let cp = 33; cp < 127; cp++) {
      const ch = String.fromCharCode(cp);
      const expected = ASCII_PUNCTUATION.includes(ch) ? ['a', ch, 'b'] : [`a${ch}b`];
      expect(cased.tokenize(`a${ch}b`), `U+${cp.toString(16)} ${JSON.stringify(ch)}`).toEqual(expected);
      expect(isPunctuation(cp), JSON.stringify(ch)).toBe(ASCII_PUNCTUATION.includes(ch));
    }
  });

  it('"~" is punctuation at the end of the ASCII range: "~/dir~" -> ~ / dir ~', () => {
    expect(cased.tokenize('~/dir~ x~~y')).toEqual(['~', '/', 'dir', '~', 'x', '~', '~', 'y']);
  });

  it('splits Unicode category P characters and keeps symbols (S*) inside words', () => {
    for (const ch of UNICODE_PUNCTUATION) expect(cased.tokenize(`a${ch}b`), ch).toEqual(['a', ch, 'b']);
    for (const ch of UNICODE_SYMBOLS) expect(cased.tokenize(`a${ch}b`), ch).toEqual([`a${ch}b`]);
  });

  it('never_split words stay whole, punctuation and all', () => {
    expect(cased.tokenize('[CLS] x [SEP]', new Set(['[CLS]', '[SEP]']))).toEqual(['[CLS]', 'x', '[SEP]']);
    expect(cased.tokenize('[CLS] x [SEP]')).toEqual(['[', 'CLS', ']', 'x', '[', 'SEP', ']']);
  });

  test.prop([fc.array(fc.oneof(fc.constantFrom(...ASCII_PUNCTUATION, ...UNICODE_PUNCTUATION), fc.constantFrom('a', 'b', 'Z', '1', '€')), { maxLength: 20 })], props(300))(
    'splitOnPunctuation: pieces concatenate to the word; each punctuation is alone; no two non-punctuation pieces touch',
    (chars) => {
      const word = chars.join('');
      const pieces = splitOnPunctuation(word);
      expect(pieces.join('')).toBe(word);
      const punct = (s: string) => s.length === 1 && (ASCII_PUNCTUATION + UNICODE_PUNCTUATION).includes(s);
      for (const p of pieces) {
        expect(p.length).toBeGreaterThan(0);
        if (!punct(p)) expect([...p].some(punct), p).toBe(false);
      }
      for (let i = 1; i < pieces.length; i++) expect(punct(pieces[i - 1]) || punct(pieces[i]), pieces.join('|')).toBe(true);
    },
  );
});

describe('BasicTokenizer clean-up and whitespace', () => {
  it('turns \\t \\n \\r and Zs spaces into separators, drops controls, NUL and U+FFFD', () => {
    expect(cased.tokenize('a\tb\nc\rd\u00a0e\u3000f')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(cased.tokenize('a\u0000b\ufffdc\u0007d\u200be')).toEqual(['abcde']);
  });

  it('splits CJK ideographs into single words unless tokenizeChineseChars is off; kana and Hangul stay', () => {
    expect(cased.tokenize('ab中文cd')).toEqual(['ab', '中', '文', 'cd']);
    expect(cased.tokenize('𠀀x')).toEqual(['𠀀', 'x']);
    expect(cased.tokenize('かな한국')).toEqual(['かな한국']);
    const off = new BasicTokenizer({ doLowerCase: false, stripAccents: null, tokenizeChineseChars: false });
    expect(off.tokenize('ab中文cd')).toEqual(['ab中文cd']);
  });

  it('whitespaceSplit splits on Python\'s str.split() whitespace, U+0085 and U+001C-U+001F included, not U+200B', () => {
    expect(whitespaceSplit(' a\u0085b\u001cc\u2028d\u200be  ')).toEqual(['a', 'b', 'c', 'd\u200be']);
    expect(pyStrip('\u0085 x \u3000')).toBe('x');
    expect(pyStrip('\ufeffx')).toBe('\ufeffx');
  });
});

describe('BasicTokenizer lower-casing and accents', () => {
  it('doLowerCase lowercases and strips accents unless stripAccents is false', () => {
    const lower = new BasicTokenizer({ doLowerCase: true, stripAccents: null, tokenizeChineseChars: true });
    expect(lower.tokenize('Héllo WÖRLD')).toEqual(['hello', 'world']);
    const keep = new BasicTokenizer({ doLowerCase: true, stripAccents: false, tokenizeChineseChars: true });
    expect(keep.tokenize('Héllo WÖRLD')).toEqual(['héllo', 'wörld']);
    const stripOnly = new BasicTokenizer({ doLowerCase: false, stripAccents: true, tokenizeChineseChars: true });
    expect(stripOnly.tokenize('Héllo WÖRLD')).toEqual(['Hello', 'WORLD']);
    expect(cased.tokenize('Héllo')).toEqual(['Héllo']);
  });

  it('stripAccents decomposes (NFD) and drops only nonspacing marks (Mn)', () => {
    expect(stripAccents('àéîõüÇñ')).toBe('aeiouCn');
    expect(stripAccents('ß ﬁ Ø')).toBe('ß ﬁ Ø'); // no decomposition to strip
  });
});
