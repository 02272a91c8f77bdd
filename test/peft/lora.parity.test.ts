// LoRA against HuggingFace PEFT: adapters saved by PEFT 0.3.0 (.bin) and 0.13.2 (.safetensors),
// logits computed by PEFT + transformers (fixtures), tolerance 1e-5 absolute.
import fs from 'fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForSequenceClassification, LoraConfig, OPTForCausalLM, PeftModel, TaskType, getPeftModel } from '../../lib';
import { DEVICE, TOL, cases, dev, expectClose, fixture } from '../models/helpers';
const json = (...p: string[]) => JSON.parse(fs.readFileSync(fixture(...p), 'utf8'));

async function bertWithAdapter(adapterDir: string) {
  const base = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false, device: DEVICE });
  return PeftModel.fromPretrained(base, adapterDir);
}

describe('BERT + LoRA matches PEFT (bert-lora-default, PEFT 0.3.0 adapter_model.bin)', () => {
  const c = cases('bert-lora-default');
  const expected = json('bert-lora-default', 'expected.json');
  const inputs = { inputIds: dev(c.get('input_ids')!), attentionMask: dev(c.get('attention_mask')!), tokenTypeIds: dev(c.get('token_type_ids')!) };

  it('adapter logits and loss; disableAdapter gives the base logits', async () => {
    const peft = await bertWithAdapter(fixture('bert-lora-default', 'adapter'));
    const out = await peft.forward({ ...inputs, labels: dev(c.get('labels')!) });
    expectClose(out.logits, c.get('logits_adapter')!, TOL, 'logits_adapter');
    expectClose(out.loss!, c.get('loss_adapter')!, TOL, 'loss_adapter');
    const base = peft.disableAdapter(() => peft.forwardSync(inputs));
    expectClose(base.logits, c.get('logits_base')!, TOL, 'logits_base');
    expectClose(peft.forwardSync(inputs).logits, c.get('logits_adapter')!, TOL, 'adapter again after the scope');
  });

  it('merge, unmerge and mergeAndUnload', async () => {
    const peft = await bertWithAdapter(fixture('bert-lora-default', 'adapter'));
    const query = peft.baseModel.getSubmodule('bert.encoder.layer.0.attention.self.query.base_layer').namedParameters()[0][1];
    const original = query.clone();
    peft.merge(undefined, { safeMerge: true });
    expect(peft.merged).toBe(true);
    expectClose(query, c.get('merged_layer0_query_weight')!, TOL, 'merged_layer0_query_weight');
    expectClose(peft.forwardSync(inputs).logits, c.get('logits_merged')!, TOL, 'logits while merged');
    peft.unmerge();
    expectClose(query, original, 1e-6, 'weight restored by unmerge');
    const plain = peft.mergeAndUnload();
    expect(plain.namedModules().some(([, m]) => m.type.startsWith('lora.') || m.type === 'ModulesToSaveWrapper')).toBe(false);
    expect(String(plain.getSubmodule(expected.repr_module_path.replace('[0]', '.0')))).toBe(expected.repr_merged);
    expectClose(plain.forwardSync(inputs).logits, c.get('logits_merged')!, TOL, 'logits_merged');
  });

  it('merge() twice, or merge() then mergeAndUnload(), adds the adapter once (PEFT check_adapters_to_merge)', async () => {
    const peft = await bertWithAdapter(fixture('bert-lora-default', 'adapter'));
    peft.merge();
    peft.merge();
    const query = peft.baseModel.getSubmodule('bert.encoder.layer.0.attention.self.query.base_layer').namedParameters()[0][1];
    expectClose(query, c.get('merged_layer0_query_weight')!, TOL, 'weight after two merges');
    const plain = peft.mergeAndUnload();
    expectClose(plain.forwardSync(inputs).logits, c.get('logits_merged')!, TOL, 'logits after merge + mergeAndUnload');
  });

  it('module repr after injection is current PEFT\'s', async () => {
    const peft = await bertWithAdapter(fixture('bert-lora-default', 'adapter'));
    const now = json('bert-lora-peft013', 'expected.json');
    expect(String(peft.baseModel.bert.encoder.layer[0].attention.self)).toBe(now.repr_after);
  });

  it('the same tensors as safetensors (adapter_copy.safetensors) load to the same logits', async () => {
    const dir = fs.mkdtempSync('/tmp/node-peft-adapter-');
    fs.copyFileSync(fixture('bert-lora-default', 'adapter', 'adapter_config.json'), `${dir}/adapter_config.json`);
    fs.copyFileSync(fixture('bert-lora-default', 'adapter_copy.safetensors'), `${dir}/adapter_model.safetensors`);
    const peft = await bertWithAdapter(dir);
    expectClose(peft.forwardSync(inputs).logits, c.get('logits_adapter')!, TOL, 'logits_adapter');
  });
});

