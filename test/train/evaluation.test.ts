// transformers' evaluation_loop as the Trainer runs it: batches in order, the loss counted once per
// example (loss.repeat(batch_size), so a short last batch weighs less), logits and labels of
// batches of different lengths concatenated with -100 padding (nested_concat). The expected values
// are the model's own forward on each batch / row, outside the Trainer.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { Trainer, TrainingArguments, classificationMetrics, dataCollatorForLanguageModeling, dataCollatorWithPadding, type Example } from '../../lib';
import { settledLiveTensorCount } from '../live-tensors';
import { classificationRows, lmRows, tinyBert, tinyOpt, tmpDir } from './helpers';

const args = (extra: Record<string, unknown> = {}) => new TrainingArguments({ outputDir: tmpDir(), disableTqdm: true, saveStrategy: 'no', reportTo: [], ...extra });
const values = (t: torch.Tensor) => Array.from(t.float().toTypedArray() as Float32Array);

/** The float32 mean numpy takes of the per-example losses. */
function exampleMean(batchLosses: number[], sizes: number[]): number {
  let sum = 0;
  batchLosses.forEach((l, b) => { for (let i = 0; i < sizes[b]; i++) sum = Math.fround(sum + l); });
  return Math.fround(sum / sizes.reduce((a, b) => a + b, 0));
}

async function batchLoss(model: torch.PreTrainedModel, batch: torch.Batch): Promise<number> {
  model.eval();
  const out = await model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels! });
  const loss = out.loss!.item() as number;
  torch.disposeBatch(batch);
  return loss;
}

describe('evaluation loop', () => {
  it('eval_loss is the mean over examples, not over batches (10 rows in batches of 4, 4, 2)', async () => {
    const rows = classificationRows(10);
    const model = tinyBert(5);
    const pad = dataCollatorWithPadding();
    const losses = [];
    for (const slice of [rows.slice(0, 4), rows.slice(4, 8), rows.slice(8)]) losses.push(await batchLoss(model, pad(slice)));
    const expected = exampleMean(losses, [4, 4, 2]);
    const metrics = await new Trainer({ model, evalDataset: rows, args: args({ perDeviceEvalBatchSize: 4 }) }).evaluate();
    expect(metrics.eval_loss).toBeCloseTo(expected, 6);
    expect(Math.abs(metrics.eval_loss - (losses[0] + losses[1] + losses[2]) / 3)).toBeGreaterThan(1e-4);  // the batch mean differs
    expect(metrics.eval_samples_per_second / metrics.eval_steps_per_second).toBeCloseTo(10 / 3, 2);  // 10 samples, 3 steps (both rounded to 4 decimals)
  });

  it("predict: each row's logits in the data's order, the same as the model gives that row alone", async () => {
    const rows = classificationRows(7);
    const model = tinyBert(6);
    const p = await new Trainer({ model, args: args({ perDeviceEvalBatchSize: 3 }) }).predict(rows);
    expect(p.predictions!.shape).toEqual([7, 3]);
    const got = values(p.predictions!);
    for (const [i, row] of rows.entries()) {
      const b = dataCollatorWithPadding()([row]);
      const alone = values((await model.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask })).logits);
      torch.disposeBatch(b);
      alone.forEach((v, j) => expect(got[i * 3 + j], `row ${i} class ${j}`).toBeCloseTo(v, 5));
    }
  });

  it('predict: logits and labels of batches of different lengths are padded with -100 to the longest', async () => {
    const rows: Example[] = [lmRows(1, 5)[0], lmRows(2, 8)[1], lmRows(3, 3)[2]];
    const model = tinyOpt(7);
    const collator = dataCollatorForLanguageModeling({ padTokenId: 1 });
    const p = await new Trainer({ model, dataCollator: collator, args: args({ perDeviceEvalBatchSize: 2 }) }).predict(rows);
    expect(p.predictions!.shape).toEqual([3, 8, 120]);
    expect(p.labelIds!.shape).toEqual([3, 8]);
    const labels = Array.from(p.labelIds!.toTypedArray() as BigInt64Array, Number);
    expect(labels.slice(0, 8)).toEqual([...rows[0].inputIds, -100, -100, -100]);  // the collator's padding
    expect(labels.slice(8, 16)).toEqual(rows[1].inputIds);
    expect(labels.slice(16)).toEqual([...rows[2].inputIds, -100, -100, -100, -100, -100]);  // nested_concat's
    const logits = values(p.predictions!);
    const row2 = logits.slice(2 * 8 * 120, 3 * 8 * 120);
    expect(row2.slice(3 * 120).every((v) => v === -100)).toBe(true);
    const alone = values((await model.forward({ inputIds: torch.tensor([rows[2].inputIds], { dtype: 'int64' }) })).logits);
    alone.forEach((v, j) => expect(row2[j]).toBeCloseTo(v, 5));
    // The loss: batch [0, 1] twice, batch [2] once.
    const expected = exampleMean([await batchLoss(model, collator(rows.slice(0, 2))), await batchLoss(model, collator(rows.slice(2)))], [2, 1]);
    expect(p.metrics.test_loss).toBeCloseTo(expected, 6);
  });

  it('rows without labels: predictions, no labels, no loss key and no metrics', async () => {
    const rows = classificationRows(5).map(({ inputIds }) => ({ inputIds }));
    const p = await new Trainer({ model: tinyBert(8), computeMetrics: classificationMetrics(), args: args({ perDeviceEvalBatchSize: 2 }) }).predict(rows);
    expect(p.predictions!.shape).toEqual([5, 3]);
    expect(p.labelIds).toBeNull();
    expect(Object.keys(p.metrics)).toEqual(['test_runtime', 'test_samples_per_second', 'test_steps_per_second']);
  });

  it('evaluate() leaves the model in eval mode and keeps no predictions without computeMetrics', async () => {
    const model = tinyBert(9);
    model.train();
    const metrics = await new Trainer({ model, evalDataset: classificationRows(4), args: args({ perDeviceEvalBatchSize: 4 }) }).evaluate({ metricKeyPrefix: 'dev' });
    expect(model.training).toBe(false);
    expect(Object.keys(metrics)).toEqual(['dev_loss', 'dev_runtime', 'dev_samples_per_second', 'dev_steps_per_second']);
  });

  // Every tensor the loop makes (outputs, batches, padded parts) is freed by the loop; what
  // predict() returns is the caller's to dispose. Counted after a first run has warmed up.
  it('frees every tensor it makes: evaluate() leaves none, predict() only the two it returns', async () => {
    const model = tinyOpt(10);
    const rows: Example[] = [lmRows(1, 5)[0], lmRows(2, 8)[1], lmRows(3, 3)[2]];
    const trainer = new Trainer({ model, evalDataset: rows, dataCollator: dataCollatorForLanguageModeling({ padTokenId: 1 }), computeMetrics: () => ({ n: 1 }), args: args({ perDeviceEvalBatchSize: 2 }) });
    await trainer.evaluate();
    const before = await settledLiveTensorCount();
    await trainer.evaluate();
    expect(torch.liveTensorCount()).toBe(before);
    const p = await trainer.predict(rows);
    expect(p.labelIds!.dtype).toBe('int64');  // padded with -100 in the labels' own dtype
    expect(torch.liveTensorCount()).toBe(before + 2);
    p.predictions!.dispose();
    p.labelIds!.dispose();
    expect(torch.liveTensorCount()).toBe(before);
  });
});
