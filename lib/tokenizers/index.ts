/**
 * node-peft tokenizers: text to the exact ids transformers 4.29 gives, for BERT (WordPiece) and
 * GPT-2 / OPT (byte-level BPE), from a HuggingFace model folder or in-memory vocabularies.
 */
export { AutoTokenizer, type AnyTokenizer } from './auto';
export { BertTokenizer, type BertTokenizerOptions } from './bert';
export { GPT2Tokenizer, type GPT2TokenizerOptions } from './gpt2';
export {
  PreTrainedTokenizer, type AddedTokenEntry, type BatchEncoding, type CommonTokenizerOptions,
} from './base';
export type {
  BatchOptions, DecodeOptions, EncodeOptions, PaddingOption, Side, TruncationOption,
} from './options';
export type { AddedTokenSpec, SpecialTokenValue } from './special';
export type { VocabInput } from './vocab';
export { resolveModelDir, hubCacheDirs, type ResolveModelDirOptions } from './hub';
export { loadTokenizerSpec, type TokenizerKind, type TokenizerSpec } from './loader';
export { BasicTokenizer, type BasicTokenizerOptions } from './basic';
export { WordPiece, type WordPieceOptions } from './wordpiece';
export { BytePairEncoder, parseMergesText, type Merge } from './bpe';
export { BYTE_ENCODER, BYTE_DECODER, bytesToUnicode, unicodeToText } from './bytes';
export { gpt2Split } from './pretokenize';
export { cleanUpTokenization } from './cleanup';
