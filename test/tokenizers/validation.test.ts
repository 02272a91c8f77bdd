/**
 * Bad inputs get errors that name what is wrong: the file, the option, the index, the value
 * and what is allowed.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AutoTokenizer, BertTokenizer, GPT2Tokenizer } from '../../lib/tokenizers';
import { BERT_DIR, GPT2_DIR, bertVocabList } from './helpers';

const tmpDir = (files: Record<string, string> = {}) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tok-bad-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
};

const bert = new BertTokenizer({ vocab: bertVocabList(), doLowerCase: false });
const gpt2 = new GPT2Tokenizer({ vocab: { a: 0, b: 1, ab: 2, '<|endoftext|>': 3 }, merges: ['a b'] });

describe('loading errors', () => {
  it('names the folder and the files looked for when there is no vocabulary', async () => {
    const dir = tmpDir();
    await expect(AutoTokenizer.fromPretrained(dir)).rejects.toThrow(new RegExp(`No tokenizer files in ${dir}.*tokenizer\\.json.*vocab\\.txt.*vocab\\.json \\+ merges\\.txt.*encoder\\.json \\+ vocab\\.bpe`));
    await expect(BertTokenizer.fromPretrained(dir)).rejects.toThrow(`missing ${path.join(dir, 'vocab.txt')}`);
    await expect(GPT2Tokenizer.fromPretrained(dir)).rejects.toThrow(/missing vocab\.json \+ merges\.txt/);
  });

  it('names a missing merges file', async () => {
    const dir = tmpDir({ 'vocab.json': '{"a": 0}' });
    await expect(AutoTokenizer.fromPretrained(dir)).rejects.toThrow(`${path.join(dir, 'merges.txt')} is missing`);
  });

  it('names the file that holds malformed JSON', async () => {
    const dir = tmpDir({ 'vocab.txt': '[UNK]\n', 'tokenizer_config.json': '{"do_lower_case": fals' });
    await expect(AutoTokenizer.fromPretrained(dir)).rejects.toThrow(`Malformed JSON in ${path.join(dir, 'tokenizer_config.json')}`);
    const dir2 = tmpDir({ 'tokenizer.json': '[1, 2' });
    await expect(AutoTokenizer.fromPretrained(dir2)).rejects.toThrow(`Malformed JSON in ${path.join(dir2, 'tokenizer.json')}`);
  });

  it('refuses a tokenizer class it does not implement, and the wrong class loader', async () => {
    const dir = tmpDir({ 'tokenizer_config.json': '{"tokenizer_class": "LlamaTokenizer"}' });
    await expect(AutoTokenizer.fromPretrained(dir)).rejects.toThrow(/tokenizer_class 'LlamaTokenizer' is not supported.*BertTokenizer/);
    await expect(BertTokenizer.fromPretrained(GPT2_DIR)).rejects.toThrow(/holds a GPT2Tokenizer tokenizer, not a BertTokenizer/);
  });

  it('rejects misspelled constructor options by name', () => {
    expect(() => new BertTokenizer({ vocab: ['[UNK]'], doLowercase: false } as never)).toThrow(
      /unknown option 'doLowercase' \(did you mean 'doLowerCase'\?\)/,
    );
    expect(() => new BertTokenizer({ vocab: 'vocab.txt' } as never)).toThrow(/vocab must be an array of tokens.*got string "vocab.txt"/);
    expect(() => new GPT2Tokenizer({ vocab: { a: 0 }, merges: [42] } as never)).toThrow(/merges\[0\] must be "a b" or \[a, b\], got number 42/);
  });
});

describe('call errors', () => {
  it('says which text is not a string', () => {
    expect(() => bert.batch(['ok', 3 as never])).toThrow('BertTokenizer.batch(): texts[1] must be a string, got number 3');
    expect(() => bert.batch(null as never)).toThrow(/texts must be a string or an array of strings, got null/);
    expect(() => bert.encode({} as never)).toThrow('BertTokenizer.encode(): text must be a string, got object');
    expect(() => bert.tokenize(undefined as never)).toThrow(/text must be a string, got undefined/);
    expect(() => bert.batch(['a', 'b'], { textPair: ['x'] })).toThrow(/textPair has 1 entries but texts has 2/);
  });

  it('rejects unknown option names, listing the allowed ones', () => {
    expect(() => bert.batch('a', { paddng: true } as never)).toThrow(
      /unknown option 'paddng' \(did you mean 'padding'\?\); allowed options: textPair, padding, truncation, maxLength/,
    );
    expect(() => bert.decode([101], { skipSpecial: true } as never)).toThrow(/unknown option 'skipSpecial'/);
    expect(() => bert.encode('a', { padding: true } as never)).toThrow(/unknown option 'padding'/);
  });

  it('names the option, the value and what is allowed for bad values', () => {
    expect(() => bert.batch('a', { padding: 'maxlength' as never })).toThrow(
      `BertTokenizer.batch(): padding must be one of true, false, 'longest', 'max_length', 'do_not_pad', got string "maxlength"`,
    );
    expect(() => bert.batch('a', { truncation: 'longest' as never })).toThrow(/truncation must be one of .*'only_second'.*got string "longest"/);
    expect(() => bert.batch('a', { maxLength: 0 })).toThrow('maxLength must be an integer >= 1, got number 0');
    expect(() => bert.batch('a', { maxLength: 2.5 })).toThrow(/maxLength must be an integer >= 1, got number 2.5/);
    expect(() => bert.batch('a', { stride: -1 })).toThrow(/stride must be an integer >= 0/);
    expect(() => bert.batch('a', { paddingSide: 'top' as never })).toThrow(/paddingSide must be one of 'right', 'left', got string "top"/);
    expect(() => bert.batch('a', { returnTensors: 'np' as never })).toThrow(/returnTensors must be one of 'array', 'pt', got string "np"/);
    expect(() => bert.decode([101, -1])).toThrow(/ids\[1\] must be a non-negative integer, got number -1/);
    expect(() => bert.decode('101' as never)).toThrow(/ids must be an array of integers, got string/);
  });

  it('explains impossible requests', () => {
    expect(() => gpt2.batch(['a', 'ab'], { padding: true })).toThrow(/no padding token/);
    expect(() => bert.batch('a', { padding: 'max_length' })).toThrow(/padding 'max_length' needs maxLength/);
    expect(() => bert.batch('hello world', { maxLength: 1 })).toThrow(/cannot truncate the first sequence to fit maxLength 1/);
    expect(() => bert.batch(['a', 'a b c'], { returnTensors: 'pt' })).toThrow(/different lengths.*padding: true/);
    expect(() => bert.batch('a', { truncation: 'only_second', maxLength: 2 })).toThrow(/'only_second' needs textPair/);
    expect(() => gpt2.decode([99])).toThrow(/id 99 is not in the vocabulary/);
  });
});

describe('option semantics', () => {
  it('maxLength alone truncates; with padding it does not (transformers rules)', () => {
    const text = 'one two three four five six';
    expect(bert.encode(text, { maxLength: 5 }).length).toBe(5);
    expect(bert.batch(text, { maxLength: 5, padding: true }).inputIds[0].length).toBe(bert.encode(text).length);
    expect(bert.batch([text, 'one'], { padding: 'max_length', maxLength: 12 }).inputIds.map((r) => r.length)).toEqual([12, 12]);
    const longer = `${text} seven`;
    expect(bert.encode(longer).length).toBe(9);
    expect(bert.batch([longer, 'one'], { padding: true, padToMultipleOf: 8 }).inputIds.map((r) => r.length)).toEqual([16, 16]);
  });

  it('addSpecialTokens: false and the optional outputs', () => {
    const plain = bert.batch('Hello world', { addSpecialTokens: false, returnAttentionMask: false, returnTokenTypeIds: false });
    expect(plain).toEqual({ inputIds: [bert.encode('Hello world').slice(1, -1)] });
  });

  it('follows the strip_accents rules of cased and uncased BERT', () => {
    const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'cafe', 'café', 'Café', 'Cafe'];
    const lower = new BertTokenizer({ vocab });
    const lowerKeep = new BertTokenizer({ vocab, stripAccents: false });
    const cased = new BertTokenizer({ vocab, doLowerCase: false });
    const casedStrip = new BertTokenizer({ vocab, doLowerCase: false, stripAccents: true });
    expect(lower.tokenize('Café')).toEqual(lower.tokenize('cafe'));
    expect(lowerKeep.tokenize('Café')).toEqual(lowerKeep.tokenize('café'));
    expect(cased.tokenize('Café')).toEqual(['Café']);
    expect(casedStrip.tokenize('Café')).toEqual(casedStrip.tokenize('Cafe'));
    expect(lower.tokenize('[CLS] Café')[0]).toBe('[CLS]');
  });

  it('loads bert-base-cased settings from its folder', async () => {
    const tok = await BertTokenizer.fromPretrained(BERT_DIR);
    expect(tok.doLowerCase).toBe(false);
    expect(tok.modelMaxLength).toBe(512);
    expect(tok.allSpecialTokens.sort()).toEqual(['[CLS]', '[MASK]', '[PAD]', '[SEP]', '[UNK]']);
    expect(tok.batchDecode([tok.encode('Hello, world!')], { skipSpecialTokens: false })).toEqual(['[CLS] Hello, world! [SEP]']);
  });
});
