// How training behaves as a process: the event loop stays responsive while a bert-base-sized
// step runs on a worker thread; RSS stays flat over hundreds of steps; bf16 autocast trains with
// float32 master weights.
import { monitorEventLoopDelay } from 'perf_hooks';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertConfig, BertForSequenceClassification, LoraConfig, TaskType, Trainer, TrainingArguments, dataCollatorWithPadding, getPeftModel, trainingStep, AdamW } from '../../lib';
import { classificationRows, maxDiff, snapshot, tinyBert, tmpDir } from './helpers';

describe('training off the event loop', () => {
  // A step run on the main thread would stall the loop for a whole step (half the time measured);
  // off it, the stalls are scheduling jitter. The bound is relative so that a loaded machine, which
  // stretches the steps and the jitter alike, does not fail it (an absolute 20 ms did, beside
  // mutation runs).
  it('the event loop never stalls for a tenth of the time two bert-base-sized LoRA steps take (one core left to it)', async () => {
    const threads = torch.getNumThreads();
    torch.setNumThreads(1);
    try {
      torch.manualSeed(0);
      const model = BertForSequenceClassification.fromConfig(new BertConfig({ vocab_size: 1000, num_labels: 3 }));  // bert-base: 768 × 12 layers
      const peft = getPeftModel(model, new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 8 }));
      const optimizer = new AdamW(peft.namedParameters().filter(([, t]) => t.requiresGrad), { lr: 1e-4 });
      const rows = Array.from({ length: 4 }, (_, i) => ({ inputIds: Array.from({ length: 128 }, (_, j) => 1 + ((i * 7 + j * 3) % 999)), labels: i % 3 }));
      model.train();
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      const started = performance.now();
      for (let step = 0; step < 2; step++) await trainingStep(model, dataCollatorWithPadding()(rows), { optimizer, maxGradNorm: 1 });
      histogram.disable();
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThan(200);  // the steps really ran long enough to be observed
      expect(histogram.max / 1e6).toBeLessThan(elapsed / 10);
    } finally {
      torch.setNumThreads(threads);
    }
  });
});

describe('memory over a training run', () => {
  it('RSS stays flat over 400 LoRA steps (growth between step 100 and step 400 < 24 MB)', async () => {
    const rss: number[] = [];
    const peft = getPeftModel(tinyBert(2), new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 4 }));
    const trainer = new Trainer({
      model: peft, trainDataset: classificationRows(64),
      args: new TrainingArguments({ outputDir: tmpDir(), maxSteps: 400, perDeviceTrainBatchSize: 8, loggingSteps: 50, saveStrategy: 'no', disableTqdm: true }),
      callbacks: [{ onStepEnd: ({ state }) => { if (state.globalStep === 100 || state.globalStep === 400) rss.push(process.memoryUsage().rss); } }],
    });
    await trainer.train();
    expect(rss.length).toBe(2);
    expect((rss[1] - rss[0]) / 2 ** 20).toBeLessThan(24);
  });
});

describe('bf16 autocast', () => {
  it('trains in bfloat16 autocast with float32 master weights; the first loss is within 1e-2 of float32\'s', async () => {
    const rows = classificationRows(16);
    const losses: Record<string, number> = {};
    const weights: Record<string, Map<string, Float32Array>> = {};
    for (const bf16 of [false, true]) {
      const model = tinyBert(4);
      const trainer = new Trainer({ model, trainDataset: rows, args: new TrainingArguments({ outputDir: tmpDir(), bf16, maxSteps: 4, perDeviceTrainBatchSize: 16, loggingSteps: 1, saveStrategy: 'no', disableTqdm: true, learningRate: 1e-3 }) });
      await trainer.train();
      losses[String(bf16)] = trainer.state.logHistory[0].loss;
      weights[String(bf16)] = snapshot(model.namedParameters());
      expect(model.namedParameters().every(([, t]) => t.dtype === 'float32')).toBe(true);
      expect(trainer.state.logHistory.slice(0, 4).every((e) => Number.isFinite(e.loss))).toBe(true);
    }
    expect(Math.abs(losses.true - losses.false)).toBeLessThan(1e-2);
    // bfloat16 did run: its rounding shows in the trained weights.
    expect(maxDiff(weights.true.get('classifier.weight')!, weights.false.get('classifier.weight')!)).toBeGreaterThan(0);
  });

  it('evaluates in bfloat16 autocast too: the eval loss moves by less than 1e-2 but moves', async () => {
    const rows = classificationRows(16);
    const evalLoss = async (bf16: boolean) => (await new Trainer({ model: tinyBert(4), args: new TrainingArguments({ outputDir: tmpDir(), bf16, disableTqdm: true }) }).evaluate({ evalDataset: rows })).eval_loss;
    const [full, half] = [await evalLoss(false), await evalLoss(true)];
    expect(Math.abs(half - full)).toBeLessThan(1e-2);
    expect(half).not.toBe(full);
  });
});
