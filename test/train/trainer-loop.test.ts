// What Trainer.train() does between the set-up and the checkpoints, one rule at a time, as
// transformers 4.29's _inner_training_loop does it: where optimizer steps fall with gradient
// accumulation, the epoch counter, how logged losses and train_loss average, the best-metric
// bookkeeping, the speed metrics, the plan (steps and epochs from maxSteps or numTrainEpochs),
// callbacks' epoch stops, the sampler choice (groupByLength) and the checks on train()'s options.
import fs from 'fs';
import path from 'path';
import { describe, expect, it, vi } from 'vitest';
import * as torch from '../../lib';
import { Trainer, TrainingArguments, dataCollatorWithPadding, type Example, type TrainerCallback } from '../../lib';
import { settledLiveTensorCount } from '../live-tensors';
import { classificationRows, maxDiff, snapshot, tinyBert, tmpDir } from './helpers';

const args = (extra: Record<string, unknown> = {}) => new TrainingArguments({ outputDir: tmpDir(), disableTqdm: true, saveStrategy: 'no', reportTo: [], learningRate: 1e-2, ...extra });

/** Counts the callback events of a run. */
function counter(): { counts: Record<string, number>; callback: TrainerCallback } {
  const counts: Record<string, number> = {};
  const bump = (name: string) => () => { counts[name] = (counts[name] ?? 0) + 1; };
  return { counts, callback: { onStepBegin: bump('stepBegin'), onStepEnd: bump('stepEnd'), onSubstepEnd: bump('substepEnd'), onEpochBegin: bump('epochBegin') } };
}
const logged = (t: Trainer, key: string) => t.state.logHistory.filter((e) => e[key] !== undefined).map((e) => e[key]);
/** The epoch of each logged training loss (rounded to 2 places, as transformers logs it). */
const lossEpochs = (t: Trainer) => t.state.logHistory.filter((e) => e.loss !== undefined).map((e) => e.epoch);
/** speed_metrics: a rate (3 places) times the runtime (4 places) gives back its count within 2%. */
const expectRate = (m: Record<string, number>, key: string, runtimeKey: string, count: number) => expect(Math.abs(m[key] * m[runtimeKey] - count) / count).toBeLessThan(0.02);

describe('gradient accumulation (transformers 4.29: a step every gradientAccumulationSteps micro-batches)', () => {
  it('an epoch shorter than gradientAccumulationSteps ends in one optimizer step', async () => {
    const { counts, callback } = counter();
    const trainer = new Trainer({ model: tinyBert(1), trainDataset: classificationRows(3), callbacks: [callback], args: args({ perDeviceTrainBatchSize: 1, gradientAccumulationSteps: 4, numTrainEpochs: 2, loggingSteps: 1 }) });
    const out = await trainer.train();
    expect([out.globalStep, trainer.state.maxSteps]).toEqual([2, 2]);
    expect(counts).toEqual({ epochBegin: 2, stepBegin: 2, substepEnd: 4, stepEnd: 2 });
    expect(logged(trainer, 'loss').length).toBe(2);
    expect(lossEpochs(trainer)).toEqual([1, 2]);
  });

  it('an epoch of 5 micro-batches with accumulation 2: steps after micro-batches 2 and 4; the fifth only accumulates', async () => {
    const { counts, callback } = counter();
    const trainer = new Trainer({ model: tinyBert(1), trainDataset: classificationRows(5), callbacks: [callback], args: args({ perDeviceTrainBatchSize: 1, gradientAccumulationSteps: 2, numTrainEpochs: 2, loggingSteps: 1 }) });
    const out = await trainer.train();
    expect(out.globalStep).toBe(4);
    // onStepBegin at micro-batches 0, 2 and 4 of epoch 0 (transformers' `step % ga == 0`), 0 and 2
    // of epoch 1, where step 4 ends the run.
    expect(counts).toEqual({ epochBegin: 2, stepBegin: 5, substepEnd: 5, stepEnd: 4 });
    // state.epoch = epoch + (step + 1) / steps_in_epoch, logged rounded to 2 places.
    expect(lossEpochs(trainer)).toEqual([0.4, 0.8, 1.4, 1.8]);
  });

  it('a streamed data set counts maxSteps × gradientAccumulationSteps micro-batches per epoch', async () => {
    const rows = classificationRows(20);
    const stream: AsyncIterable<Example> = { async *[Symbol.asyncIterator]() { for (const r of rows) yield r; } };
    const trainer = new Trainer({ model: tinyBert(1), trainDataset: stream, args: args({ perDeviceTrainBatchSize: 1, gradientAccumulationSteps: 2, maxSteps: 3, loggingSteps: 1 }) });
    const out = await trainer.train();
    expect(lossEpochs(trainer)).toEqual([0.33, 0.67, 1]);
    // speed_metrics count maxSteps × the total batch (1 × 2) as the samples of a stream.
    expectRate(out.metrics, 'train_samples_per_second', 'train_runtime', 6);
  });
});