describe('current PEFT format (bert-lora-peft013, PEFT 0.13.2)', () => {
  const c = cases('bert-lora-peft013');
  const expected = json('bert-lora-peft013', 'expected.json');
  const inputs = { inputIds: cases('bert-lora-default').get('input_ids')!, attentionMask: cases('bert-lora-default').get('attention_mask')!, tokenTypeIds: cases('bert-lora-default').get('token_type_ids')! };

  it('loads the adapter; counts and prints trainable parameters as current PEFT does', async () => {
    const base = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
    const peft = await PeftModel.fromPretrained(base, fixture('bert-lora-peft013', 'adapter'), { isTrainable: true });
    expectClose(peft.forwardSync(inputs).logits, c.get('logits_adapter')!, TOL, 'logits_adapter');
    peft.eval();
    expectClose((await peft.forward({ ...inputs, labels: cases('bert-lora-default').get('labels')! })).loss!, c.get('loss_adapter')!, TOL, 'loss_adapter');
    expect(peft.getNbTrainableParameters()).toEqual({ trainable: expected.trainable_params, all: expected.all_params });
    expect(peft.trainableParametersLine()).toBe(expected.printed_line);
    expect([...peft.getAdapterStateDict().keys()].sort()).toEqual([...expected.adapter_state_dict_keys].sort());
  });

  it('getPeftModel with the same config gives the same structure, counts and keys', async () => {
    const base = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
    const peft = getPeftModel(base, new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraAlpha: 8, loraDropout: 0 }));
    expect(peft.getNbTrainableParameters()).toEqual({ trainable: expected.trainable_params, all: expected.all_params });
    expect(peft.trainableParametersLine()).toBe(expected.printed_line);
    expect(String(peft.baseModel.bert.encoder.layer[0].attention.self)).toBe(expected.repr_after);
    expect([...peft.getAdapterStateDict().keys()].sort()).toEqual([...expected.adapter_state_dict_keys].sort());
    // B starts at zero: a fresh adapter does not change the outputs.
    expectClose(peft.forwardSync(inputs).logits, cases('bert-lora-default').get('logits_base')!, TOL, 'fresh adapter = base');
  });

  it('merged logits of the PEFT 0.13.2 adapter (merge_and_unload) match logits_merged', async () => {
    const base = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
    const peft = await PeftModel.fromPretrained(base, fixture('bert-lora-peft013', 'adapter'));
    peft.merge(undefined, { safeMerge: true });
    expectClose(peft.forwardSync(inputs).logits, c.get('logits_merged')!, TOL, 'logits while merged');
    const again = await PeftModel.fromPretrained(await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false }), fixture('bert-lora-peft013', 'adapter'));
    expectClose(again.mergeAndUnload().forwardSync(inputs).logits, c.get('logits_merged')!, TOL, 'logits_merged');
  });
});

