// Masked-language-model collators, as BERT was pre-trained and transformers' collators do it:
// 15% of the (non-special, non-padding) tokens are chosen; of those 80% become [MASK], 10% a
// random token, 10% stay; labels are -100 everywhere else. DataCollatorForLanguageModeling
// (mlm=True) chooses tokens one by one; DataCollatorForWholeWordMask chooses whole words (a
// WordPiece word and its "##" continuations). Random numbers come from torch's global generator,
// so a run is reproducible and a resumed run (its RNG state restored) masks as the original did.
import { rand, randint, tensor } from '../creation';
import type { Example } from '../data/types';
import type { Tensor } from '../tensor';
import { expectNumber, expectOptions, invalid } from '../validate';
import type { Batch, DataCollator } from './collator';

/** What the collator needs of a tokenizer (any node-peft tokenizer has it). */
export interface MaskingTokenizer {
  maskTokenId?: number;
  padTokenId?: number;
  allSpecialIds: number[];
  /** len(tokenizer): random replacements are drawn from [0, length). */
  length: number;
  convertIdsToTokens(ids: number[]): string[];
}

export interface MlmOptions {
  tokenizer: MaskingTokenizer;
  /** Share of tokens to predict (default 0.15). */
  mlmProbability?: number;
  /** Choose whole words instead of single tokens (transformers' DataCollatorForWholeWordMask). */
  wholeWordMask?: boolean;
  padToMultipleOf?: number | null;
}

function uniform(shape: number[]): Float32Array {
  const t = rand(shape);
  const out = Float32Array.from(t.toTypedArray() as Float32Array);
  t.dispose();
  return out;
}

function randomIds(high: number, count: number): number[] {
  const t = randint(0, high, [count]);
  const out = Array.from(t.toTypedArray() as BigInt64Array, Number);
  t.dispose();
  return out;
}

/** Token choice of DataCollatorForLanguageModeling: each maskable token with probability p. */
function chooseTokens(ids: number[][], maskable: boolean[][], p: number): boolean[][] {
  const u = uniform([ids.length, ids[0].length]);
  return ids.map((row, r) => row.map((_, c) => maskable[r][c] && u[r * row.length + c] < p));
}

/**
 * Word choice of DataCollatorForWholeWordMask: words (a token and its "##" continuations) in a
 * random order, taken while the tokens covered stay within round(p × length) (at least 1).
 */
function chooseWords(ids: number[][], maskable: boolean[][], p: number, tokenizer: MaskingTokenizer): boolean[][] {
  return ids.map((row, r) => {
    const tokens = tokenizer.convertIdsToTokens(row);
    const words: number[][] = [];
    tokens.forEach((tok, c) => {
      if (!maskable[r][c]) return;
      if (tok.startsWith('##') && words.length > 0 && words[words.length - 1][words[words.length - 1].length - 1] === c - 1) words[words.length - 1].push(c);
      else words.push([c]);
    });
    const keys = uniform([Math.max(words.length, 1)]);
    const order = words.map((_, i) => i).sort((a, b) => keys[a] - keys[b]);
    const budget = Math.max(1, Math.round(maskable[r].filter(Boolean).length * p));
    const chosen = row.map(() => false);
    let covered = 0;
    for (const w of order) {
      if (covered >= budget) break;
      if (covered + words[w].length > budget) continue;
      for (const c of words[w]) chosen[c] = true;
      covered += words[w].length;
    }
    return chosen;
  });
}

/** Applies 80% [MASK] / 10% random / 10% unchanged to the chosen positions; labels elsewhere -100. */
function corrupt(ids: number[][], chosen: boolean[][], maskId: number, vocab: number): { inputs: number[][]; labels: number[][] } {
  const shape = [ids.length, ids[0].length];
  const replace = uniform(shape);
  const random = uniform(shape);
  const words = randomIds(vocab, shape[0] * shape[1]);
  const labels = ids.map((row, r) => row.map((id, c) => (chosen[r][c] ? id : -100)));
  const inputs = ids.map((row, r) => row.map((id, c) => {
    if (!chosen[r][c]) return id;
    const k = r * shape[1] + c;
    if (replace[k] < 0.8) return maskId;
    if (random[k] < 0.5) return words[k];
    return id;
  }));
  return { inputs, labels };
}

function pad(rows: Example[], multiple: number | null, padId: number): { ids: number[][]; mask: number[][] } {
  let length = Math.max(...rows.map((r) => r.inputIds.length));
  if (multiple) length = Math.ceil(length / multiple) * multiple;
  return {
    ids: rows.map((r) => [...r.inputIds, ...new Array(length - r.inputIds.length).fill(padId)]),
    mask: rows.map((r) => [...(r.attentionMask ?? r.inputIds.map(() => 1)), ...new Array(length - r.inputIds.length).fill(0)]),
  };
}

/**
 * DataCollatorForLanguageModeling(mlm=True) — or DataCollatorForWholeWordMask with
 * `wholeWordMask: true` — for BertForMaskedLM: pads, masks, and sets labels to the original ids
 * at the chosen positions only.
 */
export function dataCollatorForMaskedLM(options: MlmOptions): DataCollator {
  const o = expectOptions('DataCollatorForMaskedLM', options, ['tokenizer', 'mlmProbability', 'wholeWordMask', 'padToMultipleOf']);
  const tok = o.tokenizer;
  if (!tok || typeof tok.convertIdsToTokens !== 'function') invalid('DataCollatorForMaskedLM.tokenizer', 'a tokenizer', tok);
  const maskId = tok.maskTokenId;
  if (maskId === undefined) throw new Error('DataCollatorForMaskedLM: the tokenizer has no mask token, which masked language modelling needs');
  const p = o.mlmProbability === undefined ? 0.15 : expectNumber('mlmProbability', o.mlmProbability);
  if (!(p > 0 && p < 1)) invalid('DataCollatorForMaskedLM.mlmProbability', 'a probability in (0, 1)', p);
  const padId = tok.padTokenId ?? 0;
  const special = new Set(tok.allSpecialIds);
  return (rows) => {
    if (!Array.isArray(rows) || rows.length === 0) invalid('DataCollatorForMaskedLM(rows)', 'a non-empty array of examples', rows);
    const { ids, mask } = pad(rows, o.padToMultipleOf ?? null, padId);
    const maskable = ids.map((row, r) => row.map((id, c) => mask[r][c] === 1 && !special.has(id)));
    const chosen = o.wholeWordMask ? chooseWords(ids, maskable, p, tok) : chooseTokens(ids, maskable, p);
    const { inputs, labels } = corrupt(ids, chosen, maskId, tok.length);
    const batch: Batch = {
      inputIds: tensor(inputs, { dtype: 'int64' }), attentionMask: tensor(mask, { dtype: 'int64' }),
      labels: tensor(labels, { dtype: 'int64' }) as Tensor, numTokens: ids.length * ids[0].length,
    };
    if (rows.some((r) => r.tokenTypeIds)) batch.tokenTypeIds = tensor(rows.map((r) => [...(r.tokenTypeIds ?? r.inputIds.map(() => 0)), ...new Array(ids[0].length - r.inputIds.length).fill(0)]), { dtype: 'int64' });
    return batch;
  };
}
