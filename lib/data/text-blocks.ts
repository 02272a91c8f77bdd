/**
 * loadTextBlocks: causal-language-modelling data from plain text files, as transformers'
 * run_clm.py prepares it: each file is one document (Project Gutenberg header and footer
 * removed), tokenized, all concatenated and cut into blocks of blockSize tokens (group_texts),
 * labels = input ids (the model shifts them). Named files are held out as the evaluation set,
 * packed on their own.
 */
import * as path from 'path';
import type { AnyTokenizer } from '../tokenizers';
import { NO_MAX_LENGTH } from '../tokenizers/options';
import { rejectUnknownOptions } from '../tokenizers/validate';
import { DatasetCache, defaultCacheDir, warnCacheWrite, type CacheField, type CacheWriter } from './cache';
import { documentIds, type DocumentOptions } from './documents';
import { listDataFiles } from './files';
import { hashFile, hashValue, tokenizerSource, type TokenizerSource } from './fingerprint';
import { BlockPacker } from './group-texts';
import type { Example } from './types';

export interface LoadTextBlocksOptions {
  /** A tokenizer (AutoTokenizer.fromPretrained(...)) or its folder / hub id. */
  tokenizer: AnyTokenizer | string;
  /** Text files, in this order. Give files or dir. */
  files?: string | string[];
  /** A folder: its files ending in one of `extensions`, sorted by name. */
  dir?: string;
  /** File endings taken from dir (default ['.txt']). */
  extensions?: string[];
  /** Files held out for evaluation, by name ('1656.txt') or path; they form `eval`. */
  holdOut?: string | string[];
  /** Tokens per block (default min(1024, the tokenizer's modelMaxLength), as run_clm.py; the original OPT experiment used 2048). */
  blockSize?: number;
  /** Remove Project Gutenberg headers and footers where present (default true). */
  stripGutenberg?: boolean;
  /** Encode each document as tokenizer(text) does, with its special tokens (default true; OPT: a leading </s>). */
  addSpecialTokens?: boolean;
  /** Append the tokenizer's end-of-sequence token after each document (default false). */
  appendEos?: boolean;
  /** Return AsyncIterables that read and tokenize lazily (default false: arrays in memory). */
  streaming?: boolean;
  /** Keep only the first maxSamples training blocks (run_clm's max_train_samples). */
  maxSamples?: number;
  /** Keep only the first maxEvalSamples evaluation blocks. */
  maxEvalSamples?: number;
  /** Cache the blocks: a folder, true for the default folder, false (default) for none. */
  cache?: string | boolean;
}

export interface TextBlocks<D = Example[] | AsyncIterable<Example>> {
  train: D;
  /** The held-out files' blocks; undefined without holdOut. */
  eval?: D;
  blockSize: number;
  trainFiles: string[];
  evalFiles: string[];
}

const OPTIONS: readonly (keyof LoadTextBlocksOptions)[] = [
  'tokenizer', 'files', 'dir', 'extensions', 'holdOut', 'blockSize', 'stripGutenberg', 'addSpecialTokens',
  'appendEos', 'streaming', 'maxSamples', 'maxEvalSamples', 'cache',
];
const WHERE = 'loadTextBlocks()';
const CACHE_VERSION = 1;
const FIELDS: CacheField[] = [
  { name: 'inputIds', kind: 'ids' },
  { name: 'attentionMask', kind: 'ones', of: 'inputIds' },
  { name: 'labels', kind: 'copy', of: 'inputIds' },
];

function checkCount(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1) throw new RangeError(`${WHERE}: ${name} must be a positive integer, got ${String(value)}`);
  return value as number;
}

/** run_clm.py's default block size, refusing sizes past what the model can take. */
function blockSizeFor(tokenizer: AnyTokenizer, requested: number | undefined): number {
  const limit = tokenizer.modelMaxLength < NO_MAX_LENGTH ? tokenizer.modelMaxLength : undefined;
  const size = checkCount('blockSize', requested) ?? Math.min(1024, limit ?? 1024);
  // run_clm.py lowers such a block size with a warning; a silent change of the experiment
  // is worse than an error here.
  if (limit !== undefined && size > limit) throw new RangeError(`${WHERE}: blockSize ${size} is larger than the tokenizer's modelMaxLength ${limit}; use at most ${limit}`);
  return size;
}

/** Splits files into train and held-out ones; every holdOut entry must match a file. */
function splitHoldOut(files: string[], holdOut: string | string[] | undefined): { train: string[]; eval: string[] } {
  const wanted = holdOut === undefined ? [] : typeof holdOut === 'string' ? [holdOut] : holdOut;
  if (!Array.isArray(wanted) || wanted.some((h) => typeof h !== 'string' || h === '')) throw new TypeError(`${WHERE}: holdOut must be a file name or path, or a list of them`);
  const matches = (file: string, h: string) => path.resolve(file) === path.resolve(h) || path.basename(file) === h;
  for (const h of wanted) {
    if (!files.some((f) => matches(f, h))) throw new TypeError(`${WHERE}: holdOut '${h}' is none of the files (${files.map((f) => path.basename(f)).join(', ')})`);
  }
  const held = (f: string) => wanted.some((h) => matches(f, h));
  const train = files.filter((f) => !held(f));
  if (train.length === 0) throw new TypeError(`${WHERE}: every file is held out; leave at least one for training`);
  return { train, eval: files.filter(held) };
}

