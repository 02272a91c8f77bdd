/**
 * GPT-2's byte-level BPE tokenizer, behaving like transformers 4.29's GPT2Tokenizer, which OPT
 * also uses: the GPT-2 split regex, bytes mapped to printable characters, BPE merges by rank.
 * OPT differs only in its files: its own vocab.json ids, add_bos_token (prepends "</s>") and a
 * pad token, all read from its tokenizer_config.json.
 */
import { PreTrainedTokenizer } from './base';
import { BytePairEncoder, type Merge } from './bpe';
import { bytesToUnicode, unicodeToText } from './bytes';
import { loadTokenizerSpec } from './loader';
import { gpt2Split } from './pretokenize';
import type { SpecialTokenValue } from './special';
import { COMMON_OPTION_NAMES, type GPT2TokenizerOptions } from './types';
import { checkBoolean, describeValue, rejectUnknownOptions } from './validate';

export type { GPT2TokenizerOptions } from './types';

const GPT2_OPTION_NAMES = [...COMMON_OPTION_NAMES, 'merges', 'addBosToken', 'addPrefixSpace'];

/**
 * GPT2Tokenizer wraps its string special tokens in AddedToken(lstrip=False, rstrip=False): found
 * in text they keep the spaces around them, unlike BERT's plain-string tokens.
 */
function noStrip(value: SpecialTokenValue | null | undefined): SpecialTokenValue | null | undefined {
  return typeof value === 'string' ? { content: value, lstrip: false, rstrip: false } : value;
}

function toMerges(where: string, merges: unknown): Merge[] {
  if (!Array.isArray(merges)) {
    throw new TypeError(`${where}: merges must be an array of "a b" strings or [a, b] pairs, got ${describeValue(merges)}`);
  }
  return merges.map((m, i) => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((p) => typeof p !== 'string')) {
      throw new TypeError(`${where}: merges[${i}] must be "a b" or [a, b], got ${describeValue(m)}`);
    }
    return [pair[0], pair[1]] as Merge;
  });
}

export class GPT2Tokenizer extends PreTrainedTokenizer {
  protected readonly className: string = 'GPT2Tokenizer';
  protected readonly returnsTokenTypeIds = false;
  readonly addBosToken: boolean;
  readonly addPrefixSpace: boolean;
  private readonly bpe: BytePairEncoder;

  constructor(options: GPT2TokenizerOptions) {
    const where = 'new GPT2Tokenizer()';
    rejectUnknownOptions(where, options, GPT2_OPTION_NAMES);
    if (options === undefined) throw new TypeError(`${where}: options with vocab and merges are required`);
    const eot = '<|endoftext|>';
    super(
      where,
      {
        ...options,
        unkToken: noStrip(options.unkToken),
        bosToken: noStrip(options.bosToken),
        eosToken: noStrip(options.eosToken),
        padToken: noStrip(options.padToken),
      },
      { unk: noStrip(eot)!, bos: noStrip(eot)!, eos: noStrip(eot)! },
    );
    this.addBosToken = checkBoolean(where, 'addBosToken', options.addBosToken ?? false);
    this.addPrefixSpace = checkBoolean(where, 'addPrefixSpace', options.addPrefixSpace ?? false);
    this.bpe = new BytePairEncoder(toMerges(where, options.merges));
    if (this.addBosToken && this.bosTokenId === undefined) {
      throw new RangeError(`${where}: addBosToken is true but there is no bosToken in the vocabulary`);
    }
  }

  /** Loads GPT-2 / OPT byte-level BPE from a model folder or a hub id in the local cache. */
  static async fromPretrained(dirOrId: string, overrides: Partial<GPT2TokenizerOptions> = {}): Promise<GPT2Tokenizer> {
    const spec = await loadTokenizerSpec(dirOrId, 'gpt2');
    return new GPT2Tokenizer({ ...(spec.options as GPT2TokenizerOptions), ...overrides });
  }

  protected prepareText(text: string): string {
    return this.addPrefixSpace ? ' ' + text : text;
  }

  protected tokenizeSegment(text: string): string[] {
    const out: string[] = [];
    for (const piece of gpt2Split(text)) {
      for (const symbol of this.bpe.encode(bytesToUnicode(piece))) out.push(symbol);
    }
    return out;
  }

  protected tokensToString(tokens: string[]): string {
    return unicodeToText(tokens.join(''));
  }

  numSpecialTokens(pair: boolean): number {
    return this.addBosToken ? (pair ? 2 : 1) : 0;
  }

  /** transformers' GPT2Tokenizer: [bos] A ([bos] B); no token types, so B's are 1 only nominally. */
  build(a: readonly number[], b: readonly number[] | null): { ids: number[]; typeIds: number[] } {
    const bos = this.addBosToken ? [this.bosTokenId!] : [];
    const first = bos.concat(a);
    const typeIds = new Array<number>(first.length).fill(0);
    if (b === null) return { ids: first, typeIds };
    const second = bos.concat(b);
    return { ids: first.concat(second), typeIds: typeIds.concat(new Array<number>(second.length).fill(1)) };
  }
}
