/**
 * loadTextClassification: a sequence-classification data set from files to tokenized Example
 * rows plus its label names, the pieces run_glue.py assembles from load_dataset, the label list,
 * and Dataset.map(tokenizer).
 */
import type { AnyTokenizer } from '../tokenizers';
import { rejectUnknownOptions } from '../tokenizers/validate';
import { DatasetCache, defaultCacheDir, warnCacheWrite, type CacheField } from './cache';
import { hashFile, hashValue, tokenizerSource } from './fingerprint';
import { encodeLabel, labelSpace, namesFromData, namesFromId2Label, readMappingFile, requireLabel, type LabelSpace } from './labels';
import { permutation } from './rng';
import { FORMATS, readSources, resolveSources, type Sources, type TextClassificationFormat } from './sources';
import { DEFAULT_SEED } from './split';
import { requireColumns, textAt, type Table } from './table';
import { effectiveMaxLength, tokenizeForClassification } from './tokenize';
import type { Example } from './types';

export interface LoadTextClassificationOptions {
  /** A tokenizer (AutoTokenizer.fromPretrained(...)) or its folder / hub id. */
  tokenizer: AnyTokenizer | string;
  /** 'tweeteval', 'csv', 'tsv', 'json' / 'jsonl' (JSON Lines or a JSON array) or 'parquet'; default: from each file's extension, or 'tweeteval' for a folder with <split>_text.txt. */
  format?: TextClassificationFormat;
  /** The data file(s). Give files or dir. */
  files?: string | string[];
  /** A folder: TweetEval's, or one of data files (with split: the files whose names start with it). */
  dir?: string;
  /** TweetEval: 'train', 'val' or 'test'; other folders: the file name prefix ('train', 'validation', ...). */
  split?: string;
  /** Column of the text (default 'text'). */
  textColumn?: string;
  /** Column of the second text of sentence-pair tasks (BERT's segment B); none by default. */
  textPairColumn?: string;
  /** Column of the label (default 'label'): a class name, or an id (a number or its digits). */
  labelColumn?: string;
  /** Class names by id (a list, or a config's id2label object). Default: mappingFile, TweetEval's mapping.txt, or the sorted distinct labels of the data. */
  labelNames?: string[] | Record<number, string>;
  /** A file of class names: TweetEval's "id<TAB>name" lines, one name a line, or JSON (a list or {"0": "name"}). */
  mappingFile?: string;
  /** CSV/TSV field separator (default ',' for .csv, a tab for .tsv). */
  delimiter?: string;
  /** Truncate rows to this many tokens, special tokens included (default: the tokenizer's modelMaxLength). No padding: the collator pads per batch. */
  maxLength?: number;
  /** Keep only the first maxSamples rows (after shuffling), like run_glue's max_train_samples. */
  maxSamples?: number;
  /** Shuffle the rows with `seed` (default false: file order; the Trainer shuffles each epoch anyway). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 42). The order is node-peft's (see rng.ts), not datasets'. */
  seed?: number;
  /** Cache the tokenized rows: a folder, true for the default folder (NODE_PEFT_DATASETS_CACHE or ~/.cache/node-peft/datasets), false (default) for none. */
  cache?: string | boolean;
}

export interface TextClassificationData extends LabelSpace {
  examples: Example[];
  /** The files read. */
  files: string[];
  /** Whether the rows came from the cache. */
  fromCache: boolean;
}

const OPTIONS: readonly (keyof LoadTextClassificationOptions)[] = [
  'tokenizer', 'format', 'files', 'dir', 'split', 'textColumn', 'textPairColumn', 'labelColumn', 'labelNames',
  'mappingFile', 'delimiter', 'maxLength', 'maxSamples', 'shuffle', 'seed', 'cache',
];
const WHERE = 'loadTextClassification()';
const CACHE_VERSION = 1;

function checkOptions(o: LoadTextClassificationOptions): void {
  rejectUnknownOptions(WHERE, o, OPTIONS);
  if (o === undefined || o.tokenizer === undefined) throw new TypeError(`${WHERE}: tokenizer is required`);
  if (o.format !== undefined && !FORMATS.includes(o.format)) throw new TypeError(`${WHERE}: format must be one of ${FORMATS.join(', ')}, got ${String(o.format)}`);
  for (const k of ['dir', 'split', 'textColumn', 'textPairColumn', 'labelColumn', 'mappingFile', 'delimiter'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) throw new TypeError(`${WHERE}: ${k} must be a non-empty string`);
  }
  for (const k of ['maxSamples', 'maxLength'] as const) {
    if (o[k] !== undefined && !(Number.isInteger(o[k]) && o[k]! > 0)) throw new RangeError(`${WHERE}: ${k} must be a positive integer, got ${String(o[k])}`);
  }
  if (o.labelNames !== undefined && o.mappingFile !== undefined) throw new TypeError(`${WHERE}: pass labelNames or mappingFile, not both`);
}

/**
 * Reads a text-classification data set and tokenizes it into Example rows (inputIds,
 * attentionMask, tokenTypeIds for BERT, labels), with the label names for the model config:
 *
 *   const data = await loadTextClassification({ dir: 'data/tweeteval-sentiment', split: 'train', tokenizer });
 *   const model = await BertForSequenceClassification.fromPretrained(dir, { numLabels: data.numLabels, id2label: data.id2label, label2id: data.label2id });
 *
 * Bad data is a DataError naming the file, the line (or row) and what to fix.
 */