/**
 * Blocks for causal language modelling from text files:
 *
 *   const { train, eval } = await loadTextBlocks({ dir: 'data/plato', holdOut: '1656.txt', tokenizer, blockSize: 2048 });
 *
 * Each block is { inputIds, attentionMask, labels } with labels equal to inputIds.
 */
export async function loadTextBlocks(options: LoadTextBlocksOptions & { streaming: true }): Promise<TextBlocks<AsyncIterable<Example>>>;
export async function loadTextBlocks(options: LoadTextBlocksOptions & { streaming?: false }): Promise<TextBlocks<Example[]>>;
export async function loadTextBlocks(options: LoadTextBlocksOptions): Promise<TextBlocks>;
export async function loadTextBlocks(options: LoadTextBlocksOptions): Promise<TextBlocks> {
  rejectUnknownOptions(WHERE, options, OPTIONS);
  if (options === undefined || options.tokenizer === undefined) throw new TypeError(`${WHERE}: tokenizer is required`);
  const o = options;
  const source = tokenizerSource(WHERE, o.tokenizer);
  const doc: DocumentOptions = { stripGutenberg: o.stripGutenberg ?? true, addSpecialTokens: o.addSpecialTokens ?? true, appendEos: o.appendEos ?? false };
  const limits = { train: checkCount('maxSamples', o.maxSamples), eval: checkCount('maxEvalSamples', o.maxEvalSamples) };
  const files = await listDataFiles(WHERE, o.files, o.dir, o.extensions ?? ['.txt']);
  const split = splitHoldOut(files, o.holdOut);
  const lists = split.eval.length ? [split.train, split.eval] : [split.train];
  // The default block size needs the tokenizer; otherwise it is loaded only if something is not cached.
  let blockSize = checkCount('blockSize', o.blockSize) ?? blockSizeFor(await source.load(), undefined);
  const cache = o.cache ? new DatasetCache(typeof o.cache === 'string' ? o.cache : defaultCacheDir()) : undefined;
  const keys: string[] = [];
  if (cache) {
    const tokenizerKey = await source.fingerprint();
    for (const list of lists) keys.push(hashValue({ version: CACHE_VERSION, kind: 'text-blocks', tokenizer: tokenizerKey, files: await Promise.all(list.map(hashFile)), blockSize, ...doc }));
  }
  const cached = cache !== undefined && (await Promise.all(keys.map((k) => cache.has(k)))).every(Boolean);
  if (!cached) blockSize = blockSizeFor(await source.load(), blockSize);
  const sets = await Promise.all(lists.map((list, i) => {
    const stream = new TextBlockStream(list, source, blockSize, doc, i === 0 ? limits.train : limits.eval, cache, keys[i] ?? '');
    return o.streaming ? stream : stream.toArray();
  }));
  return { train: sets[0], ...(sets[1] ? { eval: sets[1] } : {}), blockSize, trainFiles: split.train, evalFiles: split.eval };
}

/**
 * The blocks of some files as a re-iterable AsyncIterable: each iteration reads the cache
 * entry when there is one, else tokenizes the files (writing the entry as it goes, kept only
 * when the iteration runs to the end).
 */
export class TextBlockStream implements AsyncIterable<Example> {
  constructor(
    readonly files: readonly string[], private readonly tokenizer: TokenizerSource, readonly blockSize: number,
    private readonly doc: DocumentOptions, private readonly limit: number | undefined,
    private readonly cache: DatasetCache | undefined, private readonly key: string,
  ) {}

  /** All blocks in memory (a cache entry is read in one go). */
  async toArray(): Promise<Example[]> {
    const hit = this.cache ? await this.cache.load(this.key) : undefined;
    if (hit) return this.limit === undefined ? hit.rows : hit.rows.slice(0, this.limit);
    const out: Example[] = [];
    for await (const e of this) out.push(e);
    return out;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Example> {
    const entry = this.cache ? await this.cache.open(this.key) : undefined;
    if (entry) {
      let n = 0;
      for await (const row of entry.rows()) {
        if (this.limit !== undefined && n++ >= this.limit) return;
        yield row;
      }
      return;
    }
    yield* this.build();
  }

  private async *build(): AsyncGenerator<Example> {
    let writer: CacheWriter | undefined = this.cache ? await this.cache.writer(this.key, FIELDS).catch(warnAndDrop) : undefined;
    let complete = false;
    let n = 0;
    try {
      const tokenizer = await this.tokenizer.load();
      const packer = new BlockPacker(this.blockSize);
      for (const file of this.files) {
        for await (const ids of documentIds(file, tokenizer, this.doc)) {
          for (const block of packer.push(ids)) {
            if (this.limit !== undefined && n >= this.limit) return;
            const row: Example = { inputIds: block, attentionMask: new Array<number>(block.length).fill(1), labels: block.slice() };
            if (writer) await writer.add(row).catch((err) => { writer = warnAndDrop(err, writer); });
            n++;
            yield row;
          }
        }
      }
      complete = true;
    } finally {
      if (writer) await (complete ? writer.commit({ files: this.files.map((f) => path.basename(f)) }).catch(warnCacheWrite) : writer.abort());
    }
  }
}

function warnAndDrop(err: unknown, writer?: CacheWriter): undefined {
  warnCacheWrite(err);
  writer?.abort().catch(() => undefined);
  return undefined;
}
