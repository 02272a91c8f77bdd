// AdamW and clipGradNorm against PyTorch: the bert-train-trace fixture's losses, gradient norms
// (before clipping) and final weights, reproduced with a plain loop (forward, backward,
// clipGradNorm, AdamW.step, zeroGrad). Tolerances: 1e-5 for losses and norms, 1e-4 for weights.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { AdamW, clipGradNorm } from '../../lib';
import { expectClose } from '../models/helpers';
import { trace, traceExpected, traceInputs, traceLoraModel, traceModel } from './helpers';

const c = trace();
const expected = traceExpected();
const inputs = traceInputs(c);

async function run(named: [string, torch.Tensor][], forward: () => Promise<torch.ModelOutput>, steps: number) {
  const trainable = named.filter(([, t]) => t.requiresGrad);
  const optimizer = new AdamW(trainable, { lr: 1e-3, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8 });
  const losses: number[] = [];
  const norms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { loss } = await forward();
    losses.push(loss!.item() as number);
    await loss!.backwardAsync();
    norms.push(clipGradNorm(trainable, 1.0).item() as number);
    optimizer.step();
    optimizer.zeroGrad();
  }
  const after = (await torch.noGrad(() => forward())).loss!.item() as number;
  return { losses, norms, after, trainable };
}

function expectTrace(kind: 'lora' | 'full' | 'top', r: { losses: number[]; norms: number[]; after: number }) {
  r.losses.forEach((l, i) => expect(Math.abs(l - expected[kind].losses[i]), `${kind} loss ${i}`).toBeLessThan(1e-5));
  r.norms.forEach((n, i) => expect(Math.abs(n - expected[kind].grad_norms[i]), `${kind} grad norm ${i}`).toBeLessThan(1e-5));
  expect(Math.abs(r.after - expected[kind].loss_after), `${kind} loss after training`).toBeLessThan(1e-5);
}

describe('AdamW + clipGradNorm reproduce PyTorch 1.13 (bert-train-trace)', () => {
  it('LoRA r=4 on query/value, classifier in modules_to_save: 3 steps, losses, norms and the final adapter', async () => {
    const peft = await traceLoraModel(c);
    const r = await run(peft.namedParameters(), () => peft.forward(inputs), 3);
    expectTrace('lora', r);
    const adapter = peft.getAdapterStateDict();
    const finals = [...c.keys()].filter((k) => k.startsWith('lora.final.'));
    expect(finals.length).toBe(10);
    for (const key of finals) expectClose(adapter.get(key.slice('lora.final.'.length))!, c.get(key)!, 1e-4, key);
  });

  it('full fine-tuning: 2 steps, every parameter', async () => {
    const model = await traceModel();
    const r = await run(model.namedParameters(), () => model.forward(inputs), 2);
    expect(r.trainable.map(([n]) => n)).toEqual(expected.full.trainable_parameter_names);
    expectTrace('full', r);
    const params = new Map(model.namedParameters());
    for (const key of [...c.keys()].filter((k) => k.startsWith('full.final.'))) expectClose(params.get(key.slice('full.final.'.length))!, c.get(key)!, 1e-4, key);
  });

  it('top layer + classifier only (bert frozen, encoder.layer[-1] unfrozen): 2 steps', async () => {
    const model = await traceModel();
    model.bert.requiresGrad_(false);
    model.bert.encoder.layer[-1].requiresGrad_(true);
    const r = await run(model.namedParameters(), () => model.forward(inputs), 2);
    expect(r.trainable.map(([n]) => n)).toEqual(expected.top.trainable_parameter_names);
    expectTrace('top', r);
    const params = new Map(model.namedParameters());
    const finals = [...c.keys()].filter((k) => k.startsWith('top.final.'));
    expect(finals.length).toBe(expected.top.trainable_parameter_names.length);
    for (const key of finals) expectClose(params.get(key.slice('top.final.'.length))!, c.get(key)!, 1e-4, key);
  });
});
