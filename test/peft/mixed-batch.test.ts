// Mixed-adapter batches (PEFT's adapter_names): every row of one batched forward or generate()
// runs with its own adapter, and must give what that row gives alone under setAdapter (or with
// adapters disabled for '__base__').
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertForSequenceClassification, LoraConfig, OPTForCausalLM, PeftModel, TaskType, type Tensor } from '../../lib';
import { cases, expectClose, fixture } from '../models/helpers';

const TOL = 1e-5;

/** Gives the adapter's LoRA B (and its modules_to_save copies) random values so it changes the outputs. */
function randomize(peft: PeftModel, adapter: string, seed: number): void {
  torch.manualSeed(seed);
  torch.noGrad(() => {
    for (const [name, t] of peft.baseModel.namedParameters()) {
      if (name.includes(`.lora_B.${adapter}.`) || name.includes(`.modules_to_save.${adapter}.`)) t.copy_(torch.randn(t.shape).mul(0.05));
    }
  });
}

/** Rows `rows` of a [batch, ...] tensor, as a new batch. */
const pick = (t: torch.Tensor, rows: number[]) => t.indexSelect(0, torch.tensor(rows, { dtype: 'int64' }));

/** What row `i` gives alone, with its adapter made active (or adapters disabled for '__base__'). */
async function alone<R>(peft: PeftModel, adapter: string, run: () => Promise<R>): Promise<R> {
  if (adapter === '__base__') return peft.disableAdapter(run);
  peft.setAdapter(adapter);
  return run();
}

