/**
 * The tokenization cache: a second load reads the entry; any change of data, tokenizer or
 * options misses; a damaged entry is ignored with a warning and rebuilt; nothing half-written
 * is ever left under an entry's name.
 */
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DatasetCache, loadTextBlocks, loadTextClassification, type Example } from '../../lib/data';
import { AutoTokenizer, type AnyTokenizer } from '../../lib/tokenizers';
import { BERT_DIR, GPT2_DIR, tempDir, write } from './helpers';

let bert: AnyTokenizer;
let gpt2: AnyTokenizer;
beforeAll(async () => {
  bert = await AutoTokenizer.fromPretrained(BERT_DIR);
  gpt2 = await AutoTokenizer.fromPretrained(GPT2_DIR);
});

const entries = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith('.npds'));
const leftovers = (dir: string) => fs.readdirSync(dir).filter((n) => !n.endsWith('.npds'));

function dataDir(): { file: string; cache: string } {
  const dir = tempDir();
  const file = write(dir, 'd.csv', 'text,label\nGreat stuff,pos\nNot good at all,neg\nmeh,neu\n');
  return { file, cache: path.join(dir, 'cache') };
}

describe('classification cache', () => {
  it('the second load comes from the cache with identical rows and labels', async () => {
    const { file, cache } = dataDir();
    const first = await loadTextClassification({ files: file, tokenizer: bert, cache });
    const second = await loadTextClassification({ files: file, tokenizer: bert, cache });
    expect([first.fromCache, second.fromCache]).toEqual([false, true]);
    expect(second.examples).toEqual(first.examples);
    expect(second.id2label).toEqual({ 0: 'neg', 1: 'neu', 2: 'pos' });
    expect(entries(cache).length).toBe(1);
    expect(leftovers(cache)).toEqual([]);
  });

  it('changing the data, an option or the tokenizer makes a new entry', async () => {
    const { file, cache } = dataDir();
    await loadTextClassification({ files: file, tokenizer: bert, cache });
    expect((await loadTextClassification({ files: file, tokenizer: bert, cache, maxLength: 4 })).fromCache).toBe(false);
    expect((await loadTextClassification({ files: file, tokenizer: gpt2, cache })).fromCache).toBe(false);
    expect((await loadTextClassification({ files: file, tokenizer: BERT_DIR, cache })).fromCache).toBe(false); // keyed by the folder's files
    expect((await loadTextClassification({ files: file, tokenizer: BERT_DIR, cache })).fromCache).toBe(true);
    fs.appendFileSync(file, 'another row,pos\n');
    const changed = await loadTextClassification({ files: file, tokenizer: bert, cache });
    expect([changed.fromCache, changed.examples.length]).toEqual([false, 4]);
    expect(entries(cache).length).toBe(5);
  });

  it('every option that changes the rows is part of the key; a repeated load with the same options hits', async () => {
    const dir = tempDir();
    const file = write(dir, 'd.csv', 'text,label,other,pair\nGreat stuff,pos,1,x\nNot good at all,neg,0,y\nmeh,neu,1,z\n');
    const tsv = write(dir, 'd.tsv', 'text;label;other;pair\nGreat stuff;pos;1;x\nNot good at all;neg;0;y\nmeh;neu;1;z\n');
    const psv = write(dir, 'd.psv', 'text|label|other|pair\nGreat stuff|pos|1|x\nNot good at all|neg|0|y\nmeh|neu|1|z\n');
    const mapping = write(dir, 'm.txt', 'neg\nneu\npos\n');
    const cache = path.join(dir, 'cache');
    // Two values of each option, so that a key that kept only whether an option is set would
    // give both the same entry.
    const variants: Record<string, unknown>[] = [
      {}, { textColumn: 'pair' }, { textColumn: 'other' }, { textPairColumn: 'pair' }, { textPairColumn: 'other' },
      { labelColumn: 'other' }, { labelColumn: 'pair' }, { labelNames: ['pos', 'neg', 'neu'] }, { labelNames: ['neg', 'neu', 'pos'] },
      { mappingFile: mapping }, { maxLength: 4 }, { maxLength: 5 }, { maxSamples: 2 }, { maxSamples: 1 },
      { shuffle: true }, { shuffle: true, seed: 7 }, { shuffle: true, seed: 8 },
      { files: tsv, format: 'csv', delimiter: ';' }, { files: psv, format: 'csv', delimiter: '|' },
    ];
    for (const v of variants) {
      const first = await loadTextClassification({ files: file, tokenizer: bert, cache, ...v });
      expect([JSON.stringify(v), first.fromCache]).toEqual([JSON.stringify(v), false]);
    }
    for (const v of variants) expect((await loadTextClassification({ files: file, tokenizer: bert, cache, ...v })).fromCache).toBe(true);
    // shuffle: false and no seed are the same rows as leaving them out; a seed without shuffle too
    expect((await loadTextClassification({ files: file, tokenizer: bert, cache, shuffle: false, seed: 9 })).fromCache).toBe(true);
    // Options given with their default values are the same rows too.
    expect((await loadTextClassification({ files: file, tokenizer: bert, cache, textColumn: 'text', labelColumn: 'label' })).fromCache).toBe(true);
    expect((await loadTextClassification({ files: file, tokenizer: bert, cache, shuffle: true, seed: 42 })).fromCache).toBe(true);
    expect(entries(cache).length).toBe(variants.length);
  });

  it('a damaged entry (flipped byte, cut short, garbage) is ignored with a warning and rebuilt', async () => {
    const { file, cache } = dataDir();
    const good = await loadTextClassification({ files: file, tokenizer: bert, cache });
    const entry = path.join(cache, entries(cache)[0]);
    const original = fs.readFileSync(entry);
    const damages = [
      (b: Buffer) => { const c = Buffer.from(b); c[10] ^= 1; return c; },
      (b: Buffer) => b.subarray(0, b.length - 7),
      () => Buffer.from('not a cache entry at all, but long enough to hold a trailer'),
      () => Buffer.alloc(0),
    ];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      for (const damage of damages) {
        fs.writeFileSync(entry, damage(original));
        const again = await loadTextClassification({ files: file, tokenizer: bert, cache });
        expect(again.fromCache).toBe(false);
        expect(again.examples).toEqual(good.examples);
        expect((await loadTextClassification({ files: file, tokenizer: bert, cache })).fromCache).toBe(true);
      }
      expect(warn).toHaveBeenCalledTimes(damages.length);
      expect(String(warn.mock.calls[0][0])).toMatch(/ignoring the corrupt data cache entry .*\.npds \(checksum mismatch\); it will be rebuilt/);
    } finally {
      warn.mockRestore();
    }
  });

  it('a cache folder that cannot be written costs a warning, not the run', async () => {
    const { file } = dataDir();
    const blocker = write(tempDir(), 'a-file', 'x'); // a file where the folder should be
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const data = await loadTextClassification({ files: file, tokenizer: bert, cache: path.join(blocker, 'cache') });
      expect(data.examples.length).toBe(3);
      expect(String(warn.mock.calls[0][0])).toMatch(/could not write the data cache/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('text-block cache', () => {
  const read = async (it: AsyncIterable<Example>) => {
    const out: Example[] = [];
    for await (const e of it) out.push(e);
    return out;
  };

  it('a complete iteration writes the entry; the next load reads it, arrays and streams alike', async () => {
    const dir = tempDir();
    const text = write(dir, 'book.txt', 'The quick brown fox jumps over the lazy dog.\n'.repeat(40));
    const cache = path.join(dir, 'cache');
    const first = await loadTextBlocks({ files: text, tokenizer: gpt2, blockSize: 16, cache });
    expect(entries(cache).length).toBe(1);
    const entry = path.join(cache, entries(cache)[0]);
    const stamp = fs.statSync(entry).mtimeMs;
    const second = await loadTextBlocks({ files: text, tokenizer: gpt2, blockSize: 16, cache });
    expect(second.train).toEqual(first.train);
    const streamed = await loadTextBlocks({ files: text, tokenizer: gpt2, blockSize: 16, cache, streaming: true, maxSamples: 3 });
    expect(await read(streamed.train)).toEqual(first.train.slice(0, 3));
    expect(fs.statSync(entry).mtimeMs).toBe(stamp); // read, not rewritten
    expect(leftovers(cache)).toEqual([]);
  });

  it('an iteration stopped early (maxSamples, break) leaves neither an entry nor a temporary file', async () => {
    const dir = tempDir();
    const text = write(dir, 'book.txt', 'Some words to make several blocks of text.\n'.repeat(30));
    const cache = path.join(dir, 'cache');
    await loadTextBlocks({ files: text, tokenizer: gpt2, blockSize: 8, cache, maxSamples: 2 });
    const { train } = await loadTextBlocks({ files: text, tokenizer: gpt2, blockSize: 8, cache, streaming: true });
    for await (const _ of train) break;
    expect(fs.readdirSync(cache)).toEqual([]);
  });

  it('DatasetCache.load of a missing key is undefined, without a warning', async () => {
    expect(await new DatasetCache(tempDir()).load('0'.repeat(64))).toBeUndefined();
  });

  it('two data sets in one cache folder keep their own entries (arrays and streams)', async () => {
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const one = write(dir, 'one.txt', 'The first book, with its own words.\n'.repeat(10));
    const two = write(dir, 'two.txt', 'A second and different text entirely!\n'.repeat(10));
    const a = await loadTextBlocks({ files: one, tokenizer: gpt2, blockSize: 8, cache });
    const b = await loadTextBlocks({ files: two, tokenizer: gpt2, blockSize: 8, cache });
    expect(b.train).not.toEqual(a.train);
    expect(entries(cache).length).toBe(2);
    expect((await loadTextBlocks({ files: two, tokenizer: gpt2, blockSize: 8, cache })).train).toEqual(b.train);
    expect(await read((await loadTextBlocks({ files: one, tokenizer: gpt2, blockSize: 8, cache, streaming: true })).train)).toEqual(a.train);
    const held = await loadTextBlocks({ files: [one, two], holdOut: 'two.txt', tokenizer: gpt2, blockSize: 8, cache });
    expect([held.train, held.eval]).toEqual([a.train, b.train]);
  });

  it('maxSamples applies to a cached entry too; a whole streamed read of an entry does not rewrite it', async () => {
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const text = write(dir, 'book.txt', 'Several words that make several blocks.\n'.repeat(20));
    const all = await loadTextBlocks({ files: text, tokenizer: gpt2, blockSize: 8, cache });
    expect(all.train.length).toBeGreaterThan(3);
    expect((await loadTextBlocks({ files: text, tokenizer: gpt2, blockSize: 8, cache, maxSamples: 3 })).train).toEqual(all.train.slice(0, 3));
    const entry = path.join(cache, entries(cache)[0]);
    const stamp = fs.statSync(entry).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await read((await loadTextBlocks({ files: text, tokenizer: gpt2, blockSize: 8, cache, streaming: true })).train)).toEqual(all.train);
    expect(fs.statSync(entry).mtimeMs).toBe(stamp);
  });
});
