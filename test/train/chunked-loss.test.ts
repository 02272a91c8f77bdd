// OPT's causal-LM loss in training is computed without the [tokens × vocab] logits (lm_head +
// cross-entropy in row chunks, native/nn/linear_cross_entropy.cc). It must give the loss and the
// gradients of the plain path (logits, then cross_entropy) within 1e-5.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { LoraConfig, TaskType, dataCollatorForLanguageModeling, getPeftModel, trainingStep } from '../../lib';
import { maxDiff, snapshot, tinyOpt } from './helpers';

// 50,272 tokens (OPT's vocabulary) makes the chunks 333 rows: a 6 × 64 batch (378 rows) spans two.
const VOCAB = 50272;
function batch() {
  const ids = Array.from({ length: 6 }, (_, r) => Array.from({ length: 64 }, (_, j) => 2 + ((r * 977 + j * 131) % (VOCAB - 2))));
  ids[1].splice(50, 14, ...new Array(14).fill(1));  // right padding: labels -100 there
  return dataCollatorForLanguageModeling({ padTokenId: 1 })(ids.map((inputIds) => ({ inputIds: inputIds.filter((t, i) => t !== 1 || i < 50) })));
}

function grads(named: [string, torch.Tensor][]) {
  return snapshot(named.filter(([, t]) => t.grad !== null).map(([n, t]) => [n, t.grad!]));
}

async function compare(model: ReturnType<typeof tinyOpt>, named: () => [string, torch.Tensor][]) {
  const b = batch();
  model.eval();
  const plain = await model.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask, labels: b.labels! });
  expect(plain.logits.shape).toEqual([6, 64, VOCAB]);
  await plain.loss!.backwardAsync();
  const expected = grads(named());
  named().forEach(([, t]) => t.zeroGrad());
  const fused = await trainingStep(model, b);
  expect(Math.abs(fused.loss - (plain.loss!.item() as number))).toBeLessThan(1e-5);
  const actual = grads(named());
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  expect(actual.size).toBeGreaterThan(0);
  for (const [name, g] of expected) expect(maxDiff(actual.get(name)!, g), name).toBeLessThan(1e-5);
}

describe('chunked lm_head + cross-entropy equals the plain path', () => {
  it('full fine-tuning: loss and every gradient (the tied embedding / lm_head weight included)', async () => {
    const model = tinyOpt(3, { vocab_size: VOCAB, max_position_embeddings: 128 });
    await compare(model, () => model.namedParameters());
  });

  it('LoRA on q_proj/v_proj: loss and the adapters\' gradients (lm_head frozen)', async () => {
    const model = tinyOpt(4, { vocab_size: VOCAB, max_position_embeddings: 128 });
    const peft = getPeftModel(model, new LoraConfig({ taskType: TaskType.CAUSAL_LM, r: 4, initLoraWeights: 'gaussian' }));
    await compare(model, () => peft.namedParameters());
  });
});
