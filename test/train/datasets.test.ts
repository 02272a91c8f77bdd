// What the Trainer accepts as data: arrays (shuffled) or async iterables (streamed in order, with
// maxSteps), and what predict() returns.
import { describe, expect, it } from 'vitest';
import { LoraConfig, TaskType, Trainer, TrainingArguments, classificationMetrics, dataCollatorWithPadding, getPeftModel, type Example } from '../../lib';
import { classificationRows, tinyBert, tmpDir } from './helpers';

const args = (extra: Record<string, unknown>) => new TrainingArguments({ outputDir: tmpDir(), disableTqdm: true, saveStrategy: 'no', perDeviceTrainBatchSize: 4, ...extra });

describe('data sets', () => {
  it('an async iterable is streamed in order, re-read every epoch, and needs maxSteps', async () => {
    const rows = classificationRows(10).map((r, i) => ({ ...r, id: i }));
    const seen: number[][] = [];
    const stream: AsyncIterable<Example> = { async *[Symbol.asyncIterator]() { for (const r of rows) yield r; } };
    const model = getPeftModel(tinyBert(1), new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 2 }));
    const pad = dataCollatorWithPadding();
    const trainer = new Trainer({
      model, trainDataset: stream, args: args({ maxSteps: 5, loggingSteps: 1, removeUnusedColumns: false }),
      dataCollator: (batch) => { seen.push(batch.map((r) => r.id as number)); return pad(batch); },
    });
    const out = await trainer.train();
    expect(out.globalStep).toBe(5);
    // 10 rows in batches of 4: [0..3], [4..7], [8, 9], then the stream starts again.
    expect(seen).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3], [4, 5, 6, 7]]);
    await expect(new Trainer({ model, trainDataset: stream, args: args({}) }).train()).rejects.toThrow(/a streamed trainDataset has no length: set TrainingArguments.maxSteps/);
  });

  it('predict returns logits [N, classes], the labels, and test_-prefixed metrics', async () => {
    const rows = classificationRows(10);
    const trainer = new Trainer({ model: tinyBert(2), computeMetrics: classificationMetrics(), args: args({ perDeviceEvalBatchSize: 4 }) });
    const p = await trainer.predict(rows);
    expect(p.predictions!.shape).toEqual([10, 3]);
    expect(Array.from(p.labelIds!.toTypedArray() as BigInt64Array, Number)).toEqual(rows.map((r) => r.labels));
    expect(Object.keys(p.metrics)).toEqual(['test_loss', 'test_accuracy', 'test_precision', 'test_recall', 'test_f1', 'test_runtime', 'test_samples_per_second', 'test_steps_per_second']);
  });

  it('an empty data set, or rows without inputIds, are errors that say so', async () => {
    await expect(new Trainer({ model: tinyBert(3), trainDataset: [], args: args({}) }).train()).rejects.toThrow(/training data set is empty/);
    await expect(new Trainer({ model: tinyBert(3), trainDataset: [{ text: 'x' } as never], args: args({}) }).train()).rejects.toThrow(/row 0\.inputIds/);
  });
});
