// BERT against transformers 4.29.2: the fixtures' outputs were computed by the real library.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForSequenceClassification, BertModel } from '../../lib';
import { DEVICE, TOL, cases, dev, expectClose, fixture } from './helpers';

describe('BertForSequenceClassification matches transformers (bert-seqcls)', () => {
  const c = cases('bert-seqcls');
  const expected = JSON.parse(fs.readFileSync(fixture('bert-seqcls', 'expected.json'), 'utf8'));

  /** A copy of the fixture folder with only config.json and the one checkpoint file. */
  function onlyFile(file: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-bert-'));
    for (const f of ['config.json', file]) fs.copyFileSync(fixture('bert-seqcls', f), path.join(dir, f));
    return dir;
  }

  for (const source of ['model.safetensors', 'pytorch_model.bin']) {
    it(`fromPretrained of a folder holding only config.json + ${source}: logits, loss, hidden states, pooler output, loadingInfo`, async () => {
      const dir = onlyFile(source);
      const model = await BertForSequenceClassification.fromPretrained(dir, { warn: false, device: DEVICE });
      fs.rmSync(dir, { recursive: true, force: true });
      model.eval();
      const out = await model.forward({
        inputIds: dev(c.get('input_ids')!), attentionMask: dev(c.get('attention_mask')!), tokenTypeIds: dev(c.get('token_type_ids')!),
        labels: dev(c.get('labels')!), outputHiddenStates: true,
      });
      expectClose(out.logits, c.get('logits')!, TOL, 'logits');
      expectClose(out.loss!, c.get('loss')!, TOL, 'loss');
      expectClose(out.lastHiddenState, c.get('last_hidden_state')!, TOL, 'last_hidden_state');
      expectClose(out.poolerOutput!, c.get('pooler_output')!, TOL, 'pooler_output');
      expectClose(torch.stack(out.hiddenStates!).cpu(), c.get('hidden_states')!, TOL, 'hidden_states');
      expect(model.loadingInfo).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(model.numParameters()).toBe(expected.param_count);
    });
  }

  it('BertModel from a .bin-only folder reports the classifier as unexpected, as transformers does', async () => {
    const dir = onlyFile('pytorch_model.bin');
    const model = await BertModel.fromPretrained(dir, { warn: false });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(model.loadingInfo.missingKeys).toEqual([]);
    expect(model.loadingInfo.unexpectedKeys.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    const out = model.forwardSync({ inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')! });
    expectClose(out.lastHiddenState, c.get('last_hidden_state')!, TOL, 'last_hidden_state');
  });

  it('prints the module tree as PyTorch does', async () => {
    const model = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { warn: false });
    expect(model.getSubmodule('bert.encoder.layer.0.attention.self').toString()).toBe(expected.repr_attention_self);
    expect(String(model.bert.encoder.layer[0].attention.self)).toBe(expected.repr_attention_self);
    expect(model.bert.encoder.layer[-1].type).toBe('BertLayer');
  });

  it('forwardSync gives the same logits; train() enables dropout', async () => {
    const model = await BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { warn: false });
    model.eval();
    const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')! };
    expectClose(model.forwardSync(inputs).logits, c.get('logits')!, TOL, 'logits');
    model.train();
    expect(model.training).toBe(true);
    torch.manualSeed(1);
    const a = model.forwardSync(inputs).logits;
    const b = model.forwardSync(inputs).logits;
    expect(torch.tidy(() => a.sub(b).abs().max().item() as number)).toBeGreaterThan(0);
  });

  it('loads the base BertModel from a checkpoint with the bert. prefix, reporting the head as unexpected', async () => {
    const model = await BertModel.fromPretrained(fixture('bert-seqcls'), { warn: false });
    expect(model.loadingInfo.missingKeys).toEqual([]);
    expect(model.loadingInfo.unexpectedKeys.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    model.eval();
    const out = model.forwardSync({ inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')! });
    expectClose(out.lastHiddenState, c.get('last_hidden_state')!, TOL, 'last_hidden_state');
  });
});
