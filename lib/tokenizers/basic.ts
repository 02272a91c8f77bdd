/**
 * BERT's "basic" tokenizer (transformers 4.29 tokenization_bert.BasicTokenizer): clean-up of
 * control characters and odd whitespace, CJK characters as separate words, optional lowercasing
 * and accent stripping, and punctuation split into single-character words.
 *
 * It is split in two steps so that BertTokenizer can cache the second one per word: the
 * expensive per-word work (lowercase, NFD, punctuation, WordPiece) then runs once per distinct
 * word instead of once per occurrence.
 */
import { CharClass, PY_WHITESPACE, classify, isPunctuation, stripAccents } from './unicode';

export interface BasicTokenizerOptions {
  doLowerCase: boolean;
  /** null: follow doLowerCase, as transformers does. */
  stripAccents: boolean | null;
  tokenizeChineseChars: boolean;
}

/**
 * Python's str.split() also splits on LINE/PARAGRAPH SEPARATOR, the only whitespace left after
 * clean-up turned \t, \n, \r and every Zs character into plain spaces.
 */
const SPLIT_WHITESPACE = /[ \u2028\u2029]+/;

const PYTHON_WHITESPACE = new RegExp(`[${PY_WHITESPACE}]+`);

/** Splits text on whitespace the way Python's str.split() does, dropping empty pieces. */
export function whitespaceSplit(text: string): string[] {
  return text.split(PYTHON_WHITESPACE).filter((t) => t.length > 0);
}

export class BasicTokenizer {
  readonly options: Readonly<BasicTokenizerOptions>;

  constructor(options: BasicTokenizerOptions) {
    this.options = { ...options };
  }

  /**
   * Clean-up, CJK spacing and whitespace split: the words BERT then treats one by one.
   * One pass over the code points replaces _clean_text and _tokenize_chinese_chars.
   */
  splitWords(text: string): string[] {
    const chinese = this.options.tokenizeChineseChars;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const lo = text.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
      }
      const width = cp > 0xffff ? 2 : 1;
      const cls = classify(cp);
      if (cls === CharClass.Space) out += ' ';
      else if (cls === CharClass.Chinese && chinese) out += ' ' + text.substr(i, width) + ' ';
      else if (cls !== CharClass.Removed) out += text.substr(i, width);
      i += width - 1;
    }
    return out.split(SPLIT_WHITESPACE).filter((t) => t.length > 0);
  }

  /**
   * Lowercase / strip accents, then split punctuation off, for one word from splitWords.
   * `neverSplit` words (special tokens) are returned untouched, as in transformers.
   */
  splitWord(word: string, neverSplit: ReadonlySet<string>): string[] {
    if (neverSplit.has(word)) return [word];
    const { doLowerCase, stripAccents: strip } = this.options;
    let token = word;
    if (doLowerCase) {
      token = token.toLowerCase();
      if (strip !== false) token = stripAccents(token);
    } else if (strip) {
      token = stripAccents(token);
    }
    // _run_split_on_punc checks never_split again, on the lowercased word.
    if (token !== word && neverSplit.has(token)) return [token];
    return splitOnPunctuation(token);
  }

  /** The whole basic tokenization of a text (splitWords then splitWord on each word). */
  tokenize(text: string, neverSplit: ReadonlySet<string> = new Set()): string[] {
    return this.splitWords(text).flatMap((w) => this.splitWord(w, neverSplit));
  }
}

/** Every punctuation character becomes its own word; the runs between them stay together. */
export function splitOnPunctuation(token: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < token.length; i++) {
    const cp = token.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (isPunctuation(cp)) {
      if (i > start) out.push(token.slice(start, i));
      out.push(token.slice(i, i + width));
      start = i + width;
    }
    i += width - 1;
  }
  if (start < token.length) out.push(token.slice(start));
  return out;
}
