/**
 * Causal-LM blocks: group_texts on hand-made sequences, documents tokenized in pieces equal to
 * the whole text tokenized at once, and the Plato corpus cut into 2048-token blocks with the
 * counts of a hand computation (the hand-found work lines of each file, tokenized directly).
 */
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BlockPacker, DataError, groupTexts, loadTextBlocks, type Example } from '../../lib/data';
import { documentIds } from '../../lib/data/documents';
import { AutoTokenizer, type AnyTokenizer } from '../../lib/tokenizers';
import { BERT_DIR, GPT2_DIR, PLATO, PLATO_BODY, rejection, tempDir, write } from './helpers';

/** The work's text of a Plato file, from the hand-found line range: each line ended by "\n". */
function platoDocument(id: string): string {
  const [first, last] = PLATO_BODY[id];
  const lines = fs.readFileSync(path.join(PLATO, `${id}.txt`), 'utf8').split(/\r?\n/).slice(first - 1, last);
  return lines.map((l) => `${l}\n`).join('');
}

/** Index of the first difference between two id lists, or -1 (toEqual is slow on a million ids). */
function firstDifference(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

async function collect(ids: AsyncIterable<number[]>): Promise<number[]> {
  const out: number[] = [];
  for await (const piece of ids) for (const id of piece) out.push(id);
  return out;
}

let gpt2: AnyTokenizer;
let bert: AnyTokenizer;
beforeAll(async () => {
  gpt2 = await AutoTokenizer.fromPretrained(GPT2_DIR);
  bert = await AutoTokenizer.fromPretrained(BERT_DIR);
});

describe('groupTexts / BlockPacker (run_clm.py group_texts)', () => {
  it('concatenates, cuts blocks of blockSize and drops the remainder', () => {
    expect(groupTexts([[1, 2, 3, 4, 5], [6, 7, 8, 9], [10]], 4)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(groupTexts([[1, 2, 3]], 4)).toEqual([]);
    expect(groupTexts([[1, 2, 3, 4, 5, 6, 7, 8]], 4)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  it('gives the same blocks however the ids arrive', () => {
    const all = Array.from({ length: 1000 }, (_, i) => i);
    for (const sizes of [[1], [3, 7], [50, 1, 1, 400], [999, 1]]) {
      const packer = new BlockPacker(64);
      const blocks: number[][] = [];
      for (let at = 0, k = 0; at < all.length; k++) {
        const n = sizes[k % sizes.length];
        blocks.push(...packer.push(all.slice(at, at + n)));
        at += n;
      }
      expect(blocks.length).toBe(15); // floor(1000 / 64)
      expect(blocks.flat()).toEqual(all.slice(0, 960));
      expect(packer.remainder).toBe(40);
    }
  });

  it('refuses a block size below 1', () => {
    expect(() => new BlockPacker(0)).toThrow(/blockSize must be a positive integer/);
  });
});

describe('documents tokenized in pieces', () => {
  const doc = { stripGutenberg: true, addSpecialTokens: true, appendEos: false, pieceChars: 2000 };
  const apology = path.join(PLATO, '1656.txt');

  it('GPT-2: the ids of 2,000-character pieces are those of the whole Apology', async () => {
    expect(await collect(documentIds(apology, gpt2, doc))).toEqual(gpt2.encode(platoDocument('1656')));
  });

  it('BERT: the same, with [CLS] and [SEP] around the document', async () => {
    const ids = await collect(documentIds(apology, bert, doc));
    expect(ids).toEqual(bert.encode(platoDocument('1656')));
    expect([ids[0], ids[ids.length - 1]]).toEqual([101, 102]);
  });

  it('GPT-2 with addPrefixSpace: the same (pieces are cut at a space the tokenizer adds back)', async () => {
    const spaced = await AutoTokenizer.fromPretrained(GPT2_DIR, { addPrefixSpace: true });
    expect(await collect(documentIds(apology, spaced, doc))).toEqual(spaced.encode(platoDocument('1656')));
  });
});

describe('loadTextBlocks on the Plato corpus', () => {
  it('2048-token GPT-2 blocks, Apology held out: counts and contents match the hand computation', async () => {
    const { train, eval: evalSet, trainFiles, evalFiles, blockSize } = await loadTextBlocks({ dir: PLATO, holdOut: '1656.txt', tokenizer: gpt2, blockSize: 2048 });
    const trainIds = Object.keys(PLATO_BODY).filter((id) => id !== '1656'); // sorted by name, as the loader reads a folder
    expect(trainFiles.map((f) => path.basename(f, '.txt'))).toEqual(trainIds);
    expect(evalFiles.map((f) => path.basename(f))).toEqual(['1656.txt']);
    const concatenated = trainIds.flatMap((id) => gpt2.encode(platoDocument(id)));
    const apology = gpt2.encode(platoDocument('1656'));
    expect(blockSize).toBe(2048);
    expect(train.length).toBe(Math.floor(concatenated.length / 2048));
    expect(evalSet!.length).toBe(Math.floor(apology.length / 2048));
    expect(firstDifference(train.flatMap((b) => b.inputIds), concatenated.slice(0, train.length * 2048))).toBe(-1);
    expect(firstDifference(evalSet!.flatMap((b) => b.inputIds), apology.slice(0, evalSet!.length * 2048))).toBe(-1);
    const ones = new Array<number>(2048).fill(1);
    for (const b of [...train, ...evalSet!]) {
      expect(firstDifference(b.labels as number[], b.inputIds)).toBe(-1);
      expect(b.labels).not.toBe(b.inputIds); // a copy, so that a collator may change one
      expect(firstDifference(b.attentionMask!, ones)).toBe(-1);
    }
  }, 120_000);
});

describe('loadTextBlocks options', () => {
  const dir = tempDir();
  const a = write(dir, 'a.txt', 'Hello world.\n\nSecond line here.\n');
  const b = write(dir, 'b.txt', 'Another document, short.\n');

  it('addBosToken tokenizers (OPT) start every document with their BOS; appendEos separates documents', async () => {
    const opt = await AutoTokenizer.fromPretrained(GPT2_DIR, { addBosToken: true });
    const { train } = await loadTextBlocks({ files: [a, b], tokenizer: opt, blockSize: 3 });
    const expected = [50256, ...gpt2.encode('Hello world.\n\nSecond line here.\n'), 50256, ...gpt2.encode('Another document, short.\n')];
    expect(train.flatMap((e) => e.inputIds)).toEqual(expected.slice(0, Math.floor(expected.length / 3) * 3));
    const eos = await loadTextBlocks({ files: [a, b], tokenizer: gpt2, blockSize: 1, appendEos: true });
    const withEos = [...gpt2.encode('Hello world.\n\nSecond line here.\n'), 50256, ...gpt2.encode('Another document, short.\n'), 50256];
    expect(eos.train.map((e) => e.inputIds[0])).toEqual(withEos);
  });

  it('streaming gives the same blocks lazily, again on each iteration, and maxSamples stops early', async () => {
    const arrays = await loadTextBlocks({ files: [a, b], tokenizer: gpt2, blockSize: 4 });
    const streamed = await loadTextBlocks({ files: [a, b], tokenizer: gpt2, blockSize: 4, streaming: true });
    const read = async (it: AsyncIterable<Example>) => {
      const out: Example[] = [];
      for await (const e of it) out.push(e);
      return out;
    };
    expect(Array.isArray(streamed.train)).toBe(false);
    expect(await read(streamed.train)).toEqual(arrays.train);
    expect(await read(streamed.train)).toEqual(arrays.train);
    const few = await loadTextBlocks({ files: [a, b], tokenizer: gpt2, blockSize: 4, maxSamples: 2 });
    expect(few.train).toEqual(arrays.train.slice(0, 2));
  });

  it('streaming reads the file lazily: cut the file after the first block and the stream ends early', async () => {
    const big = write(tempDir(), 'big.txt', 'word '.repeat(199_999) + 'word\n'); // 1,000,000 bytes a line...
    fs.writeFileSync(big, fs.readFileSync(big, 'utf8').repeat(8)); // ...8 MB, 1.6 M tokens
    const { train } = await loadTextBlocks({ files: big, tokenizer: gpt2, blockSize: 1024, streaming: true });
    let blocks = 0;
    for await (const _ of train) {
      if (blocks++ === 0) fs.truncateSync(big, 0); // an eager reader would not notice
    }
    expect(blocks).toBeGreaterThan(0);
    expect(blocks).toBeLessThan(Math.floor(1_600_000 / 1024 / 2)); // at most a few MiB were read ahead
  });

  it('without holdOut there is no eval set; the default block size is min(1024, modelMaxLength)', async () => {
    const r = await loadTextBlocks({ files: a, tokenizer: bert });
    expect(r.eval).toBeUndefined();
    expect(r.blockSize).toBe(512);
    expect((await loadTextBlocks({ files: a, tokenizer: gpt2 })).blockSize).toBe(1024);
  });

  it('counts and holdOut of the wrong kind are refused, naming the option; holdOut takes a path or a list', async () => {
    const message = async (o: Record<string, unknown>) => (await rejection(loadTextBlocks({ files: [a, b], tokenizer: gpt2, ...o } as never))).message;
    for (const k of ['blockSize', 'maxSamples', 'maxEvalSamples']) {
      for (const v of [0, -2, 1.5, '8']) expect(await message({ [k]: v })).toBe(`loadTextBlocks(): ${k} must be a positive integer, got ${v}`);
    }
    for (const v of ['', [''], [3], 3]) expect(await message({ holdOut: v })).toBe('loadTextBlocks(): holdOut must be a file name or path, or a list of them');
    expect(await message({ holdOut: ['a.txt', 'c.txt'] })).toBe("loadTextBlocks(): holdOut 'c.txt' is none of the files (a.txt, b.txt)");
    const byPath = await loadTextBlocks({ files: [a, b], tokenizer: gpt2, blockSize: 1, holdOut: [path.resolve(b)] });
    expect([byPath.trainFiles, byPath.evalFiles]).toEqual([[a], [b]]);
    const one = await loadTextBlocks({ files: [a, b], tokenizer: gpt2, blockSize: 1, holdOut: 'b.txt', maxSamples: 1, maxEvalSamples: 1 });
    expect([one.train.length, one.eval!.length, one.blockSize]).toEqual([1, 1, 1]);
  });

  it('a tokenizer without a length limit (modelMaxLength very large) defaults to 1024 and takes any block size', async () => {
    const unlimited = Object.assign(Object.create(Object.getPrototypeOf(bert)), bert, { modelMaxLength: 1e30 }) as AnyTokenizer;
    expect((await loadTextBlocks({ files: a, tokenizer: unlimited })).blockSize).toBe(1024);
    expect((await loadTextBlocks({ files: a, tokenizer: unlimited, blockSize: 4096 })).blockSize).toBe(4096);
  });

  it('bad options and files are errors that say what to do', async () => {
    expect((await rejection(loadTextBlocks({ files: [a, b], holdOut: 'c.txt', tokenizer: gpt2 }))).message).toMatch(/holdOut 'c\.txt' is none of the files \(a\.txt, b\.txt\)/);
    expect((await rejection(loadTextBlocks({ files: [a], holdOut: 'a.txt', tokenizer: gpt2 }))).message).toMatch(/every file is held out/);
    expect((await rejection(loadTextBlocks({ files: a, tokenizer: bert, blockSize: 1024 }))).message).toMatch(/blockSize 1024 is larger than the tokenizer's modelMaxLength 512/);
    expect((await rejection(loadTextBlocks({ files: a, tokenizer: gpt2, blocksize: 8 } as never))).message).toMatch(/unknown option 'blocksize' \(did you mean 'blockSize'\?\)/);
    const empty = write(dir, 'empty.txt', '\n\n');
    const err = await rejection(loadTextBlocks({ files: [a, empty], tokenizer: gpt2, blockSize: 2 }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/empty\.txt: no text/);
    const onlyHeader = write(dir, 'licence.txt', '*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\nlicence\n');
    expect((await rejection(loadTextBlocks({ files: onlyHeader, tokenizer: gpt2, blockSize: 2 }))).message).toMatch(/licence\.txt: no text \(the file is empty, or holds only a Project Gutenberg header and footer\)/);
    expect((await rejection(loadTextBlocks({ dir: path.join(dir, 'nope'), tokenizer: gpt2 }))).message).toMatch(/nope: cannot list the folder \(ENOENT\)/);
  });

  it('a missing tokenizer is named; a folder is read for .txt files only unless extensions say otherwise', async () => {
    expect((await rejection(loadTextBlocks({ files: a } as never))).message).toBe('loadTextBlocks(): tokenizer is required');
    const folder = tempDir();
    write(folder, 'book.txt', 'Some words.\n');
    write(folder, 'notes.md', 'Other words.\n');
    expect((await loadTextBlocks({ dir: folder, tokenizer: gpt2, blockSize: 2 })).trainFiles.map((f) => path.basename(f))).toEqual(['book.txt']);
    expect((await loadTextBlocks({ dir: folder, tokenizer: gpt2, blockSize: 2, extensions: ['.md'] })).trainFiles.map((f) => path.basename(f))).toEqual(['notes.md']);
  });
});
