/**
 * TweetEval's layout (github.com/cardiffnlp/tweeteval): `<split>_text.txt` with one text a line,
 * `<split>_labels.txt` with the label of the same line, and `mapping.txt` ("0\tnegative") in the
 * same folder. As in datasets' tweet_eval loader, each text is `line.strip()` and each label
 * `int(line.strip())`; unlike it, text and label files of different lengths are an error (the
 * loader would pair them up to the shorter one or fail with an IndexError).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';
import { readText } from './files';
import type { Table } from './table';

export interface TweetEvalFiles {
  text: string;
  labels: string;
  /** mapping.txt when the folder has one. */
  mapping?: string;
}

/** The files of one split; throws when the folder lacks them. */
export function tweetEvalFiles(dir: string, split: string): TweetEvalFiles {
  const text = path.join(dir, `${split}_text.txt`);
  const labels = path.join(dir, `${split}_labels.txt`);
  for (const f of [text, labels]) {
    if (!fs.existsSync(f)) {
      throw new DataError({ file: f }, 'no such file', `a TweetEval folder holds <split>_text.txt and <split>_labels.txt; check dir and split (train, val, test)`);
    }
  }
  const mapping = path.join(dir, 'mapping.txt');
  return { text, labels, ...(fs.existsSync(mapping) ? { mapping } : {}) };
}

/** True when `dir` has TweetEval files for `split`. */
export function isTweetEvalDir(dir: string, split: string): boolean {
  return fs.existsSync(path.join(dir, `${split}_text.txt`)) && fs.existsSync(path.join(dir, `${split}_labels.txt`));
}

/** Lines of a text file without the newline after the last one. */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export async function readTweetEval(files: TweetEvalFiles): Promise<Table> {
  const texts = linesOf(await readText(files.text));
  const labels = linesOf(await readText(files.labels));
  if (texts.length !== labels.length) {
    throw new DataError(
      { file: files.labels },
      `${labels.length} labels for the ${texts.length} lines of ${files.text}`,
      'the two files must pair up line by line: one label per text',
    );
  }
  const rows = texts.map((t, i) => ({ text: t.trim(), label: labels[i].trim() }));
  return {
    file: files.text,
    columns: ['text', 'label'],
    rows,
    locate: (i, column) => ({ file: column === 'label' ? files.labels : files.text, line: i + 1 }),
  };
}
