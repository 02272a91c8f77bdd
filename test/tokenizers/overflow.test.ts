/**
 * Overflowing tokens with stride (fast-tokenizer chunking of long documents): chunk lengths,
 * overlap equal to stride, and the chunks reassembling the document's ids exactly.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { BertTokenizer, GPT2Tokenizer, parseMergesText } from '../../lib/tokenizers';
import { BERT_DIR, DATA, gpt2Files } from './helpers';

/** Two real documents of different lengths from Plato's Apology. */
function documents(): string[] {
  const text = fs.readFileSync(path.join(DATA, 'plato/1656.txt'), 'utf8');
  const start = text.indexOf('How you, O Athenians');
  return [text.slice(start, start + 6000), text.slice(start + 6000, start + 8500)];
}

/**
 * Checks the chunks of one document, in text order, against its plain ids; `inner` strips
 * special tokens. Only the chunk at the cut end (`short`) may be shorter than `size`.
 */
function checkChunks(
  chunks: number[][], whole: number[], size: number, stride: number, inner: (row: number[]) => number[], short: 'last' | 'first' = 'last',
) {
  const bodies = chunks.map(inner);
  const shortIndex = short === 'last' ? bodies.length - 1 : 0;
  bodies.forEach((body, i) => {
    if (i !== shortIndex) expect(body.length).toBe(size);
    else expect(body.length).toBeLessThanOrEqual(size);
    if (i > 0) expect(body.slice(0, stride)).toEqual(bodies[i - 1].slice(-stride));
  });
  const rebuilt = bodies[0].concat(...bodies.slice(1).map((b) => b.slice(stride)));
  expect(rebuilt).toEqual(whole);
}

describe('returnOverflowingTokens with stride', () => {
  it('BERT: chunks of maxLength with [CLS]/[SEP], overlapping by stride, rebuild the ids', async () => {
    const tok = await BertTokenizer.fromPretrained(BERT_DIR);
    const docs = documents();
    const maxLength = 64;
    const stride = 16;
    const enc = tok.batch(docs, { truncation: true, maxLength, stride, returnOverflowingTokens: true, padding: true });
    const mapping = enc.overflowToSampleMapping!;
    expect(mapping.length).toBe(enc.inputIds.length);
    expect([...new Set(mapping)]).toEqual([0, 1]);
    for (const row of enc.inputIds) expect(row.length).toBe(maxLength);
    docs.forEach((doc, d) => {
      const whole = tok.encode(doc, { addSpecialTokens: false });
      const rows = enc.inputIds.filter((_, i) => mapping[i] === d);
      const masks = enc.attentionMask!.filter((_, i) => mapping[i] === d);
      expect(rows.length).toBe(Math.ceil((whole.length - stride) / (maxLength - 2 - stride)));
      const unpadded = rows.map((r, i) => r.slice(0, masks[i].reduce((a, b) => a + b, 0)));
      for (const r of unpadded) expect([r[0], r[r.length - 1]]).toEqual([tok.clsTokenId, tok.sepTokenId]);
      checkChunks(unpadded, whole, maxLength - 2, stride, (r) => r.slice(1, -1));
    });
  });

  it('GPT-2: chunks without special tokens, also cut from the left', () => {
    const { vocab, merges } = gpt2Files();
    const tok = new GPT2Tokenizer({ vocab, merges: parseMergesText(merges) });
    const doc = documents()[0];
    const whole = tok.encode(doc);
    const right = tok.batch(doc, { maxLength: 100, stride: 10, returnOverflowingTokens: true });
    checkChunks(right.inputIds, whole, 100, 10, (r) => r);
    expect(right.overflowToSampleMapping!.every((s) => s === 0)).toBe(true);
    const left = tok.batch(doc, { maxLength: 100, stride: 10, returnOverflowingTokens: true, truncationSide: 'left' });
    // From the left, the first chunk is the document's end; reversed, they read in order.
    checkChunks(left.inputIds.slice().reverse(), whole, 100, 10, (r) => r, 'first');
    expect(left.inputIds[0]).toEqual(whole.slice(-100));
  });

  it("a pair with 'only_second' repeats the first sequence in every chunk", async () => {
    const tok = await BertTokenizer.fromPretrained(BERT_DIR);
    const question = 'Who is accused?';
    const context = documents()[1];
    const enc = tok.batch(question, { textPair: context, truncation: 'only_second', maxLength: 48, stride: 8, returnOverflowingTokens: true });
    const q = tok.encode(question, { addSpecialTokens: false });
    const whole = tok.encode(context, { addSpecialTokens: false });
    for (const row of enc.inputIds) expect(row.slice(0, q.length + 2)).toEqual([tok.clsTokenId, ...q, tok.sepTokenId]);
    enc.tokenTypeIds!.forEach((types, i) => {
      expect(types.filter((t) => t === 1).length).toBe(enc.inputIds[i].length - q.length - 2);
    });
    checkChunks(enc.inputIds, whole, 48 - q.length - 3, 8, (r) => r.slice(q.length + 2, -1));
  });

  it('rejects a stride that leaves no room and pairs with longest_first', async () => {
    const tok = await BertTokenizer.fromPretrained(BERT_DIR);
    const doc = documents()[0];
    expect(() => tok.batch(doc, { maxLength: 10, stride: 8, returnOverflowingTokens: true })).toThrow(/stride must be smaller.*got 8/);
    expect(() => tok.batch(doc, { textPair: doc, maxLength: 64, truncation: true, returnOverflowingTokens: true })).toThrow(
      /only_first' or 'only_second'/,
    );
  });
});
