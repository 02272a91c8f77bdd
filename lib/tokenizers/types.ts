/**
 * The tokenizers' option and result types, in a module of their own: the folder loader fills
 * these options from a model folder, the tokenizer classes read them, and toTensors converts a
 * BatchEncoding. Keeping them here lets every one of those import the types without importing
 * each other (the folder reads top-down: auto -> bert/gpt2 -> base, loader -> types).
 */
import type { Merge } from './bpe';
import type { Side } from './options';
import type { SpecialTokenValue } from './special';
import type { VocabInput } from './vocab';

/** A token outside the model's vocabulary (tokenizer.json added_tokens, added_tokens.json). */
export interface AddedTokenEntry {
  content: string;
  id: number;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
}

/** Options every tokenizer constructor accepts. */
export interface CommonTokenizerOptions {
  vocab: VocabInput;
  unkToken?: SpecialTokenValue | null;
  bosToken?: SpecialTokenValue | null;
  eosToken?: SpecialTokenValue | null;
  sepToken?: SpecialTokenValue | null;
  padToken?: SpecialTokenValue | null;
  clsToken?: SpecialTokenValue | null;
  maskToken?: SpecialTokenValue | null;
  additionalSpecialTokens?: SpecialTokenValue[];
  addedTokens?: AddedTokenEntry[];
  /** Longest input the model takes; 1e30 (transformers' "unset") means no limit. */
  modelMaxLength?: number;
  paddingSide?: Side;
  truncationSide?: Side;
  cleanUpTokenizationSpaces?: boolean;
  /**
   * Keep special tokens typed in the text as single tokens. transformers does this after
   * from_pretrained (so fromPretrained sets it), not for a tokenizer built by its constructor.
   */
  recognizeSpecialTokens?: boolean;
}

export const COMMON_OPTION_NAMES = [
  'vocab', 'unkToken', 'bosToken', 'eosToken', 'sepToken', 'padToken', 'clsToken', 'maskToken',
  'additionalSpecialTokens', 'addedTokens', 'modelMaxLength', 'paddingSide', 'truncationSide',
  'cleanUpTokenizationSpaces', 'recognizeSpecialTokens',
] as const;

/** Result of batch(): one row per text (or per overflow chunk), as transformers names them. */
export interface BatchEncoding<T = number[][]> {
  inputIds: T;
  attentionMask?: T;
  tokenTypeIds?: T;
  /** With returnOverflowingTokens: the index of the input text each row came from. */
  overflowToSampleMapping?: T extends number[][] ? number[] : T;
}

export interface BertTokenizerOptions extends CommonTokenizerOptions {
  /** Default true, as in transformers; bert-base-cased's tokenizer_config.json says false. */
  doLowerCase?: boolean;
  doBasicTokenize?: boolean;
  /** Words the basic tokenizer must leave whole. */
  neverSplit?: string[];
  tokenizeChineseChars?: boolean;
  /** Default null: strip accents exactly when lowercasing. */
  stripAccents?: boolean | null;
  maxInputCharsPerWord?: number;
  continuingSubwordPrefix?: string;
}

export interface GPT2TokenizerOptions extends CommonTokenizerOptions {
  /** Merge rules in rank order: "a b" strings or [a, b] pairs. */
  merges: ReadonlyArray<string | Merge>;
  /** Prepend bosToken to every sequence (OPT: true). */
  addBosToken?: boolean;
  /** Treat the text as if it started with a space, so the first word is encoded like the rest. */
  addPrefixSpace?: boolean;
}
