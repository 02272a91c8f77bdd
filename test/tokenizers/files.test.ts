// Copying a tokenizer folder's files next to a saved model (train, merge and pretrain all do it):
// exactly the files that change how it encodes, none of the model's, and a folder made if missing.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { AutoTokenizer } from '../../lib/tokenizers';
import { copyTokenizerFiles, TOKENIZER_FILES } from '../../lib/tokenizers/files';

const BERT = path.join(__dirname, '../../data/vocab/bert-base-cased');

describe('copyTokenizerFiles', () => {
  it('copies the tokenizer files that exist, not config.json or weights, into a new folder that then encodes the same', async () => {
    const from = fs.mkdtempSync(path.join(os.tmpdir(), 'tok-from-'));
    for (const f of fs.readdirSync(BERT)) fs.copyFileSync(path.join(BERT, f), path.join(from, f));
    fs.writeFileSync(path.join(from, 'config.json'), '{}');
    fs.writeFileSync(path.join(from, 'model.safetensors'), 'x');
    const to = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tok-to-')), 'nested', 'out');
    await copyTokenizerFiles(from, to);
    expect(fs.readdirSync(to).sort()).toEqual(['special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
    for (const f of fs.readdirSync(to)) expect(fs.readFileSync(path.join(to, f))).toEqual(fs.readFileSync(path.join(BERT, f)));
    const text = 'Hello, tokenizers! naïve café';
    expect((await AutoTokenizer.fromPretrained(to)).encode(text)).toEqual((await AutoTokenizer.fromPretrained(BERT)).encode(text));
  });

  it('lists every file of a BPE and a WordPiece folder, and leaves a folder copied onto itself alone', async () => {
    expect(TOKENIZER_FILES).toEqual(expect.arrayContaining(['vocab.json', 'merges.txt', 'encoder.json', 'vocab.bpe', 'vocab.txt', 'tokenizer.json', 'added_tokens.json']));
    const before = fs.readdirSync(BERT).map((f) => fs.statSync(path.join(BERT, f)).mtimeMs);
    await copyTokenizerFiles(BERT, `${BERT}/`);
    expect(fs.readdirSync(BERT).map((f) => fs.statSync(path.join(BERT, f)).mtimeMs)).toEqual(before);
  });

  it('names the file when a copy fails for another reason than a missing file', async () => {
    const from = fs.mkdtempSync(path.join(os.tmpdir(), 'tok-from-'));
    fs.mkdirSync(path.join(from, 'vocab.txt'));  // a folder where a file is expected: EISDIR, not ENOENT
    await expect(copyTokenizerFiles(from, fs.mkdtempSync(path.join(os.tmpdir(), 'tok-to-')))).rejects.toThrow(/Cannot copy .*vocab\.txt/);
  });
});
