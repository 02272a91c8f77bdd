/**
 * node-peft tokenizers: text to the exact ids transformers 4.29 gives, for BERT (WordPiece) and
 * GPT-2 / OPT (byte-level BPE), from a HuggingFace model folder or in-memory vocabularies.
 *
 * Why our own TypeScript rather than @huggingface/tokenizers 0.2.0 (the tokenizer core of
 * transformers.js), measured on the fixtures and the 12,284 TweetEval test tweets: it matched
 * every BERT case and every GPT-2 case but the one that transformers' constructor splits, and
 * BERT ran at ~0.85 M tokens/s, but its GPT-2 BPE took ~1.9 s for the tweets (this code: ~0.5 s
 * cold, ~0.2 s warm); it reads only tokenizer.json (not vocab.txt, vocab.json + merges.txt,
 * encoder.json + vocab.bpe); decode([]) throws; and it has no batch API (pairs, padding,
 * truncation, overflow with stride), which lives in @huggingface/transformers together with
 * onnxruntime and sharp. What it lacked was most of this module, so nothing is taken from it.
 */
export { AutoTokenizer, type AnyTokenizer } from './auto';
export { BertTokenizer } from './bert';
export { GPT2Tokenizer } from './gpt2';
export { PreTrainedTokenizer } from './base';
export type {
  AddedTokenEntry, BatchEncoding, BertTokenizerOptions, CommonTokenizerOptions, GPT2TokenizerOptions,
} from './types';
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
