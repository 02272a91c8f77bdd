/**
 * Paths to the reference data inside the repository: tokenizer files under data/vocab and the
 * transformers fixtures under test/fixtures (a clone needs nothing beside it).
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
export const DATA = path.join(ROOT, 'data');
export const BERT_DIR = path.join(ROOT, 'data/vocab/bert-base-cased');
export const GPT2_DIR = path.join(ROOT, 'data/vocab/gpt2');
export const FIXTURES = path.join(ROOT, 'test/fixtures/tokenizers');

export interface FixtureCase {
  text: string;
  tokens: string[];
  input_ids: number[];
  decoded: string;
}

export interface BatchFixture {
  padding: 'longest' | 'max_length';
  truncation: boolean;
  max_length: number;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
}

export interface BertFixture {
  vocab: string;
  do_lower_case: boolean;
  cases: FixtureCase[];
  pair_batch: BatchFixture & { pairs: Array<[string, string]> };
  padded_batch: BatchFixture & { texts: string[] };
}

export interface Gpt2Fixture {
  vocab: string;
  merges: string;
  cases: FixtureCase[];
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export const bertFixture = () => readJson<BertFixture>(path.join(FIXTURES, 'bert-base-cased.json'));
export const gpt2Fixture = () => readJson<Gpt2Fixture>(path.join(FIXTURES, 'gpt2.json'));

/** bert-base-cased's vocab.txt as a token list (index = id). */
export function bertVocabList(): string[] {
  return fs.readFileSync(path.join(BERT_DIR, 'vocab.txt'), 'utf8').split('\n').filter((_, i, a) => i < a.length - 1 || a[i] !== '');
}

export function gpt2Files(): { vocab: Record<string, number>; merges: string } {
  return {
    vocab: readJson<Record<string, number>>(path.join(GPT2_DIR, 'encoder.json')),
    merges: fs.readFileSync(path.join(GPT2_DIR, 'vocab.bpe'), 'utf8'),
  };
}
