// The data-parallel paths of the training step and the evaluation loop in one process: a one-rank
// Gloo group, whose collectives reduce to this rank. The Trainer takes these paths only with
// worldSize > 1 (test/distributed runs them across processes); here they are called directly, so
// that what they add over a local step is checked where a mutation run can see it. And a Trainer
// in a one-rank group (launch --nproc-per-node 1), which shards its epochs with DistributedSampler
// (the order N ranks see together), evaluates and checkpoints as one without a group does.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { AdamW, Trainer, TrainingArguments, dataCollatorWithPadding, trainingStep } from '../../lib';
import { DistributedDataParallel } from '../../lib/distributed/data-parallel';
import { arrayBatches } from '../../lib/train/batches';
import { evaluationLoop } from '../../lib/train/evaluation';
import { SequentialSampler, ShardSampler, type Sampler } from '../../lib/train/sampler';
import { trainTarget } from '../../lib/train/target';
import type { Example } from '../../lib/data/types';
import { settledLiveTensorCount } from '../live-tensors';
import { classificationRows, snapshot, tinyBert, tmpDir } from './helpers';

const { distributed: dist } = torch;

async function joinOneRankGroup(): Promise<void> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-one-rank-')), 'store');
  await dist.initProcessGroup({ initMethod: `file://${file}`, worldSize: 1, rank: 0, timeout: 10000 });
}
beforeAll(joinOneRankGroup);
afterAll(() => { if (dist.isInitialized()) dist.destroyProcessGroup(); });

function dataParallel(model: torch.PreTrainedModel): Promise<DistributedDataParallel> {
  const states = [...model.stateDict().values()];
  const trainable = model.namedParameters().map(([, t]) => t);
  return DistributedDataParallel.create(states, trainable);
}

describe('trainingStep with a DistributedDataParallel (one rank)', () => {
  it("stopRequested reaches the result through the gradient sync; unset, or without data parallelism, the result's is false", async () => {
    const model = tinyBert(0);
    model.train();
    const optimizer = new AdamW(model.namedParameters(), { lr: 1e-3 });
    const batch = () => dataCollatorWithPadding()(classificationRows(4));
    const ddp = await dataParallel(model);
    const asked = await trainingStep(model, batch(), { optimizer, dataParallel: ddp, stopRequested: true });
    expect([asked.updated, asked.finite, asked.stopRequested]).toEqual([true, true, true]);
    expect((await trainingStep(model, batch(), { optimizer, dataParallel: ddp })).stopRequested).toBe(false);
    expect((await trainingStep(model, batch(), { optimizer, dataParallel: ddp, stopRequested: false })).stopRequested).toBe(false);
    ddp.dispose();
    // Without a gradient sync there is no one to tell: the flag stays with the caller.
    expect((await trainingStep(model, batch(), { optimizer, stopRequested: true })).stopRequested).toBe(false);
  });

  it('one rank averages the gradients over itself: the update equals a local step', async () => {
    const run = async (parallel: boolean) => {
      const model = tinyBert(1);
      model.train();
      const optimizer = new AdamW(model.namedParameters(), { lr: 1e-2 });
      const ddp = parallel ? await dataParallel(model) : null;
      torch.manualSeed(5);  // the same dropout masks in both runs
      const r = await trainingStep(model, dataCollatorWithPadding()(classificationRows(4)), { optimizer, dataParallel: ddp, maxGradNorm: 1 });
      ddp?.dispose();
      return { r, weights: model.namedParameters().map(([, t]) => Array.from(t.toTypedArray() as Float32Array)) };
    };
    const [local, synced] = [await run(false), await run(true)];
    expect(synced.r.loss).toBe(local.r.loss);
    expect(synced.r.gradNorm).toBeCloseTo(local.r.gradNorm!, 6);
    expect(synced.weights).toEqual(local.weights);
  });
});

