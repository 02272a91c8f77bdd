/**
 * Uncased BERT parity with transformers 4.29's BertTokenizer (fixture tokenizers/bert-uncased.json):
 * four option variants (do_lower_case, strip_accents, tokenize_chinese_chars) × 70 texts, loaded
 * the way bert-base-uncased ships: a folder with vocab.txt and a tokenizer_config.json that sets
 * the options, read by AutoTokenizer.fromPretrained.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, BertTokenizer, type PreTrainedTokenizer } from '../../lib/tokenizers';
import { FIXTURES, type FixtureCase, readJson } from './helpers';

interface Variant {
  options: { do_lower_case: boolean; strip_accents?: boolean | null; tokenize_chinese_chars?: boolean };
  cases: FixtureCase[];
}
const fixture = readJson<{ vocab: string; variants: Variant[] }>(path.join(FIXTURES, 'bert-uncased.json'));
const VOCAB = path.join(FIXTURES, 'bert-uncased-vocab.txt');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A model folder as bert-base-uncased ships one: vocab.txt and the options in tokenizer_config.json. */
function uncasedDir(options: Variant['options']): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bert-uncased-'));
  dirs.push(dir);
  fs.copyFileSync(VOCAB, path.join(dir, 'vocab.txt'));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...options, model_max_length: 512 }));
  return dir;
}

function checkCases(tok: PreTrainedTokenizer, variant: Variant): void {
  for (const c of variant.cases) {
    const what = `${JSON.stringify(variant.options)} ${JSON.stringify(c.text)}`;
    expect(tok.tokenize(c.text), what).toEqual(c.tokens);
    expect(tok.encode(c.text), what).toEqual(c.input_ids);
    expect(tok.decode(c.input_ids, { skipSpecialTokens: true }), what).toBe(c.decoded);
  }
}

describe('BertTokenizer parity, uncased variants (bert-uncased.json)', () => {
  it('the fixture has the four variants of its README', () => {
    expect(fixture.variants.map((v) => v.options)).toEqual([
      { do_lower_case: true },
      { do_lower_case: true, strip_accents: false },
      { do_lower_case: false, strip_accents: true },
      { do_lower_case: true, tokenize_chinese_chars: false },
    ]);
  });

  for (const variant of fixture.variants) {
    it(`AutoTokenizer on a folder with ${JSON.stringify(variant.options)}: tokens, ids and decoded text of all ${variant.cases.length} texts`, async () => {
      const tok = await AutoTokenizer.fromPretrained(uncasedDir(variant.options));
      expect(tok).toBeInstanceOf(BertTokenizer);
      expect((tok as BertTokenizer).doLowerCase).toBe(variant.options.do_lower_case);
      checkCases(tok, variant);
    });
  }

  it('lower-cases one character at a time (a final capital sigma becomes σ) and leaves typed special tokens alone', async () => {
    const tok = await AutoTokenizer.fromPretrained(uncasedDir({ do_lower_case: true }));
    // transformers: re.sub("(special|...)|(.+?)", lambda m: m.group(1) or m.group(2).lower(), text)
    expect(tok.tokenize('ΟΣ')).toEqual(tok.tokenize('οσ'));
    expect(tok.tokenize('ΟΣ')).not.toEqual(tok.tokenize('ος'));
    expect(tok.tokenize('[MASK]ΟΣ [SEP]')).toEqual(['[MASK]', ...tok.tokenize('οσ'), '[SEP]']);
    const constructed = new BertTokenizer({ vocab: fs.readFileSync(VOCAB, 'utf8').split('\n').slice(0, -1) });
    expect(constructed.tokenize('[CLS] ΣΑ')).toEqual(['[CLS]', ...constructed.tokenize('σα')]);
  });

  it('a batch of every text equals the texts one by one, padded (first variant)', async () => {
    const variant = fixture.variants[0];
    const tok = await AutoTokenizer.fromPretrained(uncasedDir(variant.options));
    const batch = tok.batch(variant.cases.map((c) => c.text), { padding: true });
    const longest = Math.max(...variant.cases.map((c) => c.input_ids.length));
    variant.cases.forEach((c, i) => {
      const pad = longest - c.input_ids.length;
      expect(batch.inputIds[i]).toEqual([...c.input_ids, ...new Array(pad).fill(0)]);
      expect(batch.attentionMask![i]).toEqual([...new Array(c.input_ids.length).fill(1), ...new Array(pad).fill(0)]);
    });
  });
});
