/**
 * TweetEval's layout: 300 real tweets tokenized with bert-base-cased match the tokenizer run
 * directly on the stripped lines; malformed folders are errors naming the file and line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, loadTextClassification } from '../../lib/data';
import { AutoTokenizer, type AnyTokenizer } from '../../lib/tokenizers';
import { BERT_DIR, GPT2_DIR, rejection, tempDir, TWEETEVAL, write } from './helpers';

let bert: AnyTokenizer;
beforeAll(async () => {
  bert = await AutoTokenizer.fromPretrained(BERT_DIR);
});

describe('TweetEval sentiment from data/tweeteval-sentiment', () => {
  it('300 test tweets: ids, masks, token types and labels equal bert-base-cased run directly', async () => {
    const data = await loadTextClassification({ dir: TWEETEVAL, split: 'test', tokenizer: bert, maxSamples: 300 });
    // Read independently: one tweet a line, stripped as datasets' tweet_eval loader strips it.
    const texts = fs.readFileSync(path.join(TWEETEVAL, 'test_text.txt'), 'utf8').split('\n').slice(0, 300).map((t) => t.trim());
    const labels = fs.readFileSync(path.join(TWEETEVAL, 'test_labels.txt'), 'utf8').split('\n').slice(0, 300).map(Number);
    const direct = bert.batch(texts, { truncation: true, maxLength: 512 });
    expect(data.examples.length).toBe(300);
    expect(data.examples.map((e) => e.inputIds)).toEqual(direct.inputIds);
    expect(data.examples.map((e) => e.attentionMask)).toEqual(direct.attentionMask);
    expect(data.examples.map((e) => e.tokenTypeIds)).toEqual(direct.tokenTypeIds);
    expect(data.examples.map((e) => e.labels)).toEqual(labels);
    // mapping.txt: 0 negative, 1 neutral, 2 positive.
    expect(data.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    expect(data.label2id).toEqual({ negative: 0, neutral: 1, positive: 2 });
    expect(data.numLabels).toBe(3);
    expect(data.fromCache).toBe(false);
  });

  it('the whole validation split: 2,000 rows, no padding, every row within 512 tokens', async () => {
    const data = await loadTextClassification({ dir: TWEETEVAL, split: 'val', tokenizer: bert });
    expect(data.examples.length).toBe(2000);
    const lengths = new Set(data.examples.map((e) => e.inputIds.length));
    expect(lengths.size).toBeGreaterThan(10); // unpadded: rows keep their own lengths
    expect(Math.max(...lengths)).toBeLessThanOrEqual(512);
  });
});

describe('malformed TweetEval folders', () => {
  const mapping = '0\tnegative\n1\tneutral\n2\tpositive\n';

  function folder(text: string | Buffer, labels: string, map: string | null = mapping): string {
    const dir = tempDir();
    write(dir, 'train_text.txt', text);
    write(dir, 'train_labels.txt', labels);
    if (map !== null) write(dir, 'mapping.txt', map);
    return dir;
  }

  it('a label outside the mapping names the labels file and its line', async () => {
    const dir = folder('a\nb\nc\n', '0\n3\n1\n');
    const err = await rejection(loadTextClassification({ dir, split: 'train', tokenizer: bert }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(
      `${path.join(dir, 'train_labels.txt')}, line 2: label 3 is outside the mapping (ids 0..2: negative, neutral, positive); ` +
        'fix the label, or pass labelNames / mappingFile listing every class',
    );
  });

  it('text and label files of different lengths are an error giving both counts', async () => {
    const dir = folder('a\nb\nc\n', '0\n1\n');
    expect((await rejection(loadTextClassification({ dir, split: 'train', tokenizer: bert }))).message).toBe(
      `${path.join(dir, 'train_labels.txt')}: 2 labels for the 3 lines of ${path.join(dir, 'train_text.txt')}; the two files must pair up line by line: one label per text`,
    );
  });

  it('an empty text file, an empty text line and invalid UTF-8 are errors naming file and line', async () => {
    let dir = folder('', '0\n');
    expect((await rejection(loadTextClassification({ dir, split: 'train', tokenizer: bert }))).message).toMatch(/train_text\.txt: the file is empty/);
    dir = folder('a\n   \nc\n', '0\n1\n2\n');
    expect((await rejection(loadTextClassification({ dir, split: 'train', tokenizer: bert }))).message).toMatch(/train_text\.txt, line 2: empty text in column "text"/);
    dir = folder(Buffer.concat([Buffer.from('ok\nna'), Buffer.from([0xef, 0xbb]), Buffer.from('ve\n')]), '0\n1\n');
    expect((await rejection(loadTextClassification({ dir, split: 'train', tokenizer: bert }))).message).toMatch(/train_text\.txt, line 2: invalid UTF-8/);
  });

  it('a missing split is an error naming the missing file', async () => {
    const dir = folder('a\n', '0\n');
    expect((await rejection(loadTextClassification({ dir, split: 'test', tokenizer: bert, format: 'tweeteval' }))).message).toMatch(/test_text\.txt: no such file; a TweetEval folder holds/);
  });

  it('without mapping.txt integer labels are the class ids, classes 0..max named by their digits', async () => {
    const dir = folder('a\nb\nc\n', '2\n0\n2\n', null);
    const data = await loadTextClassification({ dir, split: 'train', tokenizer: bert });
    expect(data.id2label).toEqual({ 0: '0', 1: '1', 2: '2' });
    expect(data.examples.map((e) => e.labels)).toEqual([2, 0, 2]);
  });

  it('lines are stripped as the tweet_eval loader strips them (GPT-2 would encode the spaces); files may lack the last newline', async () => {
    const gpt2 = await AutoTokenizer.fromPretrained(GPT2_DIR);
    const dir = folder(' good day  \nbad day', '2 \n0', null);
    const data = await loadTextClassification({ dir, split: 'train', tokenizer: gpt2 });
    expect(data.examples.map((e) => e.inputIds)).toEqual(gpt2.batch(['good day', 'bad day']).inputIds);
    expect(data.examples.map((e) => e.labels)).toEqual([2, 0]);  // integer classes: "2 " is 2
  });

  it('a folder with only <split>_text.txt is not TweetEval: it is read by extension, and holds no data file', async () => {
    const dir = tempDir();
    write(dir, 'train_text.txt', 'a\n');
    expect((await rejection(loadTextClassification({ dir, split: 'train', tokenizer: bert }))).message).toBe(
      `${dir}: no .csv / .tsv / .json / .jsonl / .ndjson / .parquet files in this folder; pass files, or a dir that holds data files`,
    );
  });
});
