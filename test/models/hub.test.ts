// Models by hub id from the local HuggingFace cache (models--ORG--NAME/refs/main + snapshots/),
// as transformers' from_pretrained finds them offline; nothing is downloaded.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isolateHubEnv } from '../hub-env';
import { AutoModelForCausalLM, AutoModelForSequenceClassification, BertForSequenceClassification, LoraConfig, OPTForCausalLM, getPeftModel } from '../../lib';
import { TOL, cases, expectClose, fixture } from './helpers';


/** A hub cache holding `id` (a copy of a fixture's config.json + one checkpoint file) at `commit`. */
function cache(root: string, id: string, from: string, files: string[], commit: string): string {
  const repo = path.join(root, `models--${id.replace('/', '--')}`);
  const snap = path.join(repo, 'snapshots', commit);
  fs.mkdirSync(snap, { recursive: true });
  for (const f of files) fs.copyFileSync(fixture(from, f), path.join(snap, f));
  fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'refs', 'main'), commit);
  return snap;
}

describe('fromPretrained by hub id in the local cache', () => {
  isolateHubEnv();
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-hub-'));
    process.env.XDG_CACHE_HOME = path.join(tmp, 'xdg');
    process.env.HF_HUB_CACHE = path.join(tmp, 'hub');
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('BERT by id: the snapshot refs/main names, the fixture\'s logits, nameOrPath = the id (PEFT writes it as base_model_name_or_path)', async () => {
    cache(process.env.HF_HUB_CACHE!, 'acme/tiny-bert', 'bert-seqcls', ['config.json'], 'old0');
    cache(process.env.HF_HUB_CACHE!, 'acme/tiny-bert', 'bert-seqcls', ['config.json', 'pytorch_model.bin'], 'main1');
    const c = cases('bert-seqcls');
    const inputs = { inputIds: c.get('input_ids')!, attentionMask: c.get('attention_mask')!, tokenTypeIds: c.get('token_type_ids')! };
    const model = await BertForSequenceClassification.fromPretrained('acme/tiny-bert', { warn: false });
    expect(model.nameOrPath).toBe('acme/tiny-bert');
    expect(model.loadingInfo).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectClose(model.forwardSync(inputs).logits, c.get('logits')!, TOL, 'logits');
    expect(getPeftModel(model, new LoraConfig({})).peftConfig.get('default')!.baseModelNameOrPath).toBe('acme/tiny-bert');
    const auto = await AutoModelForSequenceClassification.fromPretrained('acme/tiny-bert', { warn: false });
    expectClose(auto.forwardSync(inputs).logits, c.get('logits')!, TOL, 'AutoModelForSequenceClassification logits');
  });

  it('OPT by an id without organisation, through AutoModelForCausalLM', async () => {
    cache(process.env.HF_HUB_CACHE!, 'tiny-opt', 'opt-causal', ['config.json', 'model.safetensors'], 'abc');
    const model = await AutoModelForCausalLM.fromPretrained('tiny-opt', { warn: false });
    expect(model).toBeInstanceOf(OPTForCausalLM);
    const c = cases('opt-causal');
    const ids = await (model as OPTForCausalLM).generate(c.get('input_ids')!, { attentionMask: c.get('attention_mask')!, maxNewTokens: 10 });
    expect(ids.toArray()).toEqual(c.get('generated_ids')!.toArray());
  });

  it('an id found nowhere says where it looked', async () => {
    await expect(BertForSequenceClassification.fromPretrained('acme/missing', { warn: false })).rejects.toThrow(/Cannot find model 'acme\/missing'.*\n[\s\S]*models--acme--missing/);
  });
});
