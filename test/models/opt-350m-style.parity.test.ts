// An opt-350m-shaped OPT (project_in/project_out because word_embed_proj_dim != hidden_size;
// post-LayerNorm, no final_layer_norm) against PyTorch: test/models/data/make_opt_350m_style.py
// writes transformers 4.29's OPT forward out in plain PyTorch 1.13 (transformers is not available
// here) and saved the weights, logits, loss and greedy ids it computed.
import path from 'path';
import { describe, expect, it } from 'vitest';
import { OPTForCausalLM } from '../../lib';
import { loadSafetensorsSync } from '../../lib/io';
import { expectClose } from './helpers';

const DIR = path.join(__dirname, 'data', 'opt-350m-style');
const c = loadSafetensorsSync(path.join(DIR, 'expected.safetensors')).tensors;
const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')! };

describe('opt-350m-style OPT matches PyTorch', () => {
  it('builds project_in/out without final_layer_norm and loads every weight (lm_head tied)', async () => {
    const model = await OPTForCausalLM.fromPretrained(DIR, { warn: false });
    expect(model.loadingInfo).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const names = model.namedModules().map(([n]) => n);
    expect(names).toContain('model.decoder.project_in');
    expect(names).toContain('model.decoder.project_out');
    expect(names).not.toContain('model.decoder.final_layer_norm');
  });

  it('logits, loss and last hidden state (left-padded row included) within 1e-5', async () => {
    const model = (await OPTForCausalLM.fromPretrained(DIR, { warn: false })).eval();
    const out = await model.forward({ ...inputs, labels: c.get('labels')! });
    expectClose(out.logits, c.get('logits')!, 1e-5, 'logits');
    expectClose(out.loss!, c.get('loss')!, 1e-5, 'loss');
    expectClose(out.lastHiddenState, c.get('last_hidden_state')!, 1e-5, 'last_hidden_state (after project_out)');
  });

  it('greedy generation with the key/value cache gives the ids of full recomputation', async () => {
    const model = (await OPTForCausalLM.fromPretrained(DIR, { warn: false })).eval();
    const ids = await model.generate(inputs.inputIds, { attentionMask: inputs.attentionMask, maxNewTokens: 6 });
    expect(ids.toArray()).toEqual(c.get('generated_ids')!.toArray());
  });
});
