// Generation against transformers' greedy generate() (opt-causal fixture) and sampling checks.
import fs from 'fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { OPTForCausalLM } from '../../lib';
import { DEVICE, TOL, cases, dev, expectClose, fixture } from './helpers';

describe('OPTForCausalLM.generate', () => {
  const c = cases('opt-causal');
  const expected = JSON.parse(fs.readFileSync(fixture('opt-causal', 'expected.json'), 'utf8'));
  const load = async () => (await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false })).eval();

  it('greedy ids on a left-padded batch are identical to transformers, scores within 1e-5', async () => {
    const model = (await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false, device: DEVICE })).eval();
    const { sequences, scores } = await model.generateWithScores(dev(c.get('input_ids')!), { attentionMask: dev(c.get('attention_mask')!), maxNewTokens: 10 });
    expect(sequences.toArray()).toEqual(expected.generated_ids);
    expect(sequences.toArray()).toEqual(c.get('generated_ids')!.toArray());
    expectClose(torch.stack(scores!), c.get('generated_scores')!, TOL, 'generated_scores');
  });

  it('stops a row at EOS and pads it afterwards; stops when every row is done', async () => {
    const model = await load();
    // Pick as EOS the token greedy decoding emits third for row 0.
    const eos = (expected.generated_ids[0] as number[])[12];
    const out = (await model.generate(c.get('input_ids')!, { attentionMask: c.get('attention_mask')!, maxNewTokens: 10, eosTokenId: eos })).toArray() as number[][];
    const row0 = out[0].slice(10);
    const at = row0.indexOf(eos);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(row0.slice(at + 1).every((t) => t === 1)).toBe(true);
    const single = (await model.generate(c.get('input_ids')!.narrow(0, 0, 1), { maxNewTokens: 10, eosTokenId: eos })).toArray() as number[][];
    expect(single[0].length).toBe(10 + at + 1);
  });

  it('streams the same tokens through onToken and the async iterator', async () => {
    const model = await load();
    const inputs = { attentionMask: c.get('attention_mask')!, maxNewTokens: 5 };
    const seen: number[][] = [];
    const ids = (await model.generate(c.get('input_ids')!, { ...inputs, onToken: (t) => seen.push(t) })).toArray() as number[][];
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => [ids[0][10 + i], ids[1][10 + i]]));
    const streamed: number[][] = [];
    for await (const t of model.stream(c.get('input_ids')!, inputs)) streamed.push(t);
    expect(streamed).toEqual(seen);
  });

  it('sampling draws: reproducible with a seed, another seed draws other ids, not greedy; topK = 1 is greedy', async () => {
    const model = await load();
    const opts = { attentionMask: c.get('attention_mask')!, maxNewTokens: 8, doSample: true, temperature: 0.7, topP: 0.9, seed: 5 };
    const a = (await model.generate(c.get('input_ids')!, opts)).toArray();
    const b = (await model.generate(c.get('input_ids')!, opts)).toArray();
    expect(a).toEqual(b);
    const greedy = (await model.generate(c.get('input_ids')!, { attentionMask: c.get('attention_mask')!, maxNewTokens: 8 })).toArray();
    expect(a).not.toEqual(greedy);
    const other = (await model.generate(c.get('input_ids')!, { ...opts, seed: 6 })).toArray();
    expect(other).not.toEqual(a);
    const top1 = (await model.generate(c.get('input_ids')!, { ...opts, topK: 1 })).toArray();
    expect(top1).toEqual(greedy);
    // (test/generation/sampling.parity.test.ts checks the drawn ids against transformers.)
  });

  it('repetitionPenalty changes the greedy continuation that repeats tokens', async () => {
    const model = await load();
    const plain = (await model.generate(c.get('input_ids')!, { attentionMask: c.get('attention_mask')!, maxNewTokens: 10 })).toArray() as number[][];
    const penalised = (await model.generate(c.get('input_ids')!, { attentionMask: c.get('attention_mask')!, maxNewTokens: 10, repetitionPenalty: 5 })).toArray() as number[][];
    expect(penalised).not.toEqual(plain);
    const repeats = (row: number[]) => row.length - new Set(row).size;
    expect(repeats(penalised[0].slice(10))).toBeLessThan(repeats(plain[0].slice(10)));
  });

  it('rejects bad options by name', async () => {
    const model = await load();
    await expect(model.generate(c.get('input_ids')!, { maxNewToken: 3 } as never)).rejects.toThrow(/unknown option 'maxNewToken'/);
    await expect(model.generate(c.get('input_ids')!, { topP: 2 })).rejects.toThrow(/topP/);
  });
});
