/**
 * WordPiece (transformers 4.29 tokenization_bert.WordpieceTokenizer): greedy longest-match-first
 * over the vocabulary, continuation pieces prefixed with "##", and the whole word replaced by the
 * unknown token when any part of it cannot be matched or it is too long.
 */

export interface WordPieceOptions {
  vocab: ReadonlyMap<string, number>;
  unkToken: string;
  /** Words longer than this many code points become unkToken (BERT: 100). */
  maxInputCharsPerWord: number;
  continuingSubwordPrefix?: string;
}

/** Code-unit offsets of each code point boundary, so pieces never split a surrogate pair. */
function boundaries(word: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < word.length; i++) {
    out.push(i);
    const c = word.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < word.length) {
      const d = word.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  out.push(word.length);
  return out;
}

export class WordPiece {
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly unkToken: string;
  private readonly maxChars: number;
  private readonly prefix: string;

  constructor(options: WordPieceOptions) {
    this.vocab = options.vocab;
    this.unkToken = options.unkToken;
    this.maxChars = options.maxInputCharsPerWord;
    this.prefix = options.continuingSubwordPrefix ?? '##';
  }

  /** The pieces of one whitespace-free word. */
  tokenizeWord(word: string): string[] {
    // Python counts characters as code points; a BMP-only word has one per code unit.
    const cuts = boundaries(word);
    if (cuts.length - 1 > this.maxChars) return [this.unkToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < cuts.length - 1) {
      let end = cuts.length - 1;
      let found: string | undefined;
      while (start < end) {
        const sub = word.slice(cuts[start], cuts[end]);
        const candidate = start > 0 ? this.prefix + sub : sub;
        if (this.vocab.has(candidate)) {
          found = candidate;
          break;
        }
        end--;
      }
      if (found === undefined) return [this.unkToken];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}