describe('OPT + LoRA matches PEFT (opt-lora-default)', () => {
  const c = cases('opt-lora-default');
  const expected = json('opt-lora-default', 'expected.json');
  const inputs = { inputIds: dev(c.get('input_ids')!), attentionMask: dev(c.get('attention_mask')!) };
  const attended = (t: torch.Tensor) => torch.where(c.get('attention_mask')!.eq(1).unsqueeze(-1).expand(...t.shape), t.cpu(), 0);

  it('adapter, base and merged logits; greedy generation ids identical', async () => {
    const base = await OPTForCausalLM.fromPretrained(fixture('opt-lora-default'), { warn: false, device: DEVICE });
    const peft = await PeftModel.fromPretrained(base, fixture('opt-lora-default', 'adapter'));
    const out = await peft.forward({ ...inputs, labels: dev(c.get('labels')!) });
    expectClose(attended(out.logits), attended(c.get('logits_adapter')!), TOL, 'logits_adapter');
    expectClose(out.loss!, c.get('loss_adapter')!, TOL, 'loss_adapter');
    const gen = (p: PeftModel) => p.generate(inputs.inputIds, { attentionMask: inputs.attentionMask, maxNewTokens: expected.generate_kwargs.max_new_tokens });
    expect((await gen(peft)).toArray()).toEqual(expected.generated_ids_adapter);
    const { sequences, scores } = await (peft.baseModel as OPTForCausalLM).generateWithScores(inputs.inputIds, { attentionMask: inputs.attentionMask, maxNewTokens: expected.generate_kwargs.max_new_tokens });
    expect(sequences.toArray()).toEqual(expected.generated_ids_adapter);
    expectClose(torch.stack(scores!), c.get('generated_scores_adapter')!, TOL, 'generated_scores_adapter');
    expect((await peft.disableAdapter(() => gen(peft))).toArray()).toEqual(expected.generated_ids_base);
    expectClose(attended(peft.disableAdapter(() => peft.forwardSync(inputs)).logits), attended(c.get('logits_base')!), TOL, 'logits_base');
    peft.merge();
    expectClose(attended(peft.forwardSync(inputs).logits), attended(c.get('logits_merged')!), TOL, 'logits_merged');
    expect((await gen(peft)).toArray()).toEqual(expected.generated_ids_merged);
    expect(peft.getNbTrainableParameters().all).toBe(expected.all_params);
    expect([...peft.getAdapterStateDict().keys()].sort()).toEqual([...expected.adapter_state_dict_keys].sort());
    // (The fixture's repr_self_attn_after is PEFT 0.3.0's layout; node-peft prints current PEFT's, checked above on BERT.)
  });

  it('getPeftModel with the fixture\'s LoraConfig: PEFT\'s trainable and total counts, printed in current PEFT\'s format', async () => {
    const base = await OPTForCausalLM.fromPretrained(fixture('opt-lora-default'), { warn: false });
    const cfg = expected.lora_config;
    const peft = getPeftModel(base, new LoraConfig({ taskType: cfg.task_type, r: cfg.r, loraAlpha: cfg.lora_alpha, loraDropout: cfg.lora_dropout }));
    expect(peft.getNbTrainableParameters()).toEqual({ trainable: expected.trainable_params, all: expected.all_params });
    // PEFT 0.3.0 printed "trainable params: 2048 || all params: 53312 || trainable%: 3.84153661..."; current PEFT
    // prints the same numbers with thousands separators and 4 decimals.
    const [trainable, all, percent] = (expected.printed_line as string).match(/[\d.]+/g)!.map(Number);
    const fmt = (n: number) => n.toLocaleString('en-US');
    expect(peft.trainableParametersLine()).toBe(`trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${percent.toFixed(4)}`);
    expect(peft.trainableParametersLine()).toBe('trainable params: 2,048 || all params: 53,312 || trainable%: 3.8415');
    expect([...peft.getAdapterStateDict().keys()].sort()).toEqual([...expected.adapter_state_dict_keys].sort());
  });
});
