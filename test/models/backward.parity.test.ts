// Gradients against PyTorch, with autograd alone (no optimizer, no clipGradNorm): the
// bert-train-trace fixture's loss before the first step and the global gradient norm
// sqrt(Σ‖∂loss/∂p‖²) over the trainable parameters, for LoRA, full and top-layer training.
// (test/optim/trace.test.ts replays the whole trace with AdamW and clipGradNorm.)
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { trace, traceExpected, traceInputs, traceLoraModel, traceModel } from '../optim/helpers';

const c = trace();
const expected = traceExpected();
const inputs = traceInputs(c);

async function step0(named: [string, torch.Tensor][], forward: () => Promise<torch.ModelOutput>) {
  const { loss } = await forward();
  await loss!.backwardAsync();
  const trainable = named.filter(([, t]) => t.requiresGrad);
  let sumSquares = 0;
  for (const [name, t] of trainable) {
    expect(t.grad, `${name} has a gradient`).not.toBeNull();
    sumSquares += torch.tidy(() => t.grad!.double().pow(2).sum().item() as number);
  }
  const frozenWithGrad = named.filter(([, t]) => !t.requiresGrad && t.grad !== null).map(([n]) => n);
  return { loss: loss!.item() as number, norm: Math.sqrt(sumSquares), frozenWithGrad };
}

function expectStep0(kind: 'lora' | 'full' | 'top', r: { loss: number; norm: number; frozenWithGrad: string[] }) {
  expect(Math.abs(r.loss - expected[kind].losses[0]), `${kind} loss ${r.loss} vs ${expected[kind].losses[0]}`).toBeLessThan(1e-5);
  expect(Math.abs(r.norm - expected[kind].grad_norms[0]), `${kind} grad norm ${r.norm} vs ${expected[kind].grad_norms[0]}`).toBeLessThan(1e-5);
  expect(r.frozenWithGrad).toEqual([]);
}

describe('loss and gradient norm before the first step match PyTorch (bert-train-trace)', () => {
  it('LoRA r=4 on query/value + classifier copy: loss and ‖grad‖ of the adapter', async () => {
    const peft = await traceLoraModel(c);
    expectStep0('lora', await step0(peft.namedParameters(), () => peft.forward(inputs)));
  });

  it('full fine-tuning: loss and ‖grad‖ of every parameter', async () => {
    const model = await traceModel();
    expectStep0('full', await step0(model.namedParameters(), () => model.forward(inputs)));
  });

  it('top layer + classifier: loss and ‖grad‖, frozen parameters get no gradient', async () => {
    const model = await traceModel();
    model.bert.requiresGrad_(false);
    model.bert.encoder.layer[-1].requiresGrad_(true);
    expectStep0('top', await step0(model.namedParameters(), () => model.forward(inputs)));
  });
});
