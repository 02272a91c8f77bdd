/**
 * Texts to classification rows (lib/data/tokenize.ts): run_glue.py's tokenizer(texts, text_pair,
 * truncation=True, max_length) in batches of 1,000, unpadded. The expected rows are the
 * tokenizer's own encodings of each text alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, BertTokenizer, type AnyTokenizer } from '../../lib/tokenizers';
import { effectiveMaxLength, tokenizeForClassification } from '../../lib/data/tokenize';
import { BERT_DIR } from './helpers';

let bert: AnyTokenizer;
beforeAll(async () => { bert = await AutoTokenizer.fromPretrained(BERT_DIR); });

describe('effectiveMaxLength', () => {
  it("maxLength when given, else the tokenizer's modelMaxLength, else none", () => {
    const tok = (modelMaxLength?: number) => new BertTokenizer({ vocab: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'], modelMaxLength });
    expect(effectiveMaxLength(tok(512), 64)).toBe(64);
    expect(effectiveMaxLength(tok(512), undefined)).toBe(512);
    expect(effectiveMaxLength(tok(), undefined)).toBeUndefined();  // no model_max_length: VERY_LARGE_INTEGER
    expect(effectiveMaxLength(tok(), 9)).toBe(9);
  });
});

describe('tokenizeForClassification', () => {
  it('1,001 texts (two tokenizer batches): each row is the text encoded alone, with its own label and pair', () => {
    const texts = Array.from({ length: 1001 }, (_, i) => `text number ${i} ${'word '.repeat(i % 7)}`);
    const pairs = texts.map((_, i) => `pair ${i}`);
    const labels = texts.map((_, i) => i % 3);
    const rows = tokenizeForClassification(bert, texts, pairs, labels, undefined);
    expect(rows.length).toBe(1001);
    for (const i of [0, 999, 1000]) {
      const alone = bert.batch([texts[i]], { textPair: [pairs[i]], padding: false });
      expect(rows[i]).toEqual({ inputIds: alone.inputIds[0], attentionMask: alone.attentionMask![0], tokenTypeIds: alone.tokenTypeIds![0], labels: labels[i] });
    }
  });

  it('maxLength truncates (pair included); without it nothing is truncated and nothing is padded', () => {
    const long = 'many words here '.repeat(20);
    const cut = tokenizeForClassification(bert, [long, 'short'], null, [1, 0], 8);
    expect(cut.map((r) => r.inputIds.length)).toEqual([8, 3]);
    expect(cut[0].inputIds.at(-1)).toBe(bert.convertTokensToIds('[SEP]'));
    const whole = tokenizeForClassification(bert, [long, 'short'], null, [1, 0], undefined);
    expect(whole[0].inputIds.length).toBe(bert.batch([long], { padding: false }).inputIds[0].length);
    expect(whole[1].inputIds.length).toBe(3);
    expect(whole[1].attentionMask).toEqual([1, 1, 1]);
    expect(tokenizeForClassification(bert, ['a b c d e f g', 'x y'], ['p q r s', 'z'], [0, 1], 6).map((r) => r.inputIds.length)).toEqual([6, 6]);
  });
});