describe('mixed-adapter batches on BERT sequence classification (LoRA layers + modules_to_save classifier)', () => {
  const c = cases('bert-lora-default');
  const rows = [0, 1, 2, 0, 1];
  const names = ['a', 'b', '__base__', 'b', 'c'];
  const batch = {
    inputIds: pick(c.get('input_ids')!, rows),
    attentionMask: pick(c.get('attention_mask')!, rows),
    tokenTypeIds: pick(c.get('token_type_ids')!, rows),
  };

  async function model(): Promise<PeftModel> {
    const base = await BertForSequenceClassification.fromPretrained(fixture('bert-lora-default'), { warn: false });
    const peft = await PeftModel.fromPretrained(base, fixture('bert-lora-default', 'adapter'), { adapterName: 'a' });
    peft.addAdapter('b', new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 8, loraAlpha: 16, targetModules: ['query', 'value', 'dense'] }));
    // 'c' targets only the keys and has a classifier copy: other layers must leave its rows alone.
    peft.addAdapter('c', new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 2, loraAlpha: 4, targetModules: ['key'] }));
    randomize(peft, 'b', 11);
    randomize(peft, 'c', 12);
    return peft.eval();
  }

  /** Each row of a mixed batch against that row run alone with its adapter (logits, last hidden state). */
  async function expectRowsAlone(peft: PeftModel, adapterNames: string[], mixed: { logits: Tensor; lastHiddenState?: Tensor }): Promise<void> {
    for (let i = 0; i < rows.length; i++) {
      const one = { inputIds: pick(batch.inputIds, [i]), attentionMask: pick(batch.attentionMask, [i]), tokenTypeIds: pick(batch.tokenTypeIds, [i]) };
      const expected = await alone(peft, adapterNames[i], () => peft.forward(one));
      expectClose(pick(mixed.logits, [i]), expected.logits, TOL, `row ${i} (${adapterNames[i]}) logits`);
      expectClose(pick(mixed.lastHiddenState!, [i]), expected.lastHiddenState!, TOL, `row ${i} (${adapterNames[i]}) last hidden state`);
    }
  }

  it('logits of every row equal the row run alone with setAdapter / disableAdapter, within 1e-5', async () => {
    const peft = await model();
    const mixed = await peft.forward({ ...batch, adapterNames: names });
    await expectRowsAlone(peft, names, mixed);
    // The adapters really differ, so the test would see a row routed to the wrong one.
    const a = pick(mixed.logits, [0]), b = pick((await peft.forward({ ...batch, adapterNames: rows.map(() => 'b') })).logits, [0]);
    expect(a.sub(b).abs().max().item()).toBeGreaterThan(1e-3);
  });

  it('with four adapters targeting the same layers in one batch every row equals the row run alone, within 1e-5', async () => {
    const peft = await model();
    const config = () => new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraAlpha: 8, targetModules: ['query', 'value'] });
    peft.addAdapter('d', config());
    peft.addAdapter('e', new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraAlpha: 2, targetModules: ['query', 'value'] }));
    peft.addAdapter('f', config());
    randomize(peft, 'd', 31);
    randomize(peft, 'e', 32);
    randomize(peft, 'f', 33);
    peft.eval();
    const four = ['d', 'e', '__base__', 'f', 'a'];
    await expectRowsAlone(peft, four, await peft.forward({ ...batch, adapterNames: four }));
  });

  it('forwardSync takes adapterNames too, and a batch of one adapter equals setAdapter exactly', async () => {
    const peft = await model();
    const mixed = peft.forwardSync({ ...batch, adapterNames: names });
    const asyncMixed = await peft.forward({ ...batch, adapterNames: names });
    expectClose(mixed.logits, asyncMixed.logits, 0, 'sync vs async');
    peft.setAdapter('b');
    const all = peft.forwardSync(batch).logits;
    expectClose(peft.forwardSync({ ...batch, adapterNames: rows.map(() => 'b') }).logits, all, 0, 'all rows b');
  });

  it('concurrent forwards with different routings do not see each other\'s (the routing travels with the call)', async () => {
    const peft = await model();
    const orders = [names, [...names].reverse(), rows.map(() => '__base__'), rows.map(() => 'c')];
    const expected = await Promise.all(orders.map((n) => peft.forward({ ...batch, adapterNames: n })));
    for (let round = 0; round < 3; round++) {
      const outs = await Promise.all(orders.flatMap((n) => [peft.forward({ ...batch, adapterNames: n }), peft.forward({ ...batch, adapterNames: n })]));
      outs.forEach((out, k) => expectClose(out.logits, expected[k >> 1].logits, 0, `order ${k >> 1}`));
    }
  });

  it('refuses bad adapterNames with an error that names the problem', async () => {
    const peft = await model();
    await expect(peft.forward({ ...batch, adapterNames: ['a', 'b', 'x', 'a', 'y'] })).rejects.toThrow(/unknown adapter\(s\) 'x', 'y'; loaded adapters: a, b, c/);
    expect(() => peft.forwardSync({ ...batch, adapterNames: ['a', 'b'] })).toThrow(/has 2 names but the batch has 5 rows/);
    expect(() => peft.forwardSync({ ...batch, adapterNames: ['a', 'b', 3, 'a', 'b'] as unknown as string[] })).toThrow(/adapterNames\[2\]: expected an adapter name/);
    expect(() => peft.forwardSync({ ...batch, adapterNames: 'a' as unknown as string[] })).toThrow(/adapterNames: expected an array of 5 adapter names/);
    peft.train();
    expect(() => peft.forwardSync({ ...batch, adapterNames: names })).toThrow(/training mode; call eval\(\) first/);
    peft.eval();
    peft.setAdapter('a');
    peft.merge();
    expect(() => peft.forwardSync({ ...batch, adapterNames: names })).toThrow(/adapters are merged; call unmerge\(\) first/);
    peft.unmerge();
    expect(peft.forwardSync({ ...batch, adapterNames: names }).logits.shape).toEqual([5, 3]);
  });

  it('a modules_to_save module that is not tensor-to-tensor (the BERT pooler) is refused, as PEFT refuses non-Linear/Embedding/Conv ones', async () => {
    const peft = await model();
    peft.addAdapter('p', new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 2, modulesToSave: ['pooler'] }));
    peft.eval();
    await expect(peft.forward({ ...batch, adapterNames: names })).rejects.toThrow(/only supported for modules_to_save that map one tensor to one tensor .*not BertPooler/);
    peft.setAdapter('p');
    expect(peft.forwardSync(batch).logits.shape).toEqual([5, 3]);  // without adapterNames it runs as before
  });
});

