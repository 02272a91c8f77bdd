// Tokenizer properties for random text (fast-check): GPT-2's byte-level BPE decodes back to any
// text exactly; BERT decodes a text of vocabulary words back to itself; a batch (padded, with or
// without pairs) holds exactly the one-by-one encodings; truncation keeps a prefix.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BertTokenizer, GPT2Tokenizer } from '../../lib/tokenizers';
import { parseMergesText } from '../../lib/tokenizers/bpe';
import { props } from '../property';
import { bertVocabList, gpt2Files } from './helpers';

const vocab = bertVocabList();
const bert = new BertTokenizer({ vocab, doLowerCase: false, modelMaxLength: 512 });
const { vocab: gVocab, merges } = gpt2Files();
const gpt2 = new GPT2Tokenizer({ vocab: gVocab, merges: parseMergesText(merges) });

/** Whole words of bert-base-cased's vocabulary: letters only, no ## pieces, no [unused]. */
const words = vocab.filter((w) => /^[A-Za-z]+$/.test(w));
const bertText = fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 12 }).map((ws) => ws.join(' '));
const anyText = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((t) => !t.includes('<|endoftext|>'));
const mixedText = fc.oneof(bertText, fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme-ascii', maxLength: 30 }));

describe('round trips', () => {
  test.prop([anyText], props(200))('GPT-2: decode(encode(text)) === text for any Unicode text', (text) => {
    expect(gpt2.decode(gpt2.encode(text), { cleanUpTokenizationSpaces: false })).toBe(text);
  });

  test.prop([bertText], props(150))('BERT: a text of vocabulary words encodes to their ids and decodes back to itself', (text) => {
    const ids = bert.encode(text);
    expect(ids[0]).toBe(bert.clsTokenId);
    expect(ids[ids.length - 1]).toBe(bert.sepTokenId);
    expect(ids.slice(1, -1)).toEqual(text.split(' ').map((w) => vocab.indexOf(w)));
    expect(bert.decode(ids, { skipSpecialTokens: true })).toBe(text);
  });
});

describe('batch = one by one', () => {
  for (const [name, tok] of [['BERT', bert], ['GPT-2', gpt2]] as const) {
    test.prop([fc.array(mixedText, { minLength: 1, maxLength: 5 }), fc.constantFrom<'right' | 'left'>('right', 'left')], props(60))(`${name}: padded batch rows are the encodings, padded on paddingSide, with masks`, (texts, side) => {
      const t = tok as BertTokenizer;
      if (t.padTokenId === undefined) return; // GPT-2 has no pad token: padding is refused
      const one = texts.map((x) => t.encode(x));
      const batch = t.batch(texts, { padding: true, paddingSide: side });
      const longest = Math.max(...one.map((r) => r.length));
      one.forEach((ids, i) => {
        const pad = new Array(longest - ids.length).fill(t.padTokenId);
        const ones = new Array(ids.length).fill(1);
        const zeros = new Array(longest - ids.length).fill(0);
        expect(batch.inputIds[i]).toEqual(side === 'right' ? [...ids, ...pad] : [...pad, ...ids]);
        expect(batch.attentionMask![i]).toEqual(side === 'right' ? [...ones, ...zeros] : [...zeros, ...ones]);
      });
    });

    test.prop([fc.array(mixedText, { minLength: 1, maxLength: 5 })], props(60))(`${name}: an unpadded batch is the list of encodings`, (texts) => {
      expect(tok.batch(texts).inputIds).toEqual(texts.map((x) => tok.encode(x)));
    });
  }

  test.prop([fc.array(fc.tuple(bertText, bertText), { minLength: 1, maxLength: 4 })], props(60))('BERT pairs: [CLS] A [SEP] B [SEP] with token_type_ids 0 then 1', (pairs) => {
    const batch = bert.batch(pairs.map((p) => p[0]), { textPair: pairs.map((p) => p[1]) });
    pairs.forEach(([a, b], i) => {
      const ia = bert.encode(a, { addSpecialTokens: false });
      const ib = bert.encode(b, { addSpecialTokens: false });
      expect(batch.inputIds[i]).toEqual([bert.clsTokenId, ...ia, bert.sepTokenId, ...ib, bert.sepTokenId]);
      expect(batch.tokenTypeIds![i]).toEqual([...new Array(ia.length + 2).fill(0), ...new Array(ib.length + 1).fill(1)]);
    });
  });

  test.prop([fc.array(bertText, { minLength: 1, maxLength: 4 }), fc.integer({ min: 3, max: 10 })], props(60))('BERT truncation to maxLength keeps [CLS] + a prefix + [SEP]', (texts, maxLength) => {
    const batch = bert.batch(texts, { truncation: true, maxLength });
    texts.forEach((x, i) => {
      const full = bert.encode(x);
      const row = batch.inputIds[i];
      expect(row.length).toBe(Math.min(full.length, maxLength));
      expect(row).toEqual(full.length <= maxLength ? full : [...full.slice(0, maxLength - 1), bert.sepTokenId]);
    });
  });
});
