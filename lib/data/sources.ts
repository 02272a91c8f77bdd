/**
 * Which files a classification data set is read from, in which format, and reading them into
 * tables. The format comes from the `format` option, else from each file's extension, as
 * datasets' load_dataset infers its builder ("csv", "json", "parquet") from data_files.
 */
import * as path from 'path';
import { readCsv } from './csv';
import { DataError } from './errors';
import { listDataFiles } from './files';
import { readJsonLines } from './jsonl';
import { readParquet } from './parquet';
import type { Table } from './table';
import { isTweetEvalDir, readTweetEval, tweetEvalFiles } from './tweeteval';

export type TextClassificationFormat = 'tweeteval' | 'csv' | 'tsv' | 'json' | 'jsonl' | 'parquet';
export const FORMATS: readonly TextClassificationFormat[] = ['tweeteval', 'csv', 'tsv', 'json', 'jsonl', 'parquet'];

const EXTENSIONS: Record<string, Exclude<TextClassificationFormat, 'tweeteval'>> = {
  '.csv': 'csv', '.tsv': 'tsv', '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.parquet': 'parquet',
};

export interface SourceRequest {
  format?: TextClassificationFormat;
  files?: string | readonly string[];
  dir?: string;
  split?: string;
  delimiter?: string;
}

/** The resolved input: its format(s) and files, before anything is parsed. */
export interface Sources {
  tweetEval?: ReturnType<typeof tweetEvalFiles>;
  files: Array<{ file: string; format: Exclude<TextClassificationFormat, 'tweeteval'> }>;
  /** Every file the data depends on (hashed for the cache key). */
  all: string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function resolveSources(where: string, req: SourceRequest): Promise<Sources> {
  const tweetEval = req.format === 'tweeteval' || (req.format === undefined && req.dir !== undefined && req.split !== undefined && req.files === undefined && isTweetEvalDir(req.dir, req.split));
  if (tweetEval) {
    if (req.dir === undefined || req.split === undefined || req.files !== undefined) {
      throw new TypeError(`${where}: the TweetEval format reads dir (the folder) and split ('train', 'val' or 'test'), not files`);
    }
    const te = tweetEvalFiles(req.dir, req.split);
    return { tweetEval: te, files: [], all: [te.text, te.labels, ...(te.mapping ? [te.mapping] : [])] };
  }
  const extensions = req.format ? Object.keys(EXTENSIONS).filter((e) => EXTENSIONS[e] === req.format || (req.format === 'json' && EXTENSIONS[e] === 'jsonl')) : Object.keys(EXTENSIONS);
  let list = await listDataFiles(where, req.files, req.dir, extensions);
  if (req.dir !== undefined && req.split !== undefined) {
    // The Hub's layout: "train.csv", "train-00000-of-00002.parquet", "validation_1.jsonl", ...
    const pattern = new RegExp(`^${escapeRegExp(req.split)}(?=[-_.\\d]|$)`);
    list = list.filter((f) => pattern.test(path.basename(f)));
    if (list.length === 0) throw new DataError({ file: req.dir }, `no data file for split '${req.split}' (names starting with "${req.split}")`, 'check dir and split');
  }
  const files = list.map((file) => ({ file, format: req.format === undefined ? formatOf(file) : (req.format as Exclude<TextClassificationFormat, 'tweeteval'>) }));
  return { files, all: list };
}

function formatOf(file: string): Exclude<TextClassificationFormat, 'tweeteval'> {
  const ext = path.extname(file).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format) throw new DataError({ file }, `cannot tell the format from the extension "${ext}"`, `pass format (${FORMATS.join(', ')})`);
  return format;
}

/** Parses every source into a table; `columns` are the ones the caller will read. */
export async function readSources(sources: Sources, columns: readonly string[], delimiter?: string): Promise<Table[]> {
  if (sources.tweetEval) return [await readTweetEval(sources.tweetEval)];
  const tables: Table[] = [];
  for (const { file, format } of sources.files) {
    if (format === 'csv' || format === 'tsv') tables.push(await readCsv(file, { delimiter: delimiter ?? (format === 'tsv' ? '\t' : ',') }));
    else if (format === 'parquet') tables.push(await readParquet(file, columns));
    else tables.push(await readJsonLines(file));
  }
  return tables;
}
