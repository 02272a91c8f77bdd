/**
 * BERT's WordPiece tokenizer, behaving like transformers 4.29's BertTokenizer: basic
 * tokenization (clean-up, CJK split, lowercase/accents per config, punctuation split), then
 * WordPiece, then "[CLS] A [SEP] B [SEP]" with token_type_ids 0 for A and 1 for B.
 */
import { PreTrainedTokenizer } from './base';
import { BasicTokenizer, whitespaceSplit } from './basic';
import { loadTokenizerSpec } from './loader';
import { COMMON_OPTION_NAMES, type BertTokenizerOptions } from './types';
import { pyStrip } from './unicode';
import { checkBoolean, checkInteger, describeValue, rejectUnknownOptions } from './validate';
import { WordPiece } from './wordpiece';

export type { BertTokenizerOptions } from './types';

const BERT_OPTION_NAMES = [
  ...COMMON_OPTION_NAMES, 'doLowerCase', 'doBasicTokenize', 'neverSplit', 'tokenizeChineseChars',
  'stripAccents', 'maxInputCharsPerWord', 'continuingSubwordPrefix',
];

/** Words per tokenizer whose pieces are remembered; tweets and prose repeat words a lot. */
const WORD_CACHE_LIMIT = 200_000;

export class BertTokenizer extends PreTrainedTokenizer {
  protected readonly className = 'BertTokenizer';
  protected readonly returnsTokenTypeIds = true;
  readonly doLowerCase: boolean;
  private readonly basic: BasicTokenizer | null;
  private readonly wordPiece: WordPiece;
  private readonly neverSplit: Set<string>;
  private readonly userNeverSplit: Set<string>;
  private readonly wordCache = new Map<string, string[]>();
  private specialPattern: RegExp | null | undefined;

  constructor(options: BertTokenizerOptions) {
    const where = 'new BertTokenizer()';
    rejectUnknownOptions(where, options, BERT_OPTION_NAMES);
    if (options === undefined) throw new TypeError(`${where}: options with a vocab are required`);
    super(where, options, { unk: '[UNK]', sep: '[SEP]', pad: '[PAD]', cls: '[CLS]', mask: '[MASK]' });
    this.doLowerCase = checkBoolean(where, 'doLowerCase', options.doLowerCase ?? true);
    const strip = options.stripAccents ?? null;
    if (strip !== null) checkBoolean(where, 'stripAccents', strip);
    this.basic = checkBoolean(where, 'doBasicTokenize', options.doBasicTokenize ?? true)
      ? new BasicTokenizer({
          doLowerCase: this.doLowerCase,
          stripAccents: strip,
          tokenizeChineseChars: checkBoolean(where, 'tokenizeChineseChars', options.tokenizeChineseChars ?? true),
        })
      : null;
    this.userNeverSplit = new Set(checkStringList(where, 'neverSplit', options.neverSplit));
    // transformers passes every special token as never_split to the basic tokenizer.
    this.neverSplit = new Set([...this.userNeverSplit, ...this.allSpecialTokens]);
    const unk = this.unkToken;
    if (unk === undefined) throw new TypeError(`${where}: WordPiece needs an unkToken`);
    this.wordPiece = new WordPiece({
      vocab: this.vocab.tokenToId,
      unkToken: unk,
      maxInputCharsPerWord: checkInteger(where, 'maxInputCharsPerWord', options.maxInputCharsPerWord, 1) ?? 100,
      continuingSubwordPrefix: options.continuingSubwordPrefix,  // WordPiece's default: '##'
    });
  }

  /** Loads a BERT tokenizer from a model folder or a hub id in the local HuggingFace cache. */
  static async fromPretrained(dirOrId: string, overrides: Partial<BertTokenizerOptions> = {}): Promise<BertTokenizer> {
    const spec = await loadTokenizerSpec(dirOrId, 'bert');
    return new BertTokenizer({ ...(spec.options as BertTokenizerOptions), ...overrides });
  }

  protected tokenizeSegment(text: string): string[] {
    if (this.doLowerCase) text = this.lowerOutsideSpecialTokens(text);
    if (this.basic === null) return whitespaceSplit(text).flatMap((w) => this.wordPiece.tokenizeWord(w));
    const out: string[] = [];
    for (const word of this.basic.splitWords(text)) {
      for (const piece of this.wordPieces(word)) out.push(piece);
    }
    return out;
  }

  /**
   * transformers' PreTrainedTokenizer.tokenize lower-cases the text before BERT sees it, except
   * the special tokens typed in it (also when the splitter does not recognise them: the basic
   * tokenizer's never_split then keeps them whole).
   */
  private lowerOutsideSpecialTokens(text: string): string {
    if (this.specialPattern === undefined) {
      const escaped = this.allSpecialTokens.filter((t) => t.length > 0).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.specialPattern = escaped.length > 0 ? new RegExp(`(${escaped.join('|')})`) : null;
    }
    if (this.specialPattern === null) return lowerEachCharacter(text);
    // split() with a capture group: odd pieces are the special tokens, kept as typed.
    return text.split(this.specialPattern).map((piece, i) => (i % 2 === 1 ? piece : lowerEachCharacter(piece))).join('');
  }

  /** Basic per-word work plus WordPiece for one whitespace-free word, cached. */
  private wordPieces(word: string): string[] {
    let pieces = this.wordCache.get(word);
    if (pieces !== undefined) return pieces;
    pieces = [];
    for (const token of this.basic!.splitWord(word, this.neverSplit)) {
      if (this.userNeverSplit.has(token)) pieces.push(token);
      else for (const p of this.wordPiece.tokenizeWord(token)) pieces.push(p);
    }
    if (this.wordCache.size >= WORD_CACHE_LIMIT) this.wordCache.clear();
    this.wordCache.set(word, pieces);
    return pieces;
  }

  /** transformers: " ".join(tokens).replace(" ##", "").strip(). */
  protected tokensToString(tokens: string[]): string {
    return pyStrip(tokens.join(' ').split(' ##').join(''));
  }

  protected unknownId(): string {
    return this.unkToken!;
  }

  numSpecialTokens(pair: boolean): number {
    return pair ? 3 : 2;
  }

  build(a: readonly number[], b: readonly number[] | null): { ids: number[]; typeIds: number[] } {
    const cls = this.clsTokenId;
    const sep = this.sepTokenId;
    if (cls === undefined || sep === undefined) {
      throw new RangeError('BertTokenizer: adding special tokens needs clsToken and sepToken; pass addSpecialTokens: false');
    }
    // concat, not spread: a long document would exceed the engine's argument limit.
    const first = [cls].concat(a, [sep]);
    const typeIds = new Array<number>(first.length).fill(0);
    if (b === null) return { ids: first, typeIds };
    return { ids: first.concat(b, [sep]), typeIds: typeIds.concat(new Array<number>(b.length + 1).fill(1)) };
  }
}

/**
 * transformers lower-cases one character at a time (re.sub with "(.+?)"), so no context rule
 * applies: a word-final capital sigma becomes σ, not the final form ς that a whole-string
 * lower() gives. Final_Sigma is the only context rule of String.prototype.toLowerCase.
 */
export function lowerEachCharacter(text: string): string {
  if (!text.includes('\u03a3')) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += ch.toLowerCase();
  return out;
}

function checkStringList(where: string, name: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new TypeError(`${where}: ${name} must be an array of strings, got ${describeValue(value)}`);
  }
  return value as string[];
}