export async function loadTextClassification(options: LoadTextClassificationOptions): Promise<TextClassificationData> {
  checkOptions(options);
  const o = options;
  const source = tokenizerSource(WHERE, o.tokenizer);
  const sources = await resolveSources(WHERE, o);
  const cache = o.cache ? new DatasetCache(typeof o.cache === 'string' ? o.cache : defaultCacheDir()) : undefined;
  // The tokenizer's fingerprint covers its modelMaxLength, the default maxLength.
  const key = cache ? await cacheKey(o, sources, await source.fingerprint()) : '';
  if (cache) {
    const hit = await cache.load(key);
    if (hit) return { examples: hit.rows, ...labelSpace(WHERE, hit.meta.info.labelNames as string[]), files: sources.all, fromCache: true };
  }
  const columns = { text: o.textColumn ?? 'text', pair: o.textPairColumn, label: o.labelColumn ?? 'label' };
  const tables = await readSources(sources, [columns.text, ...(columns.pair ? [columns.pair] : []), columns.label], o.delimiter);
  for (const t of tables) {
    requireColumns(t, [['textColumn', columns.text], ['labelColumn', columns.label], ...(columns.pair ? [['textPairColumn', columns.pair] as [string, string]] : [])]);
  }
  const space = labelSpace(WHERE, await labelNamesFor(o, sources, tables, columns.label));
  const rows = collectRows(tables, columns, space);
  const tokenizer = await source.load();
  const maxLength = effectiveMaxLength(tokenizer, o.maxLength);
  const order = o.shuffle ? permutation(rows.texts.length, o.seed ?? DEFAULT_SEED) : rows.texts.map((_, i) => i);
  const picked = order.slice(0, o.maxSamples ?? order.length);
  const examples = tokenizeForClassification(
    tokenizer, picked.map((i) => rows.texts[i]), rows.pairs ? picked.map((i) => rows.pairs![i]) : null, picked.map((i) => rows.labels[i]), maxLength,
  );
  if (cache) await saveToCache(cache, key, examples, space).catch(warnCacheWrite);
  return { examples, ...space, files: sources.all, fromCache: false };
}

async function labelNamesFor(o: LoadTextClassificationOptions, sources: Sources, tables: Table[], labelColumn: string): Promise<string[]> {
  if (Array.isArray(o.labelNames)) return o.labelNames;
  if (o.labelNames !== undefined) return namesFromId2Label(`${WHERE}: labelNames`, o.labelNames);
  if (o.mappingFile !== undefined) return readMappingFile(o.mappingFile);
  if (sources.tweetEval?.mapping) return readMappingFile(sources.tweetEval.mapping);
  const values: unknown[] = [];
  for (const t of tables) {
    t.rows.forEach((row, i) => {
      // A missing label is reported here, where it would otherwise become the class "undefined".
      requireLabel(row[labelColumn], t.locate(i, labelColumn), labelColumn);
      values.push(row[labelColumn]);
    });
  }
  return namesFromData(values);
}

function collectRows(tables: Table[], columns: { text: string; pair?: string; label: string }, space: LabelSpace) {
  const texts: string[] = [];
  const pairs: string[] | null = columns.pair ? [] : null;
  const labels: number[] = [];
  for (const t of tables) {
    for (let i = 0; i < t.rows.length; i++) {
      texts.push(textAt(t, i, columns.text));
      if (pairs) pairs.push(textAt(t, i, columns.pair!));
      labels.push(encodeLabel(space, t.rows[i][columns.label], t.locate(i, columns.label), columns.label));
    }
  }
  return { texts, pairs, labels };
}

async function cacheKey(o: LoadTextClassificationOptions, sources: Sources, tokenizer: string): Promise<string> {
  const files: string[] = [];
  for (const f of sources.all) files.push(await hashFile(f));
  return hashValue({
    version: CACHE_VERSION, kind: 'text-classification', tokenizer, files,
    formats: sources.tweetEval ? 'tweeteval' : sources.files.map((f) => f.format),
    columns: [o.textColumn ?? 'text', o.textPairColumn ?? null, o.labelColumn ?? 'label'],
    labelNames: o.labelNames ?? null, mapping: o.mappingFile ? await hashFile(o.mappingFile) : null,
    delimiter: o.delimiter ?? null, maxLength: o.maxLength ?? null, maxSamples: o.maxSamples ?? null,
    seed: o.shuffle ? o.seed ?? DEFAULT_SEED : null,  // null: the files' order (no shuffle)
  });
}

async function saveToCache(cache: DatasetCache, key: string, examples: Example[], space: LabelSpace): Promise<void> {
  const fields: CacheField[] = [{ name: 'inputIds', kind: 'ids' }, { name: 'attentionMask', kind: 'ones', of: 'inputIds' }];
  if (examples.some((e) => e.tokenTypeIds !== undefined)) fields.push({ name: 'tokenTypeIds', kind: 'ids' });
  fields.push({ name: 'labels', kind: 'int' });
  const writer = await cache.writer(key, fields);
  try {
    for (const e of examples) await writer.add(e);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.commit({ labelNames: Object.values(space.id2label) });
}