describe('losses', () => {
  // The same seeded run, logged every step and every 2 steps: each log is the mean of the steps
  // since the last one, and train_loss the mean over every step, logged or not.
  it('a logged loss is the mean over the steps since the last log; train_loss the mean over all steps', async () => {
    const run = async (loggingSteps: number) => {
      const trainer = new Trainer({ model: tinyBert(2), trainDataset: classificationRows(12), args: args({ perDeviceTrainBatchSize: 2, maxSteps: 5, loggingSteps, dataSeed: 3 }) });
      const out = await trainer.train();
      expect(out.trainingLoss).toBe(out.metrics.train_loss);
      return { losses: logged(trainer, 'loss'), trainLoss: out.trainingLoss };
    };
    const every = await run(1);
    const pairs = await run(2);
    expect(every.losses.length).toBe(5);
    const l = every.losses;
    expect(pairs.losses.length).toBe(2);
    expect(pairs.losses[0]).toBeCloseTo((l[0] + l[1]) / 2, 3);
    expect(pairs.losses[1]).toBeCloseTo((l[2] + l[3]) / 2, 3);
    const mean = l.reduce((a, b) => a + b, 0) / 5;
    expect(every.trainLoss).toBeCloseTo(mean, 3);
    expect(pairs.trainLoss).toBeCloseTo(mean, 3);  // step 5 was never logged
    expect(mean).toBeGreaterThan(0.1);
  });

  it('the batches are freed after each micro-batch: live tensors do not grow with the number of steps', async () => {
    const run = async (maxSteps: number) => {
      const trainer = new Trainer({ model: tinyBert(2), trainDataset: classificationRows(12), args: args({ perDeviceTrainBatchSize: 2, maxSteps, loggingSteps: 100 }) });
      const before = await settledLiveTensorCount();
      await trainer.train();
      return torch.liveTensorCount() - before;
    };
    const short = await run(1);
    expect(await run(5)).toBe(short);
  });
});

