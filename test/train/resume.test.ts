// Resuming from a checkpoint ends at the same weights and the same log as the uninterrupted run,
// bit for bit on the CPU — with dropout on, so the RNG state must be restored too — from a
// checkpoint at an epoch boundary and from one in the middle of an epoch. Logging every 3 steps
// and saving every 2, the checkpoints hold unlogged loss, restored from node_peft_progress.json
// (transformers restarts those sums at 0 and skips the pending epoch-end evaluation).
import fs from 'fs';
import path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoraConfig, TaskType, Trainer, TrainingArguments, dataCollatorWithPadding, getPeftModel, type TrainOutput } from '../../lib';
import { classificationRows, maxDiff, snapshot, tinyBert, tmpDir } from './helpers';

const train = classificationRows(30);
const evalRows = classificationRows(6).map((r, i) => ({ ...r, labels: i % 3 }));

function setup(outputDir: string) {
  const base = tinyBert(11, { hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 });
  const peft = getPeftModel(base, new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4, loraAlpha: 8, loraDropout: 0.1 }));
  const args = new TrainingArguments({
    outputDir, numTrainEpochs: 3, perDeviceTrainBatchSize: 4, gradientAccumulationSteps: 2, learningRate: 1e-2,
    weightDecay: 0.01, warmupRatio: 0.25, lrSchedulerType: 'cosine', loggingSteps: 3, saveSteps: 2, evaluationStrategy: 'epoch', disableTqdm: true,
  });
  return { peft, trainer: new Trainer({ model: peft, args, trainDataset: train, evalDataset: evalRows }) };
}

const withoutTimes = (log: Record<string, number>[]) => log.map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !/runtime|per_second/.test(k))));

describe('resume from a checkpoint = the uninterrupted run (CPU, bit-identical)', () => {
  let full: { out: TrainOutput; weights: Map<string, Float32Array>; log: Record<string, number>[]; dir: string };
  beforeAll(async () => {
    const dir = tmpDir();
    const { peft, trainer } = setup(dir);
    const out = await trainer.train();
    full = { out, weights: snapshot(peft.namedParameters()), log: withoutTimes(trainer.state.logHistory), dir };
  });

  it('the uninterrupted run wrote a checkpoint every 2 steps (12 steps, 4 per epoch)', () => {
    expect(full.out.globalStep).toBe(12);
    expect(fs.readdirSync(full.dir).filter((d) => d.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-10', 'checkpoint-12', 'checkpoint-2', 'checkpoint-4', 'checkpoint-6', 'checkpoint-8']);
    expect(fs.readdirSync(path.join(full.dir, 'checkpoint-6')).sort()).toEqual([
      'adapter_config.json', 'adapter_model.safetensors', 'node_peft_progress.json', 'optimizer.json', 'optimizer.safetensors', 'rng_state.safetensors', 'scheduler.json', 'trainer_state.json', 'training_args.json',
    ]);
  });

  for (const step of [4, 6]) {
    it(`from checkpoint-${step} (${step === 4 ? 'end of epoch 1' : 'middle of epoch 2'}): same final weights, same log`, async () => {
      const dir = tmpDir();
      fs.cpSync(path.join(full.dir, `checkpoint-${step}`), path.join(dir, `checkpoint-${step}`), { recursive: true });
      const { peft, trainer } = setup(dir);
      const out = await trainer.train({ resumeFromCheckpoint: true });
      expect(out.globalStep).toBe(12);
      const weights = snapshot(peft.namedParameters());
      for (const [name, w] of full.weights) expect(maxDiff(weights.get(name)!, w), name).toBe(0);
      expect(withoutTimes(trainer.state.logHistory)).toEqual(full.log);
    });
  }

  it('resuming with no checkpoint in outputDir is an error that says so', async () => {
    const dir = tmpDir();
    await expect(setup(dir).trainer.train({ resumeFromCheckpoint: true })).rejects.toThrow(`No valid checkpoint found in output directory (${dir})`);
  });
});

describe('resume: checkpoints written at an epoch end, and ignoreDataSkip', () => {
  // 8 rows in batches of 2: 4 steps an epoch. The collator records the rows each run trains on.
  function run(outputDir: string, extra: Record<string, unknown>) {
    const seen: number[] = [];
    const pad = dataCollatorWithPadding();
    const peft = getPeftModel(tinyBert(12), new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 2 }));
    const args = new TrainingArguments({ outputDir, numTrainEpochs: 3, perDeviceTrainBatchSize: 2, learningRate: 1e-2, loggingSteps: 1, dataSeed: 5, disableTqdm: true, removeUnusedColumns: false, ...extra });
    const rows = classificationRows(8).map((r, i) => ({ ...r, id: i }));
    const trainer = new Trainer({ model: peft, args, trainDataset: rows, evalDataset: evalRows, dataCollator: (b) => { seen.push(...b.map((r) => r.id as number)); return pad(b); } });
    return { peft, trainer, seen };
  }

  // saveStrategy 'epoch' writes checkpoint-8 in epoch 2's end, after its evaluation; saveSteps 4
  // writes it at step 8, before that epoch end, which the resumed run must then do.
  for (const [when, extra] of [['in epoch 2\'s end (after its evaluation)', { saveStrategy: 'epoch' }], ['at the last step of epoch 2 (before its end)', { saveSteps: 4 }]] as const) {
    it(`from checkpoint-8 written ${when}: epoch 2 evaluated once; same weights, same log`, async () => {
      const dir = tmpDir();
      const full = run(dir, { evaluationStrategy: 'epoch', ...extra });
      await full.trainer.train();
      const resumed = run(tmpDir(), { evaluationStrategy: 'epoch', ...extra });
      fs.cpSync(path.join(dir, 'checkpoint-8'), path.join(resumed.trainer.args.outputDir, 'checkpoint-8'), { recursive: true });
      expect((await resumed.trainer.train({ resumeFromCheckpoint: true })).globalStep).toBe(12);
      expect(withoutTimes(resumed.trainer.state.logHistory)).toEqual(withoutTimes(full.trainer.state.logHistory));
      expect(resumed.trainer.state.logHistory.filter((e) => 'eval_loss' in e).length).toBe(3);
      const weights = snapshot(resumed.peft.namedParameters());
      for (const [name, w] of snapshot(full.peft.namedParameters())) expect(maxDiff(weights.get(name)!, w), name).toBe(0);
    });
  }

  it('ignoreDataSkip: the resumed epoch starts at its first batch, in the order of the first epoch (no epoch replayed)', async () => {
    const dir = tmpDir();
    const full = run(dir, { saveSteps: 6 });
    await full.trainer.train();
    const [first, second] = [full.seen.slice(0, 8), full.seen.slice(8, 16)];
    expect(first).not.toEqual(second);
    const skipping = run(dir, { saveSteps: 100 });
    await skipping.trainer.train({ resumeFromCheckpoint: path.join(dir, 'checkpoint-6') });
    expect(skipping.seen).toEqual(full.seen.slice(12));  // the rest of epoch 2, then epoch 3
    const ignoring = run(dir, { saveSteps: 100, ignoreDataSkip: true });
    const out = await ignoring.trainer.train({ resumeFromCheckpoint: path.join(dir, 'checkpoint-6') });
    expect(out.globalStep).toBe(12);
    // Steps 7-10 train a whole epoch in the first epoch's order, steps 11-12 half of the second.
    expect(ignoring.seen).toEqual([...first, ...second.slice(0, 4)]);
  });
});
