// How a run ends and what it leaves: SIGINT (finish the step, save, resolve 'interrupted'),
// non-finite losses (an error naming the step; the last checkpoint intact), saveTotalLimit,
// loadBestModelAtEnd, early stopping, callbacks' events, partial fine-tuning.
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { EarlyStoppingCallback, LoraConfig, NonFiniteLossError, TaskType, Trainer, TrainingArguments, getPeftModel, type TrainerCallback } from '../../lib';
import { classificationRows, maxDiff, snapshot, tinyBert, tmpDir } from './helpers';

const train = classificationRows(24);
const evalRows = classificationRows(6);

function args(outputDir: string, extra: Record<string, unknown> = {}) {
  return new TrainingArguments({ outputDir, perDeviceTrainBatchSize: 4, learningRate: 1e-2, disableTqdm: true, saveStrategy: 'no', ...extra });
}
function lora(seed = 5) {
  return getPeftModel(tinyBert(seed), new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 2 }));
}

describe('SIGINT during train()', () => {
  it('finishes the optimizer step in flight, saves a checkpoint and resolves with status interrupted; resuming completes the run', async () => {
    const dir = tmpDir();
    const interruptAt: TrainerCallback = { onSubstepEnd: ({ state }) => { if (state.globalStep === 2) process.emit('SIGINT'); } };
    const trainer = new Trainer({ model: lora(), args: args(dir, { gradientAccumulationSteps: 2, numTrainEpochs: 2 }), trainDataset: train, callbacks: [interruptAt] });
    const out = await trainer.train();
    expect(out.status).toBe('interrupted');
    expect(out.globalStep).toBe(3);  // the micro-batch of step 3 had run: the step was finished, not dropped
    expect(out.checkpoint).toBe(path.join(dir, 'checkpoint-3'));
    expect(fs.existsSync(path.join(dir, 'checkpoint-3', 'trainer_state.json'))).toBe(true);
    expect(process.listenerCount('SIGINT')).toBe(0);
    const resumed = await new Trainer({ model: lora(), args: args(dir, { gradientAccumulationSteps: 2, numTrainEpochs: 2 }), trainDataset: train }).train({ resumeFromCheckpoint: true });
    expect([resumed.status, resumed.globalStep]).toEqual(['completed', 6]);
  });
});

describe('a non-finite loss', () => {
  it('stops training with an error that names the step; the checkpoint before it is intact and loadable', async () => {
    const dir = tmpDir();
    const peft = lora();
    // Poisoned right after checkpoint-2 is written: step 3's loss is NaN.
    const poison: TrainerCallback = {
      onSave: ({ state }) => {
        if (state.globalStep === 2) torch.noGrad(() => peft.baseModel.getSubmodule('classifier.modules_to_save.default').namedParameters()[0][1].copy_(NaN));
      },
    };
    const trainer = new Trainer({ model: peft, args: args(dir, { saveStrategy: 'steps', saveSteps: 1, numTrainEpochs: 1 }), trainDataset: train, callbacks: [poison] });
    const err = await trainer.train().catch((e: Error) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as Error).name).toBe('NonFiniteLossError');
    expect((err as Error).message).toMatch(/the training loss is NaN at step 3 \(epoch 0, micro-batch 2\): training stopped\. The last checkpoint \(.*checkpoint-2\) is intact/);
    const fresh = lora();
    await fresh.loadAdapterWeights(path.join(dir, 'checkpoint-2'));
    const out = await fresh.forward({ inputIds: [[101, 5, 6, 102]] });
    expect(Number.isFinite(out.logits.sum().item() as number)).toBe(true);
    expect(fs.readdirSync(dir).filter((d) => d.includes('tmp'))).toEqual([]);
  });
});