describe('the best model (transformers _save_checkpoint)', () => {
  // computeMetrics reports `scores` at the three evaluations (one per step, each followed by a
  // checkpoint); a tie is no improvement. `saved` holds the weights of each checkpoint.
  const scripted = async (metricForBestModel: string, greaterIsBetter: boolean, scores = [0.5, 0.9, 0.9], loadBestModelAtEnd = false) => {
    let call = 0;
    const model = tinyBert(3);
    const saved = new Map<number, Map<string, Float32Array>>();
    const trainer = new Trainer({
      model, trainDataset: classificationRows(6), evalDataset: classificationRows(2), computeMetrics: () => ({ score: scores[call++] }),
      callbacks: [{ onSave: ({ state }) => { saved.set(state.globalStep, snapshot(model.namedParameters())); } }],
      args: args({ perDeviceTrainBatchSize: 2, maxSteps: 3, evaluationStrategy: 'steps', evalSteps: 1, saveStrategy: 'steps', saveSteps: 1, metricForBestModel, greaterIsBetter, loadBestModelAtEnd }),
    });
    await trainer.train();
    const final = snapshot(model.namedParameters());
    const endsAt = (step: number) => [...final].every(([n, w]) => maxDiff(w, saved.get(step)!.get(n)!) === 0);
    return { dir: trainer.args.outputDir, best: trainer.state.bestModelCheckpoint, metric: trainer.state.bestMetric, endsAt };
  };

  it('greaterIsBetter keeps the first highest value; the name may omit the eval_ prefix', async () => {
    const r = await scripted('score', true);
    expect([r.best, r.metric]).toEqual([`${r.dir}/checkpoint-2`, 0.9]);
  });

  it('otherwise the first lowest value is best; a name with the eval_ prefix is taken as it is', async () => {
    const r = await scripted('eval_score', false, [0.5, 0.9, 0.5]);
    expect([r.best, r.metric]).toEqual([`${r.dir}/checkpoint-1`, 0.5]);
  });

  // Scores 0.5, 0.9, 0.9 with lower better: checkpoint-1 is the best, checkpoint-3 the last.
  it('loadBestModelAtEnd puts the best checkpoint back; without it the run ends with its last weights', async () => {
    for (const load of [true, false]) {
      const r = await scripted('score', false, [0.5, 0.9, 0.9], load);
      expect(r.best).toBe(`${r.dir}/checkpoint-1`);
      expect([r.endsAt(1), r.endsAt(3)]).toEqual([load, !load]);
    }
  });

  it('a metric the evaluation does not return is an error naming it and the keys it did return', async () => {
    await expect(scripted('f1', true)).rejects.toThrow("metricForBestModel 'f1': the evaluation returned no 'eval_f1' (it returned eval_loss, eval_score, eval_runtime, eval_samples_per_second, eval_steps_per_second, epoch)");
  });
});

describe('the plan: steps and epochs (transformers _inner_training_loop)', () => {
  const plan = async (extra: Record<string, unknown>) => {
    const trainer = new Trainer({ model: tinyBert(4), trainDataset: classificationRows(6), args: args({ perDeviceTrainBatchSize: 2, loggingSteps: 100, ...extra }) });
    const out = await trainer.train();
    return { steps: out.globalStep, maxSteps: trainer.state.maxSteps, epochs: trainer.state.numTrainEpochs, metrics: out.metrics };
  };

  it('maxSteps sets the steps; the epochs are as many as they need, rounded up', async () => {
    expect(await plan({ maxSteps: 6 })).toMatchObject({ steps: 6, maxSteps: 6, epochs: 2 });
    expect(await plan({ maxSteps: 7 })).toMatchObject({ steps: 7, maxSteps: 7, epochs: 3 });
    expect(await plan({ maxSteps: 2 })).toMatchObject({ steps: 2, maxSteps: 2, epochs: 1 });
    // transformers takes max_steps only when > 0: 0 trains numTrainEpochs (3 × 3 steps).
    expect(await plan({ maxSteps: 0 })).toMatchObject({ steps: 9, maxSteps: 9, epochs: 3 });
  });

  it('a streamed data set needs maxSteps > 0', async () => {
    const stream: AsyncIterable<Example> = { async *[Symbol.asyncIterator]() { yield* classificationRows(4); } };
    await expect(new Trainer({ model: tinyBert(4), trainDataset: stream, args: args({ maxSteps: 0 }) }).train()).rejects.toThrow('a streamed trainDataset has no length: set TrainingArguments.maxSteps');
  });

  it('a fractional numTrainEpochs: ceil(epochs × steps per epoch) steps over ceil(epochs) epochs', async () => {
    expect(await plan({ numTrainEpochs: 1.5 })).toMatchObject({ steps: 5, maxSteps: 5, epochs: 2 });
    expect(await plan({ numTrainEpochs: 1.5, gradientAccumulationSteps: 2 })).toMatchObject({ steps: 2, maxSteps: 2, epochs: 2 });
  });

  // speed_metrics: runtime in seconds (4 places), rates from the rounded runtime (3 places).
  const rate = (m: Record<string, number>, key: string, count: number) => expectRate(m, key, 'train_runtime', count);
  it('train_runtime is in seconds; samples per second count numTrainEpochs × rows, or maxSteps × the total batch', async () => {
    const began = performance.now();
    const epochs = await plan({ numTrainEpochs: 1.5 });
    const elapsed = (performance.now() - began) / 1000;
    expect(epochs.metrics.train_runtime).toBeGreaterThan(0);
    expect(epochs.metrics.train_runtime).toBeLessThanOrEqual(elapsed);
    rate(epochs.metrics, 'train_samples_per_second', 9);
    rate(epochs.metrics, 'train_steps_per_second', 5);
    const steps = await plan({ maxSteps: 4, gradientAccumulationSteps: 2 });
    rate(steps.metrics, 'train_samples_per_second', 16);
    rate(steps.metrics, 'train_steps_per_second', 4);
  });
});

