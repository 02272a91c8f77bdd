/**
 * node-peft data: readers that turn data files into the Example rows the Trainer consumes.
 * - loadTextClassification: TweetEval files, CSV / TSV, JSON Lines, Parquet -> tokenized rows + label names.
 * - loadTextBlocks: plain text (Project Gutenberg e-texts too) -> fixed-length causal-LM blocks.
 * - shuffle / trainTestSplit: seeded, with datasets' sizes.
 * Tokenized data sets can be cached on disk (the `cache` option of both loaders).
 */
export type { Example, Dataset } from './types';
export { loadTextClassification, type LoadTextClassificationOptions, type TextClassificationData } from './classification';
export type { TextClassificationFormat } from './sources';
export { loadTextBlocks, TextBlockStream, type LoadTextBlocksOptions, type TextBlocks } from './text-blocks';
export { shuffle, trainTestSplit, DEFAULT_SEED, type TrainTestSplitOptions } from './split';
export { Random, permutation } from './rng';
export { DataError, type DataLocation } from './errors';
export type { LabelSpace } from './labels';
export { readMappingFile } from './labels';
export { stripGutenberg, GutenbergFilter } from './gutenberg';
export { groupTexts, BlockPacker } from './group-texts';
export { DatasetCache, defaultCacheDir } from './cache';
export type { Table } from './table';
export { readCsv, type CsvOptions } from './csv';
export { readJsonLines } from './jsonl';
export { readParquet } from './parquet';
export { readTweetEval, tweetEvalFiles } from './tweeteval';
