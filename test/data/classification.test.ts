/**
 * loadTextClassification over CSV, TSV, JSON Lines and Parquet: columns, label names, pairs,
 * truncation without padding, shuffling, and the errors for bad data and bad options. Expected
 * ids come from the tokenizer run directly on the texts written into the files.
 */
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { DataError, loadTextClassification } from '../../lib/data';
import { AutoTokenizer, type AnyTokenizer } from '../../lib/tokenizers';
import { BERT_DIR, GPT2_DIR, rejection, tempDir, write } from './helpers';

let bert: AnyTokenizer;
beforeAll(async () => {
  bert = await AutoTokenizer.fromPretrained(BERT_DIR);
});

const dir = tempDir();
const reviews = [
  ['A fine, "quiet" film.', 'pos'],
  ['Dull.\nVery dull.', 'neg'],
  ['It was fine', 'neu'],
  ['Loved it!', 'pos'],
];
const csvText = 'review,sentiment\n' + reviews.map(([t, l]) => `"${t.replace(/"/g, '""')}",${l}\n`).join('');

describe('loadTextClassification', () => {
  it('CSV with named columns and string labels: classes sorted, ids and rows as the tokenizer gives them', async () => {
    const file = write(dir, 'reviews.csv', csvText);
    const data = await loadTextClassification({ files: file, textColumn: 'review', labelColumn: 'sentiment', tokenizer: bert });
    expect(data.id2label).toEqual({ 0: 'neg', 1: 'neu', 2: 'pos' });
    expect(data.examples.map((e) => e.labels)).toEqual([2, 0, 1, 2]);
    const direct = bert.batch(reviews.map((r) => r[0]));
    expect(data.examples.map((e) => e.inputIds)).toEqual(direct.inputIds);
    expect(data.examples.map((e) => e.tokenTypeIds)).toEqual(direct.tokenTypeIds);
    expect(data.files).toEqual([file]);
  });

  it('JSON Lines and TSV give the same rows as the CSV; labelNames fix the ids', async () => {
    const jsonl = write(dir, 'reviews.jsonl', reviews.map(([t, l]) => JSON.stringify({ review: t, sentiment: l })).join('\n'));
    const tsv = write(dir, 'reviews.tsv', 'review\tsentiment\n' + reviews.map(([t, l]) => `"${t.replace(/"/g, '""')}"\t${l}\n`).join(''));
    const names = ['neg', 'neu', 'pos'];
    const fromCsv = await loadTextClassification({ files: write(dir, 'r.csv', csvText), textColumn: 'review', labelColumn: 'sentiment', tokenizer: bert });
    for (const files of [jsonl, tsv]) {
      const data = await loadTextClassification({ files, textColumn: 'review', labelColumn: 'sentiment', labelNames: names, tokenizer: bert });
      expect(data.examples).toEqual(fromCsv.examples);
    }
  });

  it('Parquet (the Hub\'s format), chosen from the extension, with integer labels and a mapping file', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'text', data: reviews.map((r) => r[0]), type: 'STRING' },
        { name: 'label', data: [2, 0, 1, 2].map(BigInt), type: 'INT64' },
      ],
    });
    const file = write(dir, 'train-00000-of-00001.parquet', new Uint8Array(buffer));
    const mappingFile = write(dir, 'labels.json', '{"0": "negative", "1": "neutral", "2": "positive"}');
    const data = await loadTextClassification({ dir, split: 'train', mappingFile, tokenizer: bert });
    expect(data.files).toEqual([file]);
    expect(data.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    expect(data.examples.map((e) => e.labels)).toEqual([2, 0, 1, 2]);
    expect(data.examples.map((e) => e.inputIds)).toEqual(bert.batch(reviews.map((r) => r[0])).inputIds);
  });

  it('text pairs: BERT segment B has token type 1, as tokenizer(text, text_pair) gives', async () => {
    const file = write(dir, 'pairs.jsonl', [
      { premise: 'A man sleeps.', hypothesis: 'Nobody sleeps.', label: 'contradiction' },
      { premise: 'It rains.', hypothesis: 'It is wet.', label: 'entailment' },
    ].map((r) => JSON.stringify(r)).join('\n'));
    const data = await loadTextClassification({ files: file, textColumn: 'premise', textPairColumn: 'hypothesis', tokenizer: bert });
    const direct = bert.batch(['A man sleeps.', 'It rains.'], { textPair: ['Nobody sleeps.', 'It is wet.'] });
    expect(data.examples.map((e) => e.inputIds)).toEqual(direct.inputIds);
    expect(data.examples.map((e) => e.tokenTypeIds)).toEqual(direct.tokenTypeIds);
    expect(data.examples[0].tokenTypeIds).toContain(1);
  });

  it('maxLength truncates (special tokens included) and nothing is padded; GPT-2 rows have no token types', async () => {
    const long = 'word '.repeat(50).trim();
    const file = write(dir, 'long.csv', `text,label\n${long},0\nshort,1\n`);
    const data = await loadTextClassification({ files: file, tokenizer: bert, maxLength: 8 });
    expect(data.examples.map((e) => e.inputIds.length)).toEqual([8, 3]);
    expect(data.examples[0].inputIds).toEqual(bert.batch([long], { truncation: true, maxLength: 8 }).inputIds[0]);
    const gpt2 = await loadTextClassification({ files: file, tokenizer: GPT2_DIR, maxLength: 8 });
    expect(gpt2.examples[0].tokenTypeIds).toBeUndefined();
    expect(gpt2.examples[1].inputIds).toEqual([19509]); // "short"
  });

  it('shuffle with seed 42 then maxSamples keeps rows 3, 6, 8, 7 of 10 (the Python reference permutation)', async () => {
    const file = write(dir, 'ten.csv', 'text,label\n' + Array.from({ length: 10 }, (_, i) => `row ${i},${i}\n`).join(''));
    const data = await loadTextClassification({ files: file, tokenizer: bert, shuffle: true, seed: 42, maxSamples: 4 });
    expect(data.examples.map((e) => e.labels)).toEqual([3, 6, 8, 7]);
    const unshuffled = await loadTextClassification({ files: file, tokenizer: bert, maxSamples: 2 });
    expect(unshuffled.examples.map((e) => e.labels)).toEqual([0, 1]);
  });

  it('a label that is not a class names the file, line and the classes', async () => {
    const file = write(dir, 'typo.jsonl', '{"text": "a", "label": "pos"}\n{"text": "b", "label": "postive"}\n');
    const err = await rejection(loadTextClassification({ files: file, labelNames: ['neg', 'pos'], tokenizer: bert }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(`${file}, line 2: label "postive" is not one of the classes (neg, pos); fix the label, or pass labelNames / mappingFile listing every class`);
  });

  it('a missing column, a missing label and an empty text are errors naming where', async () => {
    const file = write(dir, 'cols.csv', 'sentence,label\nhello,1\n');
    expect((await rejection(loadTextClassification({ files: file, tokenizer: bert }))).message).toBe(
      `${file}: no column "text" (columns: "sentence", "label"); pass textColumn with one of them`,
    );
    const noLabel = write(dir, 'nolabel.jsonl', '{"text": "a", "label": 0}\n{"text": "b"}\n');
    expect((await rejection(loadTextClassification({ files: noLabel, tokenizer: bert }))).message).toMatch(/nolabel\.jsonl, line 2: no label in column "label"; give every row a label/);
    const emptyText = write(dir, 'emptytext.csv', 'text,label\n"",1\n');
    expect((await rejection(loadTextClassification({ files: emptyText, tokenizer: bert }))).message).toMatch(/emptytext\.csv, line 2: empty text in column "text"/);
  });

  it('a missing pair column names textPairColumn; labelNames as {id: name} must number the classes without gaps', async () => {
    const file = write(dir, 'nopair.csv', 'text,label\nhello,1\n');
    expect((await rejection(loadTextClassification({ files: file, textPairColumn: 'second', tokenizer: bert }))).message).toBe(
      `${file}: no column "second" (columns: "text", "label"); pass textPairColumn with one of them`,
    );
    expect((await rejection(loadTextClassification({ files: file, labelNames: { 0: 'a', 2: 'b' } as never, tokenizer: bert }))).message).toBe(
      'loadTextClassification(): labelNames: label ids must be 0..1 without gaps, found id 2',
    );
  });

  it('Parquet: only the text, pair and label columns are read (a damaged other column is never decoded)', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'text', data: ['one', 'two'], type: 'STRING' },
        { name: 'comment', data: [Uint8Array.from([0x63, 0xe9]), Uint8Array.from([0x61])], type: 'BYTE_ARRAY' },
        { name: 'pair', data: ['x', 'y'], type: 'STRING' },
        { name: 'label', data: [1, 0], type: 'INT32' },
      ],
    });
    const file = write(dir, 'extra-column.parquet', new Uint8Array(buffer));
    const data = await loadTextClassification({ files: file, textPairColumn: 'pair', tokenizer: bert });
    expect(data.examples.map((e) => e.inputIds)).toEqual(bert.batch(['one', 'two'], { textPair: ['x', 'y'] }).inputIds);
  });

  it('bad options are errors naming the option', async () => {
    const file = write(dir, 'ok.csv', 'text,label\na,1\n');
    expect((await rejection(loadTextClassification({ files: file, tokenizer: bert, maxSample: 3 } as never))).message).toMatch(/unknown option 'maxSample' \(did you mean 'maxSamples'\?\)/);
    expect((await rejection(loadTextClassification({ files: file } as never))).message).toMatch(/tokenizer is required/);
    expect((await rejection(loadTextClassification({ files: file, dir, tokenizer: bert }))).message).toMatch(/pass either files .* or dir .*, not both/);
    expect((await rejection(loadTextClassification({ files: write(dir, 'x.txt', 'a'), tokenizer: bert }))).message).toMatch(/x\.txt: cannot tell the format from the extension "\.txt"; pass format/);
    expect((await rejection(loadTextClassification({ files: file, tokenizer: bert, labelNames: ['a', 'a'] }))).message).toMatch(/labelNames has "a" twice/);
    expect((await rejection(loadTextClassification({ files: file, tokenizer: 42 as never }))).message).toMatch(/tokenizer must be a tokenizer/);
  });

  it('each option of the wrong kind is refused before any file is read, naming the option', async () => {
    const file = write(dir, 'ok2.csv', 'text,label\na,1\n');
    const message = async (o: Record<string, unknown>) => (await rejection(loadTextClassification({ files: file, tokenizer: bert, ...o } as never))).message;
    expect(await message({ format: 'xml' })).toBe('loadTextClassification(): format must be one of tweeteval, csv, tsv, json, jsonl, parquet, got xml');
    for (const k of ['dir', 'split', 'textColumn', 'textPairColumn', 'labelColumn', 'mappingFile', 'delimiter']) {
      expect(await message({ [k]: '' })).toBe(`loadTextClassification(): ${k} must be a non-empty string`);
      expect(await message({ [k]: 3 })).toBe(`loadTextClassification(): ${k} must be a non-empty string`);
    }
    for (const k of ['maxSamples', 'maxLength']) {
      for (const v of [0, -1, 1.5, '2']) expect(await message({ [k]: v })).toBe(`loadTextClassification(): ${k} must be a positive integer, got ${v}`);
    }
    expect(await message({ labelNames: ['a'], mappingFile: 'm.txt' })).toBe('loadTextClassification(): pass labelNames or mappingFile, not both');
    // the smallest values allowed pass the checks
    const one = await loadTextClassification({ files: file, tokenizer: bert, maxSamples: 1, maxLength: 3, labelNames: { 0: '0', 1: '1' } });
    expect(one.examples.map((e) => [e.inputIds.length, e.labels])).toEqual([[3, 1]]);
  });

  it('a folder with split picks the files named after the split', async () => {
    const d = tempDir();
    write(d, 'train.csv', 'text,label\na,0\n');
    write(d, 'validation.csv', 'text,label\nb,1\nc,0\n');
    const val = await loadTextClassification({ dir: d, split: 'validation', tokenizer: bert });
    expect(val.files).toEqual([path.join(d, 'validation.csv')]);
    expect(val.examples.length).toBe(2);
    expect((await rejection(loadTextClassification({ dir: d, split: 'test', tokenizer: bert }))).message).toMatch(/no data file for split 'test'/);
  });
});
