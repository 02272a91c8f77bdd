// Continuous batching's cache operations: rows joining a running batch at other lengths and rows
// leaving it give each row the logits it has alone, and the cache refuses row operations while a
// step runs on it.
import { describe, expect, it } from 'vitest';
import { BusyError, OPTConfig, OPTForCausalLM, tensor } from '../../lib';
import { native } from '../../lib/binding';
import { moduleHandle } from '../../lib/nn/module';
import { DecodeBatch, type StepFn } from '../../lib/serve/decode-batch';
import { handleOf, wrap } from '../../lib/tensor';

const model = OPTForCausalLM.fromConfig(new OPTConfig({ vocab_size: 100, hidden_size: 16, ffn_dim: 32, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: 64 })).eval();
const step: StepFn = async (cache, ids, mask) => wrap(await native.generationStepAsync(moduleHandle(model), cache, handleOf(ids), handleOf(mask)));

/** Next-token logits of `tokens` alone, prefilled then stepped with each later token. */
async function alone(tokens: number[], prefill: number): Promise<number[]> {
  const cache = native.generationCache();
  let logits = await step(cache, tensor([tokens.slice(0, prefill)], { dtype: 'int64' }), tensor([new Array(prefill).fill(1)], { dtype: 'int64' }), []);
  for (let i = prefill; i < tokens.length; i++) {
    logits.dispose();
    logits = await step(cache, tensor([[tokens[i]]], { dtype: 'int64' }), tensor([new Array(i + 1).fill(1)], { dtype: 'int64' }), []);
  }
  const out = (logits.toArray() as number[][])[0];
  logits.dispose();
  return out;
}

describe('DecodeBatch', () => {
  it('gives rows that join at other lengths and survive others leaving the logits they have alone', async () => {
    const batch = new DecodeBatch<{ adapter: string; tokens: number[] }>('cpu', 1);
    const a = { adapter: '__base__', tokens: [5, 6, 7, 8, 9, 10, 11] };
    const b = { adapter: '__base__', tokens: [20, 21] };
    const c = { adapter: '__base__', tokens: [30, 31, 32, 33, 34, 35, 36, 37, 38, 39] };
    (await batch.join([a], step)).dispose();
    for (const t of [12, 13]) { a.tokens.push(t); (await batch.step(step)).dispose(); }
    (await batch.join([b, c], step)).dispose();  // b shorter than the cache, c longer
    a.tokens.push(14); b.tokens.push(22); c.tokens.push(40);
    let logits = await batch.step(step);
    const rows = logits.toArray() as number[][];
    logits.dispose();
    const close = (x: number[], y: number[]) => x.forEach((v, i) => expect(v).toBeCloseTo(y[i], 4));
    close(rows[0], await alone(a.tokens, 7));
    close(rows[1], await alone(b.tokens, 2));
    close(rows[2], await alone(c.tokens, 10));
    batch.retain((r) => r !== c);  // the longest leaves: its padding columns are cut
    a.tokens.push(15); b.tokens.push(23);
    logits = await batch.step(step);
    const after = logits.toArray() as number[][];
    logits.dispose();
    close(after[0], await alone(a.tokens, 7));
    close(after[1], await alone(b.tokens, 2));
  });

  it('refuses row operations on a cache while a step runs on it (BusyError)', async () => {
    const cache = native.generationCache();
    const running = step(cache, tensor([[5, 6, 7]], { dtype: 'int64' }), tensor([[1, 1, 1]], { dtype: 'int64' }), []);
    expect(() => native.generationCacheSelect(cache, [0], 0)).toThrow(BusyError);
    expect(() => native.generationCacheAppend(native.generationCache(), cache)).toThrow(/generation cache is busy/);
    (await running).dispose();
    native.generationCacheSelect(cache, [0], 1);
    expect(native.generationCacheShape(cache)).toEqual([1, 2]);
  });
});
