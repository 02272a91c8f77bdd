/**
 * BERT parity with transformers 4.29's BertTokenizer (bert-base-cased vocab): every fixture case
 * (tokens, ids, decoded text) and the padded and pair batches, through the in-memory
 * constructor (as the fixtures were made), tokenizer.json and the legacy vocab.txt folder.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AutoTokenizer, BertTokenizer, type PreTrainedTokenizer } from '../../lib/tokenizers';
import { BERT_DIR, bertFixture, bertVocabList } from './helpers';

const fixture = bertFixture();

/** A copy of bert-base-cased without tokenizer.json, so that vocab.txt is what gets read. */
function legacyBertDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bert-legacy-'));
  for (const f of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) {
    fs.copyFileSync(path.join(BERT_DIR, f), path.join(dir, f));
  }
  return dir;
}

function checkCases(tok: PreTrainedTokenizer): void {
  for (const c of fixture.cases) {
    expect(tok.tokenize(c.text), JSON.stringify(c.text)).toEqual(c.tokens);
    expect(tok.encode(c.text), JSON.stringify(c.text)).toEqual(c.input_ids);
    expect(tok.decode(c.input_ids, { skipSpecialTokens: true }), JSON.stringify(c.text)).toBe(c.decoded);
  }
}

function checkBatches(tok: PreTrainedTokenizer): void {
  const p = fixture.padded_batch;
  const padded = tok.batch(p.texts, { padding: p.padding, truncation: p.truncation, maxLength: p.max_length });
  expect(padded).toEqual({ inputIds: p.input_ids, attentionMask: p.attention_mask, tokenTypeIds: p.token_type_ids });
  const q = fixture.pair_batch;
  const pairs = tok.batch(q.pairs.map((x) => x[0]), {
    textPair: q.pairs.map((x) => x[1]), padding: q.padding, truncation: q.truncation, maxLength: q.max_length,
  });
  expect(pairs).toEqual({ inputIds: q.input_ids, attentionMask: q.attention_mask, tokenTypeIds: q.token_type_ids });
}

describe('BertTokenizer parity (bert-base-cased)', () => {
  it('bert-base-cased loads cased (do_lower_case false, as the fixture was made): case and accents are kept', async () => {
    expect(fixture.do_lower_case).toBe(false);
    const tok = await AutoTokenizer.fromPretrained(BERT_DIR);
    expect((tok as BertTokenizer).doLowerCase).toBe(false);
    expect(tok.tokenize('Hello WORLD Café')).toEqual(['Hello', 'W', '##OR', '##LD', 'Café']); // WordPiece by hand on vocab.txt
    expect(tok.tokenize('Hello')).not.toEqual(tok.tokenize('hello'));
  });

  const constructed = () => new BertTokenizer({ vocab: bertVocabList(), doLowerCase: fixture.do_lower_case, modelMaxLength: 512 });

  it('constructor: every case matches tokens, ids and decoded text', () => checkCases(constructed()));
  it('constructor: padded and pair batches match', () => checkBatches(constructed()));

  it('tokenizer.json folder: every case and both batches match', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_DIR);
    expect(tok).toBeInstanceOf(BertTokenizer);
    checkCases(tok);
    checkBatches(tok);
  });

  it('legacy vocab.txt folder: every case and both batches match', async () => {
    const tok = await BertTokenizer.fromPretrained(legacyBertDir());
    checkCases(tok);
    checkBatches(tok);
  });

  it('tokenizer.json and vocab.txt give identical results on every fixture text', async () => {
    const a = await AutoTokenizer.fromPretrained(BERT_DIR);
    const b = await AutoTokenizer.fromPretrained(legacyBertDir());
    const texts = fixture.cases.map((c) => c.text);
    expect(a.batch(texts, { padding: true })).toEqual(b.batch(texts, { padding: true }));
    expect(a.vocabSize).toBe(b.vocabSize);
    expect(a.modelMaxLength).toBe(512);
    expect([a.padTokenId, a.clsTokenId, a.sepTokenId, a.unkTokenId, a.maskTokenId]).toEqual([
      b.padTokenId, b.clsTokenId, b.sepTokenId, b.unkTokenId, b.maskTokenId,
    ]);
  });
});
