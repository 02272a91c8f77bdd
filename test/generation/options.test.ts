// generate()'s options: every bad value is refused by name; defaults come from the model config
// (eos_token_id, pad_token_id) as transformers takes them; streaming passes errors through.
// Expected ids are the opt-causal fixture's (transformers 4.29 greedy) or follow from them by hand.
import fs from 'fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { OPTForCausalLM } from '../../lib';
import { generate } from '../../lib/generation/generate';
import { cases, fixture } from '../models/helpers';
import { settledLiveTensorCount } from '../live-tensors';

const c = cases('opt-causal');
const expected = JSON.parse(fs.readFileSync(fixture('opt-causal', 'expected.json'), 'utf8'));
const ids = c.get('input_ids')!;
const mask = c.get('attention_mask')!;
const load = async (config?: Record<string, unknown>) => (await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false, config })).eval();

describe('generate options', () => {
  it('refuses each bad option by name, with what it expects', async () => {
    const model = await load();
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ maxNewTokens: 0 }, /^maxNewTokens: expected an integer >= 1, received 0$/],
      [{ maxNewTokens: 1.5 }, /^maxNewTokens: expected an integer >= 1/],
      [{ doSample: 1 }, /^doSample: expected a boolean, received 1$/],
      [{ temperature: 0 }, /^temperature: expected a number > 0, received 0$/],
      [{ temperature: NaN }, /^temperature: expected a number, received NaN$/],
      [{ topK: -1 }, /^topK: expected an integer >= 0, received -1$/],
      [{ topP: 0 }, /^topP: expected a number in \(0, 1\], received 0$/],
      [{ topP: 1.01 }, /^topP: expected a number in \(0, 1\], received 1.01$/],
      [{ repetitionPenalty: 0 }, /^repetitionPenalty: expected a number > 0, received 0$/],
      [{ repetitionPenalty: -1 }, /^repetitionPenalty: expected a number > 0, received -1$/],
      [{ onToken: 'log' }, /^onToken: expected a function, received "log"$/],
      [{ seed: 2 ** 64 }, /seed/],
      [{ topP: '0.9' }, /^topP: expected a number, received "0.9"$/],
      [{ repetitionPenalty: '2' }, /^repetitionPenalty: expected a number, received "2"$/],
      [{ temperature: 'hot' }, /^temperature: expected a number, received "hot"$/],
    ];
    for (const [options, pattern] of bad) await expect(model.generate(ids, options as never), JSON.stringify(options)).rejects.toThrow(pattern);
    await expect(model.generate(ids, 5 as never)).rejects.toThrow(/^generate: expected an options object, received 5$/);
  });

  it('refuses inputs that are not a [batch, seq] integer tensor', async () => {
    const model = await load();
    await expect(model.generate(ids.reshape(-1))).rejects.toThrow(/^generate\(inputIds\): expected a \[batch, seq_len\] tensor, received \[20\]$/);
    await expect(model.generate(ids.to('float32'))).rejects.toThrow(/^generate\(inputIds\): expected an integer tensor of token ids \(int64, int32, int16, int8, uint8\), received "float32"$/);
    await expect(model.generate([[1, 2]] as never)).rejects.toThrow(/generate\(inputIds\): expected a Tensor/);
    expect((await model.generate(ids.to('int32'), { attentionMask: mask, maxNewTokens: 10 })).toArray()).toEqual(expected.generated_ids);
  });

  it('maxNewTokens defaults to 20; without a mask every position is attended', async () => {
    const model = await load();
    const row = ids.narrow(0, 0, 1); // row 0 has no padding
    const out = (await model.generate(row)).toArray() as number[][];
    expect(out[0].length).toBe(10 + 20);
    expect(out[0].slice(0, 20)).toEqual(expected.generated_ids[0]);
    const withMask = (await model.generate(row, { attentionMask: mask.narrow(0, 0, 1), maxNewTokens: 20 })).toArray();
    expect(withMask).toEqual(out);
  });

  it("eosTokenId defaults to the config's eos_token_id and padTokenId to pad_token_id (else eos, else 0)", async () => {
    // Greedy row 0 continues with expected.generated_ids[0][10..]; make its third new token the EOS.
    const eos = expected.generated_ids[0][12] as number;
    const run = async (config: Record<string, unknown>, options: Record<string, unknown> = {}) =>
      ((await (await load(config)).generate(ids.narrow(0, 0, 1), { maxNewTokens: 6, ...options })).toArray() as number[][])[0].slice(10);
    const firstEos = (expected.generated_ids[0] as number[]).slice(10).indexOf(eos);
    const upTo = (expected.generated_ids[0] as number[]).slice(10, 10 + firstEos + 1);
    // Generation stops when the only row is done, so the sequence ends at the EOS.
    expect(await run({ eos_token_id: eos })).toEqual(upTo);
    expect(await run({ eos_token_id: 999 }, { eosTokenId: eos })).toEqual(upTo);
    // Two rows: a finished row continues with pad_token_id, else eos_token_id, else 0 (transformers).
    // Row 1 (greedy 707 707 707 707 30 ...) ends at once with EOS 707; row 0 (30 30 ...) runs on.
    const stop = expected.generated_ids[1][10] as number;
    const greedy = (expected.generated_ids as number[][]).map((r) => r.slice(10, 16));
    const withPad = (pad: number) => greedy.map((r) => { const at = r.indexOf(stop); return at < 0 ? r : [...r.slice(0, at + 1), ...new Array(r.length - at - 1).fill(pad)]; });
    const both = async (config: Record<string, unknown>, options: Record<string, unknown> = {}) =>
      ((await (await load(config)).generate(ids, { attentionMask: mask, maxNewTokens: 6, ...options })).toArray() as number[][]).map((r) => r.slice(10));
    expect(greedy[0].includes(stop)).toBe(false);
    expect(await both({ eos_token_id: stop, pad_token_id: 5 })).toEqual(withPad(5));
    expect(await both({ eos_token_id: stop, pad_token_id: null })).toEqual(withPad(stop));
    expect(await both({ eos_token_id: null, pad_token_id: null }, { eosTokenId: stop })).toEqual(withPad(0));
    expect(await both({ eos_token_id: stop, pad_token_id: 5 }, { padTokenId: 7 })).toEqual(withPad(7));
    expect(await both({ eos_token_id: null })).toEqual(greedy); // no EOS: all 6 steps, nothing padded
  });

  it('an attention mask of any dtype (bool, float, int32) gives the same ids', async () => {
    const model = await load();
    for (const dtype of ['bool', 'float32', 'int32'] as const) {
      expect((await model.generate(ids, { attentionMask: mask.to(dtype), maxNewTokens: 10 })).toArray(), dtype).toEqual(expected.generated_ids);
    }
  });

  it('outputScores returns one [batch, vocab] tensor per step; without it there are none', async () => {
    const model = await load();
    const withScores = await generate(model, ids, { attentionMask: mask, maxNewTokens: 3, outputScores: true });
    expect(withScores.scores!.map((s) => s.shape)).toEqual([[2, 1000], [2, 1000], [2, 1000]]);
    const without = await generate(model, ids, { attentionMask: mask, maxNewTokens: 3 });
    expect(without.scores).toBeUndefined();
    expect(without.sequences.toArray()).toEqual(withScores.sequences.toArray());
  });

  it('stream() yields each step and rethrows a failure', async () => {
    const model = await load();
    const steps: number[][] = [];
    for await (const t of model.stream(ids, { attentionMask: mask, maxNewTokens: 3 })) steps.push(t);
    expect(steps).toEqual([0, 1, 2].map((i) => [expected.generated_ids[0][10 + i], expected.generated_ids[1][10 + i]]));
    const failing = async () => { for await (const t of model.stream(ids, { topP: 5 })) void t; };
    await expect(failing()).rejects.toThrow(/topP/);
  });

  it('onToken gets the step index; the caller\'s tensors stay usable afterwards', async () => {
    const model = await load();
    const seen: number[] = [];
    await model.generate(ids, { attentionMask: mask, maxNewTokens: 4, onToken: (_t, step) => seen.push(step) });
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(ids.toArray()).toEqual(c.get('input_ids')!.toArray());
    expect(mask.shape).toEqual([2, 10]);
  });

  // Each step's logits, masks, tokens and finished-row flags are freed as the loop goes: what
  // stays is what generate() returns. Counted after a warm-up call with the same options.
  it('frees every tensor of its steps: only the sequences (and scores) it returns stay', async () => {
    const model = await load();
    const optionSets: Record<string, unknown>[] = [
      { maxNewTokens: 6 },
      { maxNewTokens: 6, attentionMask: mask, eosTokenId: expected.generated_ids[0][11] },  // row 0 finishes early
      { maxNewTokens: 6, attentionMask: mask, doSample: true, topK: 5, topP: 0.9, temperature: 0.7, seed: 1 },
      { maxNewTokens: 6, repetitionPenalty: 1.3, onToken: () => undefined },
    ];
    for (const options of optionSets) {
      for (const round of [0, 1]) {
        const before = await settledLiveTensorCount();
        const out = await generate(model, ids, options);
        out.sequences.dispose();
        if (round === 1) expect(torch.liveTensorCount(), JSON.stringify(Object.keys(options))).toBe(before);
      }
    }
    const before = await settledLiveTensorCount();
    const scored = await model.generateWithScores(ids, { attentionMask: mask, maxNewTokens: 3 });
    expect(torch.liveTensorCount()).toBe(before + 1 + 3);
    [scored.sequences, ...scored.scores!].forEach((t) => t.dispose());
    expect(torch.liveTensorCount()).toBe(before);
  });

  it('model.generate() refuses outputScores (it returns only ids), pointing to generateWithScores()', async () => {
    const model = await load();
    await expect(model.generate(ids, { outputScores: true })).rejects.toThrow('generate: outputScores returns nothing here; call generateWithScores() to get the scores');
  });
});