describe('callbacks steer the loop', () => {
  it('shouldEpochStop set in onStepEnd ends that epoch; the next epoch starts over', async () => {
    const stop: TrainerCallback = { onStepEnd: ({ state, control }) => { if (state.globalStep === 1) control.shouldEpochStop = true; } };
    const trainer = new Trainer({ model: tinyBert(5), trainDataset: classificationRows(6), callbacks: [stop], args: args({ perDeviceTrainBatchSize: 2, numTrainEpochs: 2, loggingSteps: 1 }) });
    const out = await trainer.train();
    expect(out.globalStep).toBe(4);  // 1 step of epoch 0, then all 3 of epoch 1
    expect(lossEpochs(trainer)).toEqual([0.33, 1.33, 1.67, 2]);
  });
});

describe('interruption (SIGINT)', () => {
  it('stops after the optimizer step in flight, also mid-epoch; says so on stderr; a second Ctrl-C is left to Node', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; });
    let listenersAfter = -1;
    const callback: TrainerCallback = {
      onSubstepEnd: ({ state }) => { if (state.globalStep === 1) process.emit('SIGINT'); },
      onStepEnd: ({ state }) => { if (state.globalStep === 2) listenersAfter = process.listenerCount('SIGINT'); },
    };
    const trainer = new Trainer({ model: tinyBert(5), trainDataset: classificationRows(12), callbacks: [callback], args: args({ perDeviceTrainBatchSize: 2, gradientAccumulationSteps: 2, numTrainEpochs: 1 }) });
    const out = await trainer.train().finally(() => spy.mockRestore());
    expect([out.status, out.globalStep, out.checkpoint]).toEqual(['interrupted', 2, path.join(trainer.args.outputDir, 'checkpoint-2')]);
    expect(written.join('')).toContain('node-peft: interrupted: finishing the current step and saving a checkpoint (Ctrl-C again to abort)');
    expect(listenersAfter).toBe(0);
  });

  it('trainer.interrupt() does what SIGINT does, without a signal', async () => {
    let trainer: Trainer | null = null;
    const callback: TrainerCallback = { onSubstepEnd: ({ state }) => { if (state.globalStep === 1) trainer!.interrupt(); } };
    trainer = new Trainer({ model: tinyBert(5), trainDataset: classificationRows(12), callbacks: [callback], args: args({ perDeviceTrainBatchSize: 2, gradientAccumulationSteps: 2, numTrainEpochs: 1 }) });
    const out = await trainer.train();
    expect([out.status, out.globalStep]).toEqual(['interrupted', 2]);
  });

  it('a non-finite loss before any checkpoint says that none was saved', async () => {
    const model = tinyBert(5);
    const poison: TrainerCallback = { onStepEnd: ({ state }) => { if (state.globalStep === 1) torch.noGrad(() => model.namedParameters().find(([n]) => n === 'classifier.weight')![1].copy_(NaN)); } };
    const trainer = new Trainer({ model, trainDataset: classificationRows(8), callbacks: [poison], args: args({ perDeviceTrainBatchSize: 2, maxSteps: 3 }) });
    await expect(trainer.train()).rejects.toThrow('the training loss is NaN at step 2 (epoch 0, micro-batch 1): training stopped. The last checkpoint (none saved in this run) is intact');
  });

  it('a run that ends normally leaves no SIGINT listener behind', async () => {
    const before = process.listenerCount('SIGINT');
    await new Trainer({ model: tinyBert(5), trainDataset: classificationRows(2), args: args({ maxSteps: 1 }) }).train();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('the training order (transformers _get_train_sampler)', () => {
  const order = async (extra: Record<string, unknown>, rows: Example[]) => {
    const seen: number[] = [];
    const pad = dataCollatorWithPadding();
    const trainer = new Trainer({
      model: tinyBert(6), trainDataset: rows, dataCollator: (batch) => { seen.push(...batch.map((r) => r.id as number)); return pad(batch); },
      args: args({ perDeviceTrainBatchSize: 2, gradientAccumulationSteps: 2, numTrainEpochs: 1, loggingSteps: 100, removeUnusedColumns: false, ...extra }),
    });
    await trainer.train();
    return seen;
  };
  const rows = classificationRows(60).map((r, i) => ({ ...r, id: i, len: i }));

  // transformers' get_length_grouped_indices: megabatches of min(n // (4 × group), 50) × group rows
  // (group = batch × accumulation = 4: 60 // 16 = 3, so 12 rows), each sorted longest first, then
  // the longest row swapped to the very front.
  const descendingMegabatches = (lengths: number[]) => {
    for (let i = 0; i < lengths.length; i += 12) {
      const tail = lengths.slice(i + 1, i + 12);
      expect(tail, `megabatch at ${i}`).toEqual([...tail].sort((a, b) => b - a));
    }
  };

  it('groupByLength: megabatches of 12 rows sorted longest first by lengthColumnName, the longest row first', async () => {
    const seen = await order({ groupByLength: true, lengthColumnName: 'len' }, rows);
    expect(seen[0]).toBe(59);
    descendingMegabatches(seen);
    expect([...seen].sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
  });

  it('groupByLength falls back to the length of inputIds; without it the order is random', async () => {
    const byIds = await order({ groupByLength: true }, rows);
    const lengths = byIds.map((i) => rows[i].inputIds.length);
    expect(lengths[0]).toBe(12);
    descendingMegabatches(lengths);
    expect(new Set(byIds).size).toBe(60);
    const random = await order({}, rows);
    expect(() => descendingMegabatches(random.map((i) => rows[i].inputIds.length))).toThrow();
    expect([...random].sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
  });

  it('groupByLength with a row that has neither a length nor inputIds is an error naming the row', async () => {
    const bad = [{ inputIds: [5, 6], labels: 0 }, { labels: 1 } as never];
    await expect(new Trainer({ model: tinyBert(6), trainDataset: bad, args: args({ groupByLength: true }) }).train()).rejects.toThrow(/^trainDataset\[1\]\.inputIds: expected token ids/);
  });
});

describe('train() options', () => {
  it('unknown options, no trainDataset and a resume folder that does not exist are refused by name', async () => {
    const trainer = new Trainer({ model: tinyBert(7), trainDataset: classificationRows(2), args: args() });
    await expect(trainer.train({ resume: true } as never)).rejects.toThrow(/^train: unknown option 'resume'/);
    await expect(new Trainer({ model: tinyBert(7), args: args() }).train()).rejects.toThrow('Trainer.train() requires a trainDataset');
    await expect(trainer.train({ resumeFromCheckpoint: '/nonexistent/checkpoint-3' })).rejects.toThrow('train.resumeFromCheckpoint: expected an existing checkpoint folder or true, received "/nonexistent/checkpoint-3"');
    await expect(trainer.train({ resumeFromCheckpoint: 3 as never })).rejects.toThrow(/^train\.resumeFromCheckpoint: expected an existing checkpoint folder or true/);
    expect((await trainer.train({ resumeFromCheckpoint: false })).globalStep).toBe(3);
  });

  it('the state says this process is the world and local process zero without a process group', () => {
    const trainer = new Trainer({ model: tinyBert(7), args: args() });
    expect([trainer.state.isWorldProcessZero, trainer.state.isLocalProcessZero, trainer.world]).toEqual([true, true, null]);
  });
});

describe('evaluate() and predict() options and metric names', () => {
  const evalRows = classificationRows(4);
  it("computeMetrics' keys get the prefix once, after the loss; metricKeyPrefix changes it", async () => {
    const trainer = new Trainer({ model: tinyBert(8), evalDataset: evalRows, computeMetrics: () => ({ accuracy: 1, eval_f1: 2 }), args: args() });
    const m = await trainer.evaluate();
    expect(Object.keys(m)).toEqual(['eval_loss', 'eval_accuracy', 'eval_f1', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);
    expect([m.eval_accuracy, m.eval_f1]).toEqual([1, 2]);
    const dev = await trainer.evaluate({ metricKeyPrefix: 'dev' });
    expect(Object.keys(dev).slice(0, 3)).toEqual(['dev_loss', 'dev_accuracy', 'dev_eval_f1']);
    expectRate(dev, 'dev_samples_per_second', 'dev_runtime', 4);
    expect(trainer.state.logHistory.map((e) => Object.keys(e)[0])).toEqual(['eval_loss', 'dev_loss']);
  });

  it('without computeMetrics the metrics are the loss and speed; an evalDataset option replaces the default', async () => {
    const trainer = new Trainer({ model: tinyBert(8), args: args() });
    await expect(trainer.evaluate()).rejects.toThrow('Trainer.evaluate() requires an evalDataset');
    await expect(trainer.evaluate({ evalDataset: [] })).rejects.toThrow('the evaluation data set is empty');
    await expect(trainer.evaluate({ dataset: evalRows } as never)).rejects.toThrow(/^evaluate: unknown option 'dataset'/);
    await expect(trainer.predict(evalRows, { prefix: 'x' } as never)).rejects.toThrow(/^predict: unknown option 'prefix'/);
    expect(Object.keys((await trainer.predict(evalRows, { metricKeyPrefix: 'holdout' })).metrics)[0]).toBe('holdout_loss');
    const m = await trainer.evaluate({ evalDataset: evalRows });
    expect(Object.keys(m)).toEqual(['eval_loss', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);
  });

  it("a computeMetrics key 'loss' becomes eval_loss and replaces the loop's loss, as in transformers", async () => {
    const m = await new Trainer({ model: tinyBert(8), evalDataset: evalRows, computeMetrics: () => ({ loss: 42 }), args: args() }).evaluate();
    expect(m.eval_loss).toBe(42);
    expect(Object.keys(m)[0]).toBe('eval_loss');
  });

  it('rows without labels: no eval_loss key, and computeMetrics is not called (transformers needs labels for it)', async () => {
    const unlabelled = evalRows.map(({ inputIds }) => ({ inputIds }));
    const m = await new Trainer({ model: tinyBert(8), computeMetrics: () => ({ n: 4 }), args: args() }).evaluate({ evalDataset: unlabelled });
    expect(Object.keys(m)).toEqual(['eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);
  });

  it('reportTo tensorboard writes its events under loggingDir', async () => {
    const dir = tmpDir();
    await new Trainer({ model: tinyBert(8), trainDataset: classificationRows(2), args: args({ maxSteps: 1, loggingSteps: 1, reportTo: ['tensorboard'], loggingDir: dir }) }).train();
    expect(fs.readdirSync(dir).some((f) => f.startsWith('events.out.tfevents'))).toBe(true);
  });
});

describe('saveState and saveModel', () => {
  it('saveState writes trainer_state.json; saveModel the model and training_args.json, to outputDir or a folder given', async () => {
    const trainer = new Trainer({ model: tinyBert(9), trainDataset: classificationRows(2), args: args({ maxSteps: 1 }) });
    await trainer.train();
    const out = trainer.args.outputDir;
    await trainer.saveState();
    expect(JSON.parse(fs.readFileSync(path.join(out, 'trainer_state.json'), 'utf8')).global_step).toBe(1);
    await trainer.saveModel();
    expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'training_args.json'), 'utf8')).max_steps).toBe(1);
    const other = tmpDir();
    await trainer.saveModel(other);
    expect(fs.readdirSync(other).sort()).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'training_args.json']));
  });
});
