// Sampling against transformers 4.29.2 (fixture opt-sampling): generate(do_sample=True) on the
// opt-causal checkpoint, right after torch.manual_seed(seed). transformers draws with
// torch.multinomial on the global CPU generator after its processors (repetition penalty, then
// temperature, top-k, top-p), so the same processors on the same libtorch draw the same ids.
import fs from 'fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { OPTForCausalLM } from '../../lib';
import { fixture } from '../models/helpers';

interface SamplingCase {
  settings: { seed: number; temperature: number; top_k: number; top_p: number; repetition_penalty: number };
  sequences: number[][];
}
const expected = JSON.parse(fs.readFileSync(fixture('opt-sampling', 'expected.json'), 'utf8')) as {
  input_ids: number[][]; attention_mask: number[][]; max_new_tokens: number; cases: SamplingCase[];
};

describe('OPTForCausalLM.generate({ doSample: true }) draws the ids transformers drew (opt-sampling)', () => {
  const load = async () => (await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false })).eval();
  const inputIds = torch.tensor(expected.input_ids, { dtype: 'int64' });
  const attentionMask = torch.tensor(expected.attention_mask, { dtype: 'int64' });

  for (const c of expected.cases) {
    const s = c.settings;
    it(`seed ${s.seed}, temperature ${s.temperature}, topK ${s.top_k}, topP ${s.top_p}, repetitionPenalty ${s.repetition_penalty}: identical sequences`, async () => {
      const model = await load();
      const options = { attentionMask, maxNewTokens: expected.max_new_tokens, doSample: true, temperature: s.temperature, topK: s.top_k, topP: s.top_p, repetitionPenalty: s.repetition_penalty };
      expect((await model.generate(inputIds, { ...options, seed: s.seed })).toArray()).toEqual(c.sequences);
      // The seed option is torch.manual_seed right before generate.
      torch.manualSeed(s.seed);
      expect((await model.generate(inputIds, options)).toArray()).toEqual(c.sequences);
    });
  }

  it('the sampled sequences are not the greedy ones (each case draws something greedy decoding does not)', async () => {
    const model = await load();
    const greedy = (await model.generate(inputIds, { attentionMask, maxNewTokens: expected.max_new_tokens })).toArray();
    for (const c of expected.cases) expect(c.sequences, JSON.stringify(c.settings)).not.toEqual(greedy);
  });
});
