// OPT against transformers 4.29.2 (fixtures computed by the real library).
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { OPTForCausalLM } from '../../lib';
import { DEVICE, TOL, cases, dev, expectClose, fixture } from './helpers';

/** Positions where the (left-padded) mask is 1: at fully masked rows HF's numbers are arbitrary. */
function attended(t: torch.Tensor, mask: torch.Tensor): torch.Tensor {
  t = t.cpu();
  const keep = mask.eq(1).unsqueeze(-1).expand(...t.shape);
  return torch.where(keep, t, 0);
}

describe('OPTForCausalLM matches transformers (opt-causal)', () => {
  const c = cases('opt-causal');
  const expected = JSON.parse(fs.readFileSync(fixture('opt-causal', 'expected.json'), 'utf8'));
  const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')! };

  it('logits, loss and last hidden state from model.safetensors (tied lm_head absent there)', async () => {
    const model = await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false, device: DEVICE });
    model.eval();
    expect(model.loadingInfo).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const out = await model.forward({ inputIds: dev(inputs.inputIds), attentionMask: dev(inputs.attentionMask), labels: dev(c.get('labels')!) });
    const mask = c.get('attention_mask')!;
    expectClose(attended(out.logits, mask), attended(c.get('logits')!, mask), TOL, 'logits');
    expectClose(attended(out.lastHiddenState, mask), attended(c.get('last_hidden_state')!, mask), TOL, 'last_hidden_state');
    expectClose(out.loss!, c.get('loss')!, TOL, 'loss');
    expect(model.numParameters()).toBe(expected.param_count);
    expect(String(model.model.decoder.layers[0].self_attn)).toBe(expected.repr_self_attn);
  });

  it('replicates transformers at left-padded positions too (clamped fully-masked rows)', async () => {
    const model = await OPTForCausalLM.fromPretrained(fixture('opt-causal'), { warn: false });
    model.eval();
    const out = model.forwardSync(inputs);
    expectClose(out.logits, c.get('logits')!, TOL, 'logits incl. padded positions');
  });

  it('fromPretrained of a folder holding only config.json + pytorch_model.bin (tied lm_head.weight inside): logits, loss, no unexpected keys', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-opt-'));
    for (const f of ['config.json', 'pytorch_model.bin']) fs.copyFileSync(fixture('opt-causal', f), path.join(dir, f));
    const { loadTorchBin } = await import('../../lib/io');
    expect((await loadTorchBin(path.join(dir, 'pytorch_model.bin'))).tensors.has('lm_head.weight')).toBe(true);
    const model = await OPTForCausalLM.fromPretrained(dir, { warn: false, device: DEVICE });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(model.loadingInfo).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const out = await model.forward({ inputIds: dev(inputs.inputIds), attentionMask: dev(inputs.attentionMask), labels: dev(c.get('labels')!) });
    const mask = c.get('attention_mask')!;
    expectClose(attended(out.logits, mask), attended(c.get('logits')!, mask), TOL, 'logits');
    expectClose(out.loss!, c.get('loss')!, TOL, 'loss');
    expect(model.numParameters()).toBe(expected.param_count);
    // lm_head stays tied to the embeddings: one parameter, the checkpoint's embed_tokens.
    expect(model.namedParameters().some(([n]) => n === 'lm_head.weight')).toBe(false);
  });
});
