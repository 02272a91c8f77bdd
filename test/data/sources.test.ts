// Which files a data set is read from (lib/data/sources.ts, files.ts): datasets' load_dataset
// rules as node-peft states them — the format from the extension (case-insensitive), a split
// chosen by file-name prefix as the Hub lays files out ("train.csv", "train-00000-of-00002.parquet",
// "validation_1.jsonl"), hidden files skipped, names sorted — and the errors that name the file.
// Files are empty placeholders: nothing here parses them.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { listDataFiles, readLines, readText } from '../../lib/data/files';
import { resolveSources } from '../../lib/data/sources';

function folder(names: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-sources-'));
  for (const n of names) fs.writeFileSync(path.join(dir, n), '');
  return dir;
}
const base = (list: { file: string; format: string }[]) => list.map((f) => [path.basename(f.file), f.format]);

describe('resolveSources', () => {
  it('a split takes the files named <split> followed by "-", "_", ".", a digit or nothing; "trainer.csv" is not train', async () => {
    const dir = folder(['train.csv', 'train-00000-of-00002.parquet', 'train_extra.tsv', 'train1.jsonl', 'trainer.csv', 'test.csv', 'xtrain.csv']);
    const s = await resolveSources('w', { dir, split: 'train' });
    expect(base(s.files)).toEqual([['train-00000-of-00002.parquet', 'parquet'], ['train.csv', 'csv'], ['train1.jsonl', 'jsonl'], ['train_extra.tsv', 'tsv']]);
    expect(s.all).toEqual(s.files.map((f) => f.file));
    expect(s.tweetEval).toBeUndefined();
  });
  it('the split name is matched literally: "a.b" does not take "axb.csv"', async () => {
    const dir = folder(['a.b.csv', 'axb.csv']);
    expect(base((await resolveSources('w', { dir, split: 'a.b' })).files)).toEqual([['a.b.csv', 'csv']]);
  });
  it('no file for the split is a DataError naming the folder and the split', async () => {
    const dir = folder(['test.csv']);
    await expect(resolveSources('w', { dir, split: 'train' })).rejects.toThrow(`${dir}: no data file for split 'train' (names starting with "train"); check dir and split`);
  });
  it("format 'json' takes .json, .jsonl and .ndjson files; 'csv' only .csv; every file gets the given format", async () => {
    const dir = folder(['a.json', 'b.jsonl', 'c.ndjson', 'd.csv', 'e.tsv']);
    expect(base((await resolveSources('w', { dir, format: 'json' })).files)).toEqual([['a.json', 'json'], ['b.jsonl', 'json'], ['c.ndjson', 'json']]);
    expect(base((await resolveSources('w', { dir, format: 'csv' })).files)).toEqual([['d.csv', 'csv']]);
    expect(base((await resolveSources('w', { dir, format: 'jsonl' })).files)).toEqual([['b.jsonl', 'jsonl'], ['c.ndjson', 'jsonl']]);
  });
  it('without a format, each file\'s extension decides, in any case; an unknown extension is an error that lists the formats', async () => {
    const dir = folder(['A.CSV', 'b.Parquet', 'c.ndjson', 'd.json']);
    expect(base((await resolveSources('w', { dir })).files)).toEqual([['A.CSV', 'csv'], ['b.Parquet', 'parquet'], ['c.ndjson', 'jsonl'], ['d.json', 'json']]);
    await expect(resolveSources('w', { files: ['x.txt'] })).rejects.toThrow('x.txt: cannot tell the format from the extension ".txt"; pass format (tweeteval, csv, tsv, json, jsonl, parquet)');
    expect(base((await resolveSources('w', { files: 'x.txt', format: 'tsv' })).files)).toEqual([['x.txt', 'tsv']]);
  });
  it('a TweetEval folder is recognised by <split>_text.txt and <split>_labels.txt; mapping.txt is added when present', async () => {
    const dir = folder(['train_text.txt', 'train_labels.txt', 'mapping.txt']);
    const s = await resolveSources('w', { dir, split: 'train' });
    expect(s.files).toEqual([]);
    expect(s.all).toEqual([path.join(dir, 'train_text.txt'), path.join(dir, 'train_labels.txt'), path.join(dir, 'mapping.txt')]);
    const noMapping = folder(['val_text.txt', 'val_labels.txt']);
    expect((await resolveSources('w', { dir: noMapping, split: 'val', format: 'tweeteval' })).all).toEqual([path.join(noMapping, 'val_text.txt'), path.join(noMapping, 'val_labels.txt')]);
  });
  it("format 'tweeteval' needs dir and split and refuses files", async () => {
    const msg = "w: the TweetEval format reads dir (the folder) and split ('train', 'val' or 'test'), not files";
    await expect(resolveSources('w', { format: 'tweeteval', files: ['a'] })).rejects.toThrow(msg);
    await expect(resolveSources('w', { format: 'tweeteval', dir: '/x' })).rejects.toThrow(msg);
    await expect(resolveSources('w', { format: 'tweeteval', split: 'train' })).rejects.toThrow(msg);
  });
  it('without a split, a folder that also holds TweetEval files is read by extension', async () => {
    const dir = folder(['train_text.txt', 'train_labels.txt', 'train.csv']);
    expect(base((await resolveSources('w', { dir })).files)).toEqual([['train.csv', 'csv']]);
  });
});