describe('evaluationLoop with shards (one rank)', () => {
  const collate = dataCollatorWithPadding();
  const evaluate = (model: torch.PreTrainedModel, rows: Example[], sampler: Sampler, shards: { n: number; batchSize: number } | null) =>
    evaluationLoop(trainTarget(model), arrayBatches(rows, sampler, 2, false, collate, (r) => r), { keepPredictions: true, device: 'cpu', autocast: null, shards });

  it("ShardSampler's padding rows are dropped: predictions, labels and loss cover the data set's n rows, in order (transformers' nested truncate)", async () => {
    const model = tinyBert(2);
    const rows = classificationRows(3);
    // ShardSampler(3 rows, batch 2, one rank) evaluates rows 0 1 | 2 0; the last is padding.
    const sharded = await evaluate(model, rows, new ShardSampler(3, 2, 1, 0), { n: 3, batchSize: 2 });
    const first = await evaluate(model, rows.slice(0, 2), new SequentialSampler(2), null);
    const second = await evaluate(model, [rows[2], rows[0]], new SequentialSampler(2), null);
    expect([sharded.numSamples, sharded.numSteps]).toEqual([3, 2]);
    expect(sharded.predictions!.shape).toEqual([3, 3]);
    expect(Array.from(sharded.labelIds!.toTypedArray() as BigInt64Array, Number)).toEqual(rows.map((r) => r.labels as number));
    const rowsOf = (t: torch.Tensor) => Array.from(t.toTypedArray() as Float32Array);
    expect(rowsOf(sharded.predictions!).slice(0, 6)).toEqual(rowsOf(first.predictions!));
    expect(rowsOf(sharded.predictions!).slice(6)).toEqual(rowsOf(second.predictions!).slice(0, 3));
    // Each batch's loss counts once per example: rows 0 and 1 carry the first batch's, row 2 the second's.
    const [a, b] = [first.loss!, second.loss!];
    expect(sharded.loss).toBeCloseTo((a + a + b) / 3, 6);
    for (const r of [sharded, first, second]) [r.predictions, r.labelIds].forEach((t) => t?.dispose());
  });

  it('without labels there is no loss to gather: loss null, predictions still gathered', async () => {
    const model = tinyBert(3);
    const rows = classificationRows(3).map(({ inputIds }) => ({ inputIds }));
    const out = await evaluate(model, rows, new ShardSampler(3, 2, 1, 0), { n: 3, batchSize: 2 });
    expect(out.loss).toBeNull();
    expect(out.labelIds).toBeNull();
    expect(out.predictions!.shape).toEqual([3, 3]);
    out.predictions!.dispose();
  });
});

describe('a Trainer in a one-rank group', () => {
  const rows = classificationRows(8);
  const run = async (outputDir: string, resumeFromCheckpoint?: string, saveSteps = 2) => {
    const model = tinyBert(4);
    const trainer = new Trainer({
      model, trainDataset: rows, evalDataset: classificationRows(3),
      args: new TrainingArguments({ outputDir, disableTqdm: true, reportTo: [], learningRate: 1e-2, perDeviceTrainBatchSize: 2, perDeviceEvalBatchSize: 2, maxSteps: 4, loggingSteps: 1, saveStrategy: 'steps', saveSteps, seed: 7 }),
    });
    await trainer.train(resumeFromCheckpoint ? { resumeFromCheckpoint } : {});
    const losses = trainer.state.logHistory.filter((e) => e.loss !== undefined).map((e) => e.loss);
    return { trainer, model, losses, weights: snapshot(model.namedParameters()) };
  };

  it('evaluates as without a group, writes the one-process checkpoint files, and resumes from them to the same end', async () => {
    dist.destroyProcessGroup();
    const aloneDir = tmpDir();
    await run(aloneDir);
    await joinOneRankGroup();
    const dir = tmpDir();
    const grouped = await run(dir);
    // Three rows in batches of 2: no ShardSampler padding row may reach the loss of one rank.
    const inGroup = (await grouped.trainer.evaluate()).eval_loss;
    dist.destroyProcessGroup();
    const args = new TrainingArguments({ outputDir: tmpDir(), disableTqdm: true, reportTo: [], perDeviceEvalBatchSize: 2 });
    const withoutGroup = (await new Trainer({ model: grouped.model, evalDataset: classificationRows(3), args }).evaluate()).eval_loss;
    await joinOneRankGroup();
    expect(typeof inGroup).toBe('number');
    expect(inGroup).toBe(withoutGroup);
    // Rank 0 of one writes the checkpoint with the one-process file names and a single running
    // loss: the same files as a run without a group writes.
    const files = fs.readdirSync(path.join(dir, 'checkpoint-2'));
    expect(files).toContain('rng_state.safetensors');
    expect(files).toEqual(fs.readdirSync(path.join(aloneDir, 'checkpoint-2')));
    const progress = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoint-2', 'node_peft_progress.json'), 'utf8'));
    expect(typeof progress.tr_loss).toBe('number');
    const resumed = await run(tmpDir(), path.join(dir, 'checkpoint-2'));
    expect(resumed.losses).toEqual(grouped.losses);  // steps 1-2 from the checkpoint's log history, 3-4 trained again
    expect(resumed.weights).toEqual(grouped.weights);
  });

  it('checkpoints leave no tensors behind: live tensors do not grow with the number of checkpoints (the gathered RNG states are freed)', async () => {
    const grown = async (saveSteps: number) => {
      const before = await settledLiveTensorCount();
      const { weights } = await run(tmpDir(), undefined, saveSteps);
      expect(weights.size).toBeGreaterThan(0);
      return torch.liveTensorCount() - before;
    };
    const two = await grown(2);
    expect(await grown(1)).toBe(two);
  });
});