describe('mixed-adapter batches on OPT causal LM', () => {
  const c = cases('opt-lora-default');
  const rows = [0, 1, 1, 0];
  const names = ['a', '__base__', 'b', 'b'];
  const batch = { inputIds: pick(c.get('input_ids')!, rows), attentionMask: pick(c.get('attention_mask')!, rows) };

  async function model(): Promise<PeftModel> {
    const base = await OPTForCausalLM.fromPretrained(fixture('opt-lora-default'), { warn: false });
    const peft = await PeftModel.fromPretrained(base, fixture('opt-lora-default', 'adapter'), { adapterName: 'a' });
    peft.addAdapter('b', new LoraConfig({ taskType: TaskType.CAUSAL_LM, r: 4, loraAlpha: 8, targetModules: ['q_proj', 'v_proj', 'fc1'] }));
    randomize(peft, 'b', 21);
    return peft.eval();
  }
  const row = (i: number) => ({ inputIds: pick(batch.inputIds, [i]), attentionMask: pick(batch.attentionMask, [i]) });

  it('logits of every (left-padded) row equal the row run alone with setAdapter / disableAdapter, within 1e-5', async () => {
    const peft = await model();
    const mixed = await peft.forward({ ...batch, adapterNames: names });
    for (let i = 0; i < rows.length; i++) {
      const expected = await alone(peft, names[i], () => peft.forward(row(i)));
      expectClose(pick(mixed.logits, [i]), expected.logits, TOL, `row ${i} (${names[i]}) logits`);
    }
  });

  it('under autocast (bfloat16) each row still matches its own adapter run alone (within bfloat16 precision)', async () => {
    const peft = await model();
    const mixed = await peft.forward({ ...batch, adapterNames: names, autocast: 'bfloat16' });
    expect(mixed.logits.dtype).toBe('bfloat16');
    for (let i = 0; i < rows.length; i++) {
      const expected = await alone(peft, names[i], () => peft.forward({ ...row(i), autocast: 'bfloat16' }));
      expectClose(pick(mixed.logits, [i]), expected.logits, 5e-2, `row ${i} (${names[i]}) bfloat16 logits`);
    }
  });

  it('generate with the KV cache and left padding: each row\'s ids and scores equal its own generation', async () => {
    const peft = await model();
    const lm = peft.baseModel as OPTForCausalLM;
    const mixed = await lm.generateWithScores(batch.inputIds, { attentionMask: batch.attentionMask, maxNewTokens: 8, adapterNames: names });
    for (let i = 0; i < rows.length; i++) {
      const expected = await alone(peft, names[i], () => lm.generateWithScores(row(i).inputIds, { attentionMask: row(i).attentionMask, maxNewTokens: 8 }));
      expect(pick(mixed.sequences, [i]).toArray(), `row ${i} (${names[i]}) ids`).toEqual(expected.sequences.toArray());
      expectClose(torch.stack(mixed.scores!.map((s) => pick(s, [i]))), torch.stack(expected.scores!), TOL, `row ${i} (${names[i]}) scores`);
    }
    // PeftModel.generate and stream() route the same way.
    const viaPeft = await peft.generate(batch.inputIds, { attentionMask: batch.attentionMask, maxNewTokens: 8, adapterNames: names });
    expect(viaPeft.toArray()).toEqual(mixed.sequences.toArray());
    const streamed: number[][] = [];
    for await (const tokens of lm.stream(batch.inputIds, { attentionMask: batch.attentionMask, maxNewTokens: 8, adapterNames: names })) streamed.push(tokens);
    expect(streamed.map((t) => t[2])).toEqual(mixed.sequences.toArray()[2].slice(batch.inputIds.shape[1]));
  });

  it('generate refuses adapterNames of the wrong length or with unknown names', async () => {
    const peft = await model();
    await expect(peft.generate(batch.inputIds, { attentionMask: batch.attentionMask, adapterNames: ['a'] })).rejects.toThrow(/generate: adapterNames: has 1 names but the batch has 4 rows/);
    await expect(peft.generate(batch.inputIds, { attentionMask: batch.attentionMask, adapterNames: ['a', 'a', 'zz', 'a'] })).rejects.toThrow(/unknown adapter\(s\) 'zz'; loaded adapters: a, b/);
  });
});
