// Classification predictions for texts given on the command line or in a file: a .txt file is
// one text a line; CSV / TSV / JSON Lines / Parquet files are read by lib/data's readers and
// their text column used.
import path from 'path';
import { readCsv } from '../data/csv';
import { DataError } from '../data/errors';
import { readText } from '../data/files';
import { readJsonLines } from '../data/jsonl';
import { readParquet } from '../data/parquet';
import { textAt, requireColumns, type Table } from '../data/table';
import { inferenceTrainer, predictTexts, type InferenceOptions, type Prediction } from './inference';
import { loadForUse, type LoadForUseOptions } from './load';

/** The texts of a file, in order (a .txt file: every line, blank lines refused). */
export async function readTexts(file: string, textColumn = 'text'): Promise<string[]> {
  const ext = path.extname(file).toLowerCase();
  let table: Table;
  if (ext === '.csv' || ext === '.tsv') table = await readCsv(file, { delimiter: ext === '.tsv' ? '\t' : ',' });
  else if (ext === '.jsonl' || ext === '.json') table = await readJsonLines(file);
  else if (ext === '.parquet') table = await readParquet(file, [textColumn]);
  else {
    const lines = (await readText(file)).split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    const blank = lines.findIndex((l) => l.trim() === '');
    if (blank >= 0) throw new DataError({ file, line: blank + 1 }, 'empty line', 'one text a line: remove blank lines');
    return lines;
  }
  requireColumns(table, [['--text-column', textColumn]]);
  return table.rows.map((_, i) => textAt(table, i, textColumn));
}

export interface PredictOptions extends LoadForUseOptions, InferenceOptions {
  texts: string[];
  maxLength?: number;
}

/** [async] Label and class probabilities of each text. */
export async function predictLabels(o: PredictOptions): Promise<Prediction[]> {
  const loaded = await loadForUse(o);
  if (loaded.task !== 'sequence-classification') throw new Error(`predict needs a sequence-classification model; ${loaded.baseDir} is a causal LM: use generate`);
  const id2label = loaded.labels?.id2label ?? loaded.base.config.get<Record<number, string>>('id2label');
  const trainer = inferenceTrainer(loaded.model, loaded.task, loaded.tokenizer, o);
  return predictTexts(trainer, loaded.tokenizer, o.texts, id2label, o.maxLength);
}