describe('checkpoints, the best model and early stopping', () => {
  it('saveTotalLimit keeps the newest checkpoints and never deletes the best one', async () => {
    const dir = tmpDir();
    const trainer = new Trainer({
      model: lora(), trainDataset: train, evalDataset: evalRows,
      args: args(dir, { numTrainEpochs: 4, evaluationStrategy: 'epoch', saveStrategy: 'epoch', saveTotalLimit: 2, loadBestModelAtEnd: true, metricForBestModel: 'loss' }),
    });
    await trainer.train();
    const best = trainer.state.bestModelCheckpoint!;
    const kept = fs.readdirSync(dir).filter((d) => d.startsWith('checkpoint-'));
    expect(kept.length).toBeLessThanOrEqual(3);
    expect(kept).toContain(path.basename(best));
    expect(kept).toContain('checkpoint-24');
    const evals = trainer.state.logHistory.filter((e) => 'eval_loss' in e);
    expect(trainer.state.bestMetric).toBe(Math.min(...evals.map((e) => e.eval_loss)));
  });

  it('loadBestModelAtEnd puts the best checkpoint\'s weights back', async () => {
    const dir = tmpDir();
    const peft = lora();
    const trainer = new Trainer({ model: peft, trainDataset: train, evalDataset: evalRows, args: args(dir, { numTrainEpochs: 3, evaluationStrategy: 'epoch', saveStrategy: 'epoch', loadBestModelAtEnd: true }) });
    await trainer.train();
    const loaded = snapshot(peft.namedParameters());
    const other = lora();
    await other.loadAdapterWeights(trainer.state.bestModelCheckpoint!);
    for (const [name, w] of snapshot(other.namedParameters())) expect(maxDiff(w, loaded.get(name)!), name).toBe(0);
  });

  it('EarlyStoppingCallback stops after `patience` evaluations without improvement', async () => {
    const dir = tmpDir();
    // lr 0: nothing improves after the first evaluation.
    const trainer = new Trainer({
      model: lora(), trainDataset: train, evalDataset: evalRows, callbacks: [new EarlyStoppingCallback(2)],
      args: args(dir, { numTrainEpochs: 10, learningRate: 0, evaluationStrategy: 'epoch', saveStrategy: 'epoch', loadBestModelAtEnd: true }),
    });
    const out = await trainer.train();
    expect(trainer.state.logHistory.filter((e) => 'eval_loss' in e).length).toBe(3);
    expect(out.globalStep).toBe(18);
  });
});

describe('callbacks and partial fine-tuning', () => {
  it('callbacks get transformers\' events in order; a plain object with any of the methods is a callback', async () => {
    const events: string[] = [];
    const names = ['onTrainBegin', 'onEpochBegin', 'onStepBegin', 'onSubstepEnd', 'onStepEnd', 'onLog', 'onEvaluate', 'onSave', 'onEpochEnd', 'onTrainEnd'] as const;
    const recorder = Object.fromEntries(names.map((n) => [n, () => { events.push(n); }])) as TrainerCallback;
    const rows = classificationRows(4);
    await new Trainer({ model: lora(), trainDataset: rows, evalDataset: rows, callbacks: [recorder], args: args(tmpDir(), { numTrainEpochs: 1, gradientAccumulationSteps: 1, perDeviceTrainBatchSize: 2, loggingSteps: 2, evaluationStrategy: 'epoch', saveStrategy: 'epoch' }) }).train();
    expect(events).toEqual(['onTrainBegin', 'onEpochBegin', 'onStepBegin', 'onStepEnd', 'onStepBegin', 'onStepEnd', 'onLog', 'onEpochEnd', 'onLog', 'onEvaluate', 'onSave', 'onLog', 'onTrainEnd']);
  });

  it('top-2 fine-tuning (bert frozen, the last layer and the classifier unfrozen) changes only those parameters; full changes all', async () => {
    const model = tinyBert(9);
    model.bert.requiresGrad_(false);
    model.bert.encoder.layer[-1].requiresGrad_(true);
    const before = snapshot(model.namedParameters());
    await new Trainer({ model, trainDataset: train, args: args(tmpDir(), { numTrainEpochs: 1 }) }).train();
    const after = snapshot(model.namedParameters());
    for (const [name, w] of before) {
      const trained = name.startsWith('bert.encoder.layer.1.') || name.startsWith('classifier.');
      expect(maxDiff(w, after.get(name)!) > 0, name).toBe(trained);
    }
    const full = tinyBert(9);
    const start = snapshot(full.namedParameters());
    await new Trainer({ model: full, trainDataset: train, args: args(tmpDir(), { numTrainEpochs: 1 }) }).train();
    const changed = [...snapshot(full.namedParameters())].filter(([n, w]) => maxDiff(w, start.get(n)!) > 0).map(([n]) => n);
    expect(changed.length).toBe(start.size);
  });

  it('a model with every parameter frozen is refused before training', async () => {
    const model = tinyBert(1).requiresGrad_(false);
    await expect(new Trainer({ model, trainDataset: train, args: args(tmpDir()) }).train()).rejects.toThrow(/no trainable parameters/);
  });
});
