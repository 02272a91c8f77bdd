// Masked-LM pre-training pieces: the collators' masking (15% of maskable tokens; 80% [MASK],
// 10% random, 10% kept; never special tokens or padding; whole words with their "##" pieces)
// and BertForMaskedLM's training loss computed at the labelled positions only, which must equal
// the full-logits loss and gradients within 1e-5.
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { AutoTokenizer, BertConfig, BertForMaskedLM, dataCollatorForMaskedLM, trainingStep } from '../../lib';
import { maxDiff, snapshot } from './helpers';

const VOCAB_DIR = path.resolve(__dirname, '../../data/vocab/bert-base-cased');
const TEXT = 'Socrates asked whether virtue can be taught, and Meno answered unconvincingly about teaching.';

describe('masked-LM collators', async () => {
  const tokenizer = await AutoTokenizer.fromPretrained(VOCAB_DIR);
  const rows = Array.from({ length: 64 }, (_, i) => ({ inputIds: tokenizer.encode(`${TEXT} ${i}`) as number[] }));
  rows[0] = { inputIds: rows[0].inputIds.slice(0, 8) };  // a short row: padding in the batch

  it('chooses ~15% of the maskable tokens, 80% [MASK] / 10% random / 10% kept, never [CLS], [SEP] or padding', () => {
    torch.manualSeed(0);
    const b = dataCollatorForMaskedLM({ tokenizer })(rows);
    const ids = b.inputIds.toArray() as number[][];
    const labels = b.labels!.toArray() as number[][];
    const mask = b.attentionMask.toArray() as number[][];
    let maskable = 0, chosen = 0, masked = 0, kept = 0;
    labels.forEach((row, r) => row.forEach((label, c) => {
      const original = c < rows[r].inputIds.length ? rows[r].inputIds[c] : 0;
      const special = mask[r][c] === 0 || original === tokenizer.clsTokenId || original === tokenizer.sepTokenId;
      if (!special) maskable += 1;
      if (label === -100) { expect(ids[r][c]).toBe(original); return; }
      expect(special, `position ${r},${c} is special or padding`).toBe(false);
      expect(label).toBe(original);
      chosen += 1;
      if (ids[r][c] === tokenizer.maskTokenId) masked += 1;
      else if (ids[r][c] === original) kept += 1;
    }));
    expect(chosen / maskable).toBeGreaterThan(0.12);
    expect(chosen / maskable).toBeLessThan(0.18);
    expect(masked / chosen).toBeGreaterThan(0.72);
    expect(masked / chosen).toBeLessThan(0.88);
    expect(kept / chosen).toBeGreaterThan(0.04);
    expect(kept / chosen).toBeLessThan(0.16);
  });

  it('whole-word masking masks a word with all its "##" pieces, and round(15%) tokens per row', () => {
    torch.manualSeed(1);
    const b = dataCollatorForMaskedLM({ tokenizer, wholeWordMask: true })(rows.slice(1));
    const labels = b.labels!.toArray() as number[][];
    labels.forEach((row, r) => {
      const tokens = tokenizer.convertIdsToTokens(rows[r + 1].inputIds);
      let chosen = 0;
      tokens.forEach((tok, c) => {
        if (row[c] !== -100) chosen += 1;
        if (tok.startsWith('##')) expect(row[c] !== -100, `"${tokens[c - 1]}${tok}" masked apart`).toBe(row[c - 1] !== -100);
      });
      expect(chosen).toBeLessThanOrEqual(Math.round((tokens.length - 2) * 0.15));
      expect(chosen).toBeGreaterThan(0);
    });
  });

  it('the same seed masks the same way (resumable), another seed differently', () => {
    const run = (seed: number) => { torch.manualSeed(seed); return dataCollatorForMaskedLM({ tokenizer })(rows).inputIds.toArray(); };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('a tokenizer without a mask token is refused', () => {
    expect(() => dataCollatorForMaskedLM({ tokenizer: { ...tokenizer, maskTokenId: undefined, allSpecialIds: [], length: 10, convertIdsToTokens: () => [] } })).toThrow(/has no mask token/);
  });
});

describe('BertForMaskedLM training loss at labelled positions only', () => {
  it('equals the full-logits loss, and the gradients (tied decoder/embeddings included), within 1e-5', async () => {
    const tokenizer = await AutoTokenizer.fromPretrained(VOCAB_DIR);
    torch.manualSeed(2);
    const model = BertForMaskedLM.fromConfig(new BertConfig({ vocab_size: 28996, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 64 }));
    model.eval();
    torch.manualSeed(3);
    const b = dataCollatorForMaskedLM({ tokenizer })(Array.from({ length: 4 }, (_, i) => ({ inputIds: tokenizer.encode(`${TEXT} ${i * 7}`) as number[] })));
    const plain = await model.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask, labels: b.labels! });
    expect(plain.logits.shape[2]).toBe(28996);
    await plain.loss!.backwardAsync();
    const expected = snapshot(model.namedParameters().filter(([, t]) => t.grad).map(([n, t]) => [n, t.grad!]));
    model.namedParameters().forEach(([, t]) => t.zeroGrad());
    const fused = await trainingStep(model, b);
    expect(Math.abs(fused.loss - (plain.loss!.item() as number))).toBeLessThan(1e-5);
    const actual = snapshot(model.namedParameters().filter(([, t]) => t.grad).map(([n, t]) => [n, t.grad!]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, g] of expected) expect(maxDiff(actual.get(name)!, g), name).toBeLessThan(1e-5);
  });
});