describe('listDataFiles', () => {
  it('files and dir: exactly one of them', async () => {
    await expect(listDataFiles('w', undefined, undefined, ['.csv'])).rejects.toThrow('w: pass either files (a path or a list of paths) or dir (a folder), not neither');
    await expect(listDataFiles('w', 'a.csv', '/tmp', ['.csv'])).rejects.toThrow('not both');
  });
  it('files are returned in the given order (a copy); empty lists and empty names are refused', async () => {
    const given = ['b.csv', 'a.csv'];
    const got = await listDataFiles('w', given, undefined, ['.csv']);
    expect(got).toEqual(['b.csv', 'a.csv']);
    expect(got).not.toBe(given);
    for (const bad of [[], [''], ['a', 3]]) await expect(listDataFiles('w', bad as never, undefined, ['.csv'])).rejects.toThrow('w: files must be a path or a non-empty list of paths');
  });
  it('a folder: matching extensions only, hidden files skipped, sorted by name; none is an error listing the extensions', async () => {
    const dir = folder(['b.csv', '.hidden.csv', 'a.csv', 'c.txt']);
    expect(await listDataFiles('w', undefined, dir, ['.csv'])).toEqual([path.join(dir, 'a.csv'), path.join(dir, 'b.csv')]);
    await expect(listDataFiles('w', undefined, dir, ['.json', '.jsonl'])).rejects.toThrow(`${dir}: no .json / .jsonl files in this folder; pass files, or a dir that holds data files`);
    await expect(listDataFiles('w', undefined, '', ['.csv'])).rejects.toThrow('w: dir must be a folder path');
    await expect(listDataFiles('w', undefined, path.join(dir, 'missing'), ['.csv'])).rejects.toThrow(`${path.join(dir, 'missing')}: cannot list the folder (ENOENT); check the dir option`);
  });
});

describe('readText / readLines', () => {
  it('an empty or blank file is an error unless allowed; a missing file or a folder says which', async () => {
    const dir = folder([]);
    const blank = path.join(dir, 'blank.txt');
    fs.writeFileSync(blank, ' \n\t');
    await expect(readText(blank)).rejects.toThrow(`${blank}: the file is empty; check that it is the right file and that it was written completely`);
    expect(await readText(blank, true)).toBe(' \n\t');
    await expect(readText(path.join(dir, 'none.txt'))).rejects.toThrow(`${path.join(dir, 'none.txt')}: cannot read the file (no such file); check the path`);
    await expect(readText(dir)).rejects.toThrow(`${dir}: cannot read the file (is a folder, not a file)`);
  });
  it('lines without \\n or \\r\\n, across chunk edges; a last line without a newline is kept', async () => {
    const file = path.join(folder([]), 'l.txt');
    fs.writeFileSync(file, 'ab\r\ncd\n\nef');
    const lines: string[] = [];
    for await (const l of readLines(file, 3)) lines.push(l);
    expect(lines).toEqual(['ab', 'cd', '', 'ef']);
    fs.writeFileSync(file, 'x\r');
    const last: string[] = [];
    for await (const l of readLines(file)) last.push(l);
    expect(last).toEqual(['x']);
  });
});
