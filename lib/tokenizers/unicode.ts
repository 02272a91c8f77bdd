/**
 * Character classes exactly as transformers' BERT tokenizer defines them (tokenization_bert.py:
 * _is_whitespace, _is_control, _is_punctuation, _is_chinese_char). Each code point is
 * classified once and remembered, because Unicode property regexes are slow per character.
 */

export const enum CharClass {
  Other = 1,
  /** Dropped by clean-up: NUL, U+FFFD and every category C* except \t \n \r. */
  Removed = 2,
  /** " ", \t, \n, \r and category Zs: becomes a plain space. */
  Space = 3,
  /** ASCII symbols BERT treats as punctuation (e.g. "$", "^") and category P*. */
  Punct = 4,
  /** CJK ideographs: BERT splits them into single-character words. */
  Chinese = 5,
}

const OTHER_CATEGORY = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const PUNCTUATION = /^\p{P}$/u;

/**
 * The CJK Unified Ideograph blocks BERT lists; Hangul and kana are deliberately not in it.
 * The last code points of five blocks (U+FAFF, U+2B73F, U+2B81F, U+2CEAF, U+2FA1F) are unassigned
 * (category Cn) in Python 3.11's Unicode: the clean-up removes them before this test runs.
 */
function isChineseCodePoint(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BERT counts these ASCII symbols as punctuation although Unicode files some under S*. */
function isAsciiPunctuation(cp: number): boolean {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
}

/** The BERT class of one code point, computed (classify() memoises it). */
export function classifyUncached(cp: number): CharClass {
  // The order follows BasicTokenizer: clean-up (controls, whitespace) runs before the
  // Chinese-character and punctuation passes.
  if (cp === 9 || cp === 10 || cp === 13 || cp === 32) return CharClass.Space;
  if (cp === 0 || cp === 0xfffd) return CharClass.Removed;
  const ch = String.fromCodePoint(cp);
  if (OTHER_CATEGORY.test(ch)) return CharClass.Removed;
  if (SPACE_SEPARATOR.test(ch)) return CharClass.Space;
  if (isChineseCodePoint(cp)) return CharClass.Chinese;
  if (isAsciiPunctuation(cp) || PUNCTUATION.test(ch)) return CharClass.Punct;
  return CharClass.Other;
}

const bmpClasses = new Uint8Array(0x10000);
const astralClasses = new Map<number, CharClass>();

/** The BERT class of one code point, memoised: a table for the BMP, a map for the rest. */
export function classify(cp: number): CharClass {
  if (cp < 0x10000) {
    let c = bmpClasses[cp];
    if (c === 0) bmpClasses[cp] = c = classifyUncached(cp);
    return c as CharClass;
  }
  let c = astralClasses.get(cp);
  if (c === undefined) astralClasses.set(cp, (c = classifyUncached(cp)));
  return c;
}

/** True for category P* or BERT's extra ASCII symbols (checked again after lowercasing). */
export function isPunctuation(cp: number): boolean {
  return classify(cp) === CharClass.Punct;
}

const NONSPACING_MARK = /\p{Mn}/gu;

/** BERT's _run_strip_accents: decompose (NFD) and drop the combining marks (category Mn). */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(NONSPACING_MARK, '');
}

/** True when a string holds only ASCII, which lets hot paths skip Unicode work. */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The characters of Python's str.isspace(), as a regex class body (JS \\s has U+FEFF, lacks U+0085). */
export const PY_WHITESPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const PY_STRIP = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, 'g');

/** Python's str.strip() with no argument. */
export function pyStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}
