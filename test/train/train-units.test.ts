// The Trainer's pure building blocks, without training: TrainingArguments' checks and derived
// values (transformers 4.29's TrainingArguments.__post_init__), Python's round() as transformers
// logs with it, checkpoint naming and rotation (transformers' get_last_checkpoint,
// _sorted_checkpoints, _rotate_checkpoints), the samplers' shards and batching. Expected values are
// worked out by hand in the comments next to them.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { TrainingArguments, dataCollatorForLanguageModeling, dataCollatorWithPadding } from '../../lib';
import { disposeBatch } from '../../lib/train/collator';
import { arrayBatches, projector, shardStream, streamBatches } from '../../lib/train/batches';
import { getLastCheckpoint, rotateCheckpoints, sortedCheckpoints } from '../../lib/train/checkpoint';
import { pyRound } from '../../lib/train/pyround';
import { distributedIndices, SequentialSampler, ShardSampler, toBatches } from '../../lib/train/sampler';
import type { Example } from '../../lib';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-units-'));
}

describe('TrainingArguments checks (transformers 4.29 __post_init__)', () => {
  it('each numeric argument that must be >= 0 refuses -1 by name, and accepts 0', () => {
    for (const key of ['numTrainEpochs', 'learningRate', 'weightDecay', 'adamBeta1', 'adamBeta2', 'adamEpsilon', 'maxGradNorm', 'warmupRatio', 'loggingSteps', 'saveSteps', 'evalDelay'] as const) {
      expect(() => new TrainingArguments({ [key]: -1 }), key).toThrow(`TrainingArguments.${key}: expected a number >= 0, received -1`);
    }
    const zero = new TrainingArguments({ numTrainEpochs: 0, learningRate: 0, weightDecay: 0, adamBeta1: 0, adamBeta2: 0, adamEpsilon: 0, maxGradNorm: 0, warmupRatio: 0, saveSteps: 0, evalDelay: 0, loggingStrategy: 'no', loggingSteps: 0 });
    expect([zero.numTrainEpochs, zero.learningRate, zero.loggingSteps, zero.saveSteps]).toEqual([0, 0, 0, 0]);
  });
  it('integer arguments: batch sizes and accumulation >= 1, maxSteps >= -1, warmupSteps and seeds >= 0, limits >= 1', () => {
    for (const key of ['perDeviceTrainBatchSize', 'perDeviceEvalBatchSize', 'gradientAccumulationSteps'] as const) {
      expect(() => new TrainingArguments({ [key]: 0 }), key).toThrow(`TrainingArguments.${key}: expected an integer >= 1, received 0`);
      expect(new TrainingArguments({ [key]: 1 })[key]).toBe(1);
    }
    expect(() => new TrainingArguments({ maxSteps: -2 })).toThrow('TrainingArguments.maxSteps: expected an integer >= -1');
    expect(new TrainingArguments({ maxSteps: -1 }).maxSteps).toBe(-1);
    expect(() => new TrainingArguments({ warmupSteps: -1 })).toThrow('TrainingArguments.warmupSteps: expected an integer >= 0');
    expect(() => new TrainingArguments({ seed: -1 })).toThrow('TrainingArguments.seed: expected an integer >= 0');
    expect(() => new TrainingArguments({ dataSeed: 1.5 })).toThrow('TrainingArguments.dataSeed: expected an integer >= 0');
    expect(new TrainingArguments({ dataSeed: 0 }).dataSeed).toBe(0);
    expect(() => new TrainingArguments({ saveTotalLimit: 0 })).toThrow('TrainingArguments.saveTotalLimit: expected an integer >= 1');
    expect(() => new TrainingArguments({ padToMultipleOf: 0 })).toThrow('TrainingArguments.padToMultipleOf: expected an integer >= 1');
    expect(() => new TrainingArguments({ evalSteps: 0 })).toThrow('TrainingArguments.evalSteps: expected a number > 0, received 0');
    expect(new TrainingArguments({ evalSteps: 0.5 }).evalSteps).toBe(0.5);
  });
  it('warmupRatio 1 is accepted, just above 1 is not', () => {
    expect(new TrainingArguments({ warmupRatio: 1 }).warmupRatio).toBe(1);
    expect(() => new TrainingArguments({ warmupRatio: 1.01 })).toThrow('TrainingArguments.warmupRatio: expected a ratio in [0, 1]');
  });
  it('strategies, schedules, optimizers, booleans, outputDir, reportTo and device are checked by name', () => {
    for (const key of ['loggingStrategy', 'evaluationStrategy', 'saveStrategy'] as const) {
      expect(() => new TrainingArguments({ [key]: 'sometimes' as never }), key).toThrow(`TrainingArguments.${key}: expected one of 'no', 'steps', 'epoch'`);
    }
    expect(() => new TrainingArguments({ lrSchedulerType: 'step' as never })).toThrow("TrainingArguments.lrSchedulerType: expected one of 'linear'");
    expect(() => new TrainingArguments({ optim: 'adam' as never })).toThrow("TrainingArguments.optim: expected one of 'adamw_torch', 'sgd'");
    for (const key of ['overwriteOutputDir', 'loggingFirstStep', 'saveOnlyModel', 'loadBestModelAtEnd', 'bf16', 'groupByLength', 'removeUnusedColumns', 'dataloaderDropLast', 'ignoreDataSkip', 'disableTqdm'] as const) {
      expect(() => new TrainingArguments({ [key]: 1 as never }), key).toThrow(`TrainingArguments.${key}: expected`);
    }
    expect(() => new TrainingArguments({ outputDir: '' })).toThrow('TrainingArguments.outputDir: expected a folder path, received ""');
    expect(() => new TrainingArguments({ outputDir: 3 as never })).toThrow('TrainingArguments.outputDir: expected a folder path');
    expect(() => new TrainingArguments({ reportTo: ['jsonl', 'wandb'] })).toThrow("TrainingArguments.reportTo[1]: expected one of 'none', 'all', 'jsonl', 'tensorboard'");
    expect(new TrainingArguments({ reportTo: 'tensorboard' as never }).reportTo).toEqual(['tensorboard']);
    for (const device of ['cpu', 'cuda', 'cuda:1', 'cuda:12']) expect(new TrainingArguments({ device }).device).toBe(device);
    for (const device of ['gpu', 'cuda:', 'cuda:x', ' cpu', 'cpu0', 'xcuda']) expect(() => new TrainingArguments({ device }), device).toThrow("TrainingArguments.device: expected 'cpu', 'cuda' or 'cuda:N'");
    expect(() => new TrainingArguments({ device: 0 as never })).toThrow('TrainingArguments.device');
  });
  it('options must be an object; an unknown name far from every argument gets no hint', () => {
    expect(() => new TrainingArguments(null as never)).toThrow('TrainingArguments: expected an options object, received null');
    expect(() => new TrainingArguments([] as never)).toThrow('TrainingArguments: expected an options object');
    expect(() => new TrainingArguments('x' as never)).toThrow('TrainingArguments: expected an options object');
    expect(() => new TrainingArguments({ zzzzzzzzzzzz: 1 } as never)).toThrow(/^TrainingArguments: unknown argument 'zzzzzzzzzzzz'$/);
  });
  it("'steps' strategies need a step count > 0: evalSteps from loggingSteps, loggingSteps itself", () => {
    expect(() => new TrainingArguments({ evaluationStrategy: 'steps', loggingSteps: 0, loggingStrategy: 'no' })).toThrow("evaluationStrategy 'steps' requires evalSteps > 0");
    expect(() => new TrainingArguments({ loggingSteps: 0 })).toThrow("loggingStrategy 'steps' requires loggingSteps > 0");
    expect(new TrainingArguments({ evaluationStrategy: 'steps', evalSteps: 3, loggingSteps: 7 }).evalSteps).toBe(3);
    expect(new TrainingArguments({ loggingSteps: 7 }).evalSteps).toBeNull();  // evaluationStrategy 'no'
  });
  it('loadBestModelAtEnd: saveSteps must be a multiple of evalSteps; the metric defaults to loss (lower is better)', () => {
    expect(() => new TrainingArguments({ loadBestModelAtEnd: true, evaluationStrategy: 'steps', saveStrategy: 'steps', evalSteps: 3, saveSteps: 10 }))
      .toThrow('loadBestModelAtEnd requires saveSteps (10) to be a round multiple of evalSteps (3)');
    const a = new TrainingArguments({ loadBestModelAtEnd: true, evaluationStrategy: 'steps', saveStrategy: 'steps', evalSteps: 5, saveSteps: 10 });
    expect([a.metricForBestModel, a.greaterIsBetter]).toEqual(['loss', false]);
    const b = new TrainingArguments({ loadBestModelAtEnd: true, evaluationStrategy: 'epoch', saveStrategy: 'epoch', metricForBestModel: 'accuracy' });
    expect([b.metricForBestModel, b.greaterIsBetter]).toEqual(['accuracy', true]);
    expect(new TrainingArguments({ metricForBestModel: 'eval_loss' }).greaterIsBetter).toBe(false);
    expect(new TrainingArguments({ metricForBestModel: 'f1', greaterIsBetter: false }).greaterIsBetter).toBe(false);
    const none = new TrainingArguments();
    expect([none.metricForBestModel, none.greaterIsBetter]).toEqual([null, null]);
  });
  it("reportTo 'all' is jsonl and tensorboard, 'none' is nothing, the default is jsonl", () => {
    expect(new TrainingArguments({ reportTo: ['all'] }).reportTo).toEqual(['jsonl', 'tensorboard']);
    expect(new TrainingArguments({ reportTo: ['none'] }).reportTo).toEqual([]);
    expect(new TrainingArguments().reportTo).toEqual(['jsonl']);
  });
  it('loggingDir defaults to outputDir/runs/<Mon><DD>_<HH>-<MM>-<SS>_<host> (transformers default_logdir); an explicit one is kept', () => {
    const dir = new TrainingArguments({ outputDir: 'out' }).loggingDir!;
    expect(path.dirname(dir)).toBe(path.join('out', 'runs'));
    const name = path.basename(dir);
    expect(name).toMatch(/^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\d\d_\d\d-\d\d-\d\d_/);
    expect(name.endsWith(`_${os.hostname()}`)).toBe(true);
    expect(new TrainingArguments({ loggingDir: 'logs' }).loggingDir).toBe('logs');
  });
  it('getters and getWarmupSteps: ceil(10 × 0.25) = 3 steps; warmupSteps 1 beats the ratio', () => {
    const a = new TrainingArguments({ perDeviceTrainBatchSize: 4, perDeviceEvalBatchSize: 6, bf16: true, warmupRatio: 0.25 });
    expect([a.trainBatchSize, a.evalBatchSize, a.autocast]).toEqual([4, 6, 'bfloat16']);
    expect(new TrainingArguments().autocast).toBeNull();
    expect(a.getWarmupSteps(10)).toBe(3);
    expect(new TrainingArguments({ warmupRatio: 0.25, warmupSteps: 1 }).getWarmupSteps(10)).toBe(1);
    expect(new TrainingArguments().getWarmupSteps(10)).toBe(0);
  });
  it('toDict writes transformers\' snake_case names with the values', () => {
    const d = new TrainingArguments({ learningRate: 0.1, perDeviceTrainBatchSize: 2, loggingDir: 'l' }).toDict();
    expect(d.learning_rate).toBe(0.1);
    expect(d.per_device_train_batch_size).toBe(2);
    expect(d.lr_scheduler_type).toBe('linear');
    expect(d.logging_dir).toBe('l');
    expect(d.output_dir).toBe('trainer_output');
    expect(Object.keys(d).every((k) => /^[a-z0-9_]+$/.test(k))).toBe(true);
    expect('evalStrategy' in d || 'eval_strategy' in d).toBe(false);
  });
  it('changing one TrainingArguments does not change the defaults of the next (lists are copied)', () => {
    new TrainingArguments().reportTo.push('tensorboard');
    new TrainingArguments().lrSchedulerKwargs.power = 2;
    expect(new TrainingArguments().reportTo).toEqual(['jsonl']);
    expect(new TrainingArguments().lrSchedulerKwargs).toEqual({});
  });
});

describe("pyRound: Python's round(x, n)", () => {
  it('ties at the exact binary value go to the even digit: round(0.125, 2) = 0.12, round(0.375, 2) = 0.38, round(2.5, 0) = 2', () => {
    expect(pyRound(0.125, 2)).toBe(0.12);
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(2.5, 0)).toBe(2);
    expect(pyRound(3.5, 0)).toBe(4);
    expect(pyRound(-0.125, 2)).toBe(-0.12);
    expect(pyRound(-2.5, 0)).toBe(-2);
    expect(pyRound(1.5, 0)).toBe(2);
  });
  it('not a tie: 2.675 is 2.67499999… in binary, so 2.67; 0.1251 is 0.13; 1.0005 is 1.000499… so 1.0', () => {
    expect(pyRound(2.675, 2)).toBe(2.67);
    expect(pyRound(0.1251, 2)).toBe(0.13);
    expect(pyRound(1.0005, 3)).toBe(1);
    expect(pyRound(0.6931471805599453, 4)).toBe(0.6931);
    expect(pyRound(12.3456, 1)).toBe(12.3);
  });
  it('NaN and infinities come back unchanged', () => {
    expect(pyRound(NaN, 4)).toBeNaN();
    expect(pyRound(Infinity, 4)).toBe(Infinity);
    expect(pyRound(-Infinity, 2)).toBe(-Infinity);
  });
});

describe('checkpoint folders (transformers get_last_checkpoint / _sorted_checkpoints / _rotate_checkpoints)', () => {
  function outputWith(steps: number[], extra: string[] = []): string {
    const dir = tmp();
    for (const s of steps) fs.mkdirSync(path.join(dir, `checkpoint-${s}`));
    for (const name of extra) fs.writeFileSync(path.join(dir, name), '');
    return dir;
  }
  it('getLastCheckpoint takes the largest step numerically (10 > 9), ignores files and other names, null when none', () => {
    const dir = outputWith([9, 10, 2], ['checkpoint-99', 'checkpoint-x']);
    fs.mkdirSync(path.join(dir, 'checkpoint-100-old'));
    expect(getLastCheckpoint(dir)).toBe(path.join(dir, 'checkpoint-10'));
    expect(getLastCheckpoint(outputWith([9, 2]))).toMatch(/checkpoint-9$/);  // the largest, not the first name in the folder
    expect(getLastCheckpoint(outputWith([]))).toBeNull();
    expect(getLastCheckpoint(path.join(dir, 'missing'))).toBeNull();
  });
  it('sortedCheckpoints: oldest first by step; the best is moved up to second-newest, never past it', () => {
    const dir = outputWith([10, 2, 30, 4]);
    const p = (s: number) => path.join(dir, `checkpoint-${s}`);
    expect(sortedCheckpoints(dir, null)).toEqual([p(2), p(4), p(10), p(30)]);
    // best checkpoint-2 at index 0: swapped forward while i < 4 - 2, so it ends at index 2
    expect(sortedCheckpoints(dir, p(2))).toEqual([p(4), p(10), p(2), p(30)]);
    // the best given by another path with the same folder name is the same checkpoint
    expect(sortedCheckpoints(dir, path.join('elsewhere', 'checkpoint-4'))).toEqual([p(2), p(10), p(4), p(30)]);
    expect(sortedCheckpoints(dir, p(30))).toEqual([p(2), p(4), p(10), p(30)]);
    expect(sortedCheckpoints(dir, p(99))).toEqual([p(2), p(4), p(10), p(30)]);
  });
  it('rotateCheckpoints deletes the oldest beyond saveTotalLimit, keeps the best, and with a limit of 1 keeps best and newest', async () => {
    const dir = outputWith([1, 2, 3, 4]);
    const p = (s: number) => path.join(dir, `checkpoint-${s}`);
    const left = () => fs.readdirSync(dir).sort();
    expect(await rotateCheckpoints(new TrainingArguments({ outputDir: dir }), null)).toEqual([]);
    expect(await rotateCheckpoints(new TrainingArguments({ outputDir: dir, saveTotalLimit: 4 }), null)).toEqual([]);
    expect(left()).toEqual(['checkpoint-1', 'checkpoint-2', 'checkpoint-3', 'checkpoint-4']);
    expect(await rotateCheckpoints(new TrainingArguments({ outputDir: dir, saveTotalLimit: 3 }), p(1))).toEqual([p(2)]);
    expect(left()).toEqual(['checkpoint-1', 'checkpoint-3', 'checkpoint-4']);
    // limit 1 with best checkpoint-1 (not the newest): the limit becomes 2, so checkpoint-3 goes
    expect(await rotateCheckpoints(new TrainingArguments({ outputDir: dir, saveTotalLimit: 1 }), p(1))).toEqual([p(3)]);
    expect(left()).toEqual(['checkpoint-1', 'checkpoint-4']);
    // limit 1 with the newest as best: only it stays
    expect(await rotateCheckpoints(new TrainingArguments({ outputDir: dir, saveTotalLimit: 1 }), p(4))).toEqual([p(1)]);
    expect(left()).toEqual(['checkpoint-4']);
  });
  it('rotateCheckpoints with limit 1 and no best keeps only the newest', async () => {
    const dir = outputWith([5, 6, 7]);
    expect(await rotateCheckpoints(new TrainingArguments({ outputDir: dir, saveTotalLimit: 1 }), null)).toEqual([path.join(dir, 'checkpoint-5'), path.join(dir, 'checkpoint-6')]);
    expect(fs.readdirSync(dir)).toEqual(['checkpoint-7']);
  });
});

describe('samplers and batches', () => {
  it('SequentialSampler gives 0..n-1 every epoch', () => {
    const s = new SequentialSampler(4);
    expect([s.nextEpoch(), s.nextEpoch()]).toEqual([[0, 1, 2, 3], [0, 1, 2, 3]]);
  });
  it('distributedIndices: world 1 is the order itself; 2 rows over 5 ranks repeat the order twice more', () => {
    expect(distributedIndices([4, 2, 0], 1, 0)).toEqual([4, 2, 0]);
    // padded to 5: [7, 8, 7, 8, 7]
    expect([0, 1, 2, 3, 4].map((r) => distributedIndices([7, 8], 5, r))).toEqual([[7], [8], [7], [8], [7]]);
    // 6 rows over 3 ranks: no padding, rank 1 takes positions 1 and 4
    expect(distributedIndices([10, 11, 12, 13, 14, 15], 3, 1)).toEqual([11, 14]);
  });
  it('ShardSampler: 4 rows, batches of 3, 2 ranks: one round of 6, rank 0 [0 1 2], rank 1 [3 0 1]', () => {
    expect(new ShardSampler(4, 3, 2, 0).nextEpoch()).toEqual([0, 1, 2]);
    expect(new ShardSampler(4, 3, 2, 1).nextEpoch()).toEqual([3, 0, 1]);
    expect(new ShardSampler(4, 3, 2, 1).numSamples).toBe(3);
    // 8 rows, batches of 2, world 2: two whole rounds, no padding
    expect(new ShardSampler(8, 2, 2, 1).nextEpoch()).toEqual([2, 3, 6, 7]);
    expect(new ShardSampler(8, 2, 2, 1).numSamples).toBe(4);
  });
  it('toBatches: exact multiples have no short batch; batch size 1; an empty order gives no batch', () => {
    expect(toBatches([1, 2, 3, 4], 2, true)).toEqual([[1, 2], [3, 4]]);
    expect(toBatches([1, 2, 3, 4], 2, false)).toEqual([[1, 2], [3, 4]]);
    expect(toBatches([5, 6], 1, true)).toEqual([[5], [6]]);
    expect(toBatches([], 3, false)).toEqual([]);
  });
  it('shardStream: fewer rows than one round are filled from themselves; an exact round has no filling', async () => {
    const read = async (n: number, batch: number, world: number, rank: number) => {
      async function* rows() { for (let i = 0; i < n; i++) yield { inputIds: [i] } as Example; }
      const out: number[] = [];
      for await (const r of shardStream(rows(), batch, world, rank)) out.push(r.inputIds![0]);
      return out;
    };
    // 3 rows, round of 4: [0 1 | 2 0]
    expect(await read(3, 2, 2, 0)).toEqual([0, 1]);
    expect(await read(3, 2, 2, 1)).toEqual([2, 0]);
    expect(await read(4, 2, 2, 1)).toEqual([2, 3]);
    expect(await read(0, 2, 2, 0)).toEqual([]);
    // 5 rows, round of 4: [0 1 | 2 3] [4 + 0 | 1 2] (filled from the first round)
    expect(await read(5, 2, 2, 1)).toEqual([2, 3, 1, 2]);
  });
  it('projector keeps the model columns and the label names, drops the rest; off, rows pass unchanged', () => {
    const row = { inputIds: [1], attentionMask: [1], tokenTypeIds: [0], labels: 1, text: 'a', idx: 3, score: 0.5 } as unknown as Example;
    expect(projector(true, ['score'])(row)).toEqual({ inputIds: [1], attentionMask: [1], tokenTypeIds: [0], labels: 1, score: 0.5 });
    expect(projector(true, [])(row)).toEqual({ inputIds: [1], attentionMask: [1], tokenTypeIds: [0], labels: 1 });
    expect(projector(false, [])(row)).toBe(row);
    expect(() => projector(true, [])(null as never)).toThrow('a data set row must be an object with inputIds, received null');
    expect(() => projector(true, [])(3 as never)).toThrow('received 3');
  });
  it('arrayBatches: 5 rows in batches of 2 are 3 batches (2 with dropLast); skipped batches are not collated', async () => {
    const rows: Example[] = [0, 1, 2, 3, 4].map((i) => ({ inputIds: [i] }));
    const collate = (list: Example[]) => ({ ids: list.map((r) => r.inputIds![0]) }) as never;
    const src = arrayBatches(rows, new SequentialSampler(5), 2, false, collate, (r) => r);
    expect(src.length).toBe(3);
    expect(arrayBatches(rows, new SequentialSampler(5), 2, true, collate, (r) => r).length).toBe(2);
    const got: unknown[] = [];
    for await (const b of src.epoch(1)) got.push(b);
    expect(got).toEqual([{ batch: null, size: 2 }, { batch: { ids: [2, 3] }, size: 2 }, { batch: { ids: [4] }, size: 1 }]);
    // numSamples (a rank's shard) decides the length, not the data set's size
    expect(arrayBatches(rows, { nextEpoch: () => [0, 1, 2], numSamples: 3 }, 2, false, collate, (r) => r).length).toBe(2);
  });
  it('streamBatches: batches in order, skip passes over the first, the short last one only without dropLast', async () => {
    async function* rows() { for (let i = 0; i < 5; i++) yield { inputIds: [i] } as Example; }
    const collate = (list: Example[]) => ({ ids: list.map((r) => r.inputIds![0]) }) as never;
    const all = async (dropLast: boolean, skip: number) => {
      const out: unknown[] = [];
      for await (const b of streamBatches(rows(), 2, dropLast, collate, (r) => r).epoch(skip)) out.push(b);
      return out;
    };
    expect(await all(false, 0)).toEqual([{ batch: { ids: [0, 1] }, size: 2 }, { batch: { ids: [2, 3] }, size: 2 }, { batch: { ids: [4] }, size: 1 }]);
    expect(await all(true, 1)).toEqual([{ batch: null, size: 2 }, { batch: { ids: [2, 3] }, size: 2 }]);
    expect(streamBatches(rows(), 2, false, collate, (r) => r).length).toBeNull();
  });
});

describe('collators: options and edge cases (transformers DataCollatorWithPadding / ForLanguageModeling)', () => {
  const rows = (t: { toArray(): unknown }) => t.toArray();
  it('padTokenId and paddingSide come from the tokenizer unless given; explicit options win', () => {
    const data = [{ inputIds: [7] }, { inputIds: [8, 9] }];
    const fromTok = dataCollatorWithPadding({ tokenizer: { padTokenId: 3, paddingSide: 'left' } })(data);
    expect(rows(fromTok.inputIds)).toEqual([[3, 7], [8, 9]]);
    expect(rows(fromTok.attentionMask)).toEqual([[0, 1], [1, 1]]);
    const explicit = dataCollatorWithPadding({ tokenizer: { padTokenId: 3, paddingSide: 'left' }, padTokenId: 4, paddingSide: 'right' })(data);
    expect(rows(explicit.inputIds)).toEqual([[7, 4], [8, 9]]);
    expect(rows(dataCollatorWithPadding({ tokenizer: { padTokenId: null } })(data).inputIds)).toEqual([[7, 0], [8, 9]]);
  });
  it('a row\'s own attentionMask is kept (zeros included) and padded with 0', () => {
    const b = dataCollatorWithPadding()([{ inputIds: [5, 6], attentionMask: [1, 0] }, { inputIds: [5, 6, 7] }]);
    expect(rows(b.attentionMask)).toEqual([[1, 0, 0], [1, 1, 1]]);
    expect(b.tokenTypeIds).toBeUndefined();
    expect(b.labels).toBeUndefined();
    expect(b.numTokens).toBe(6);
  });
  it('padToMultipleOf: 8 stays 8, 9 becomes 16; a row of exactly maxLength fits', () => {
    const eight = Array.from({ length: 8 }, (_, i) => i + 1);
    expect(dataCollatorWithPadding({ padToMultipleOf: 8 })([{ inputIds: eight }]).inputIds.shape).toEqual([1, 8]);
    expect(dataCollatorWithPadding({ padToMultipleOf: 8 })([{ inputIds: [...eight, 9] }]).inputIds.shape).toEqual([1, 16]);
    expect(dataCollatorWithPadding({ padding: 'max_length', maxLength: 3 })([{ inputIds: [1, 2, 3] }]).inputIds.shape).toEqual([1, 3]);
    expect(dataCollatorWithPadding({ padToMultipleOf: null })([{ inputIds: [1, 2, 3] }]).inputIds.shape).toEqual([1, 3]);
  });
  it('bad options are refused by name', () => {
    expect(() => dataCollatorWithPadding({ padding: 'max_length' })).toThrow("DataCollatorWithPadding.maxLength: expected a length (padding: 'max_length' needs it)");
    expect(() => dataCollatorWithPadding({ padding: 'longest_first' as never })).toThrow('DataCollatorWithPadding.padding: expected one of');
    expect(() => dataCollatorWithPadding({ maxLength: 0 })).toThrow('DataCollatorWithPadding.maxLength: expected an integer >= 1');
    expect(() => dataCollatorWithPadding({ padToMultipleOf: 0 })).toThrow('DataCollatorWithPadding.padToMultipleOf: expected an integer >= 1');
    expect(() => dataCollatorWithPadding({ padTokenId: -1 })).toThrow('DataCollatorWithPadding.padTokenId: expected an integer >= 0');
    expect(() => dataCollatorWithPadding({ paddingSide: 'up' as never })).toThrow('DataCollatorWithPadding.paddingSide: expected one of');
    expect(() => dataCollatorWithPadding({ labelDtype: 'float64' as never })).toThrow('DataCollatorWithPadding.labelDtype: expected one of');
    expect(() => dataCollatorForLanguageModeling({ pad: 1 } as never)).toThrow("DataCollatorForLanguageModeling: unknown option 'pad'");
  });
  it('an empty batch or a row without ids is refused, naming the collator and the row', () => {
    expect(() => dataCollatorWithPadding()([])).toThrow('DataCollatorWithPadding(rows): expected a non-empty array of examples');
    expect(() => dataCollatorForLanguageModeling()([{ inputIds: [1] }, null as never])).toThrow('DataCollatorForLanguageModeling: row 1.inputIds: expected a non-empty array of token ids');
    expect(() => dataCollatorForLanguageModeling({ padding: 'max_length', maxLength: 1 })([{ inputIds: [1, 2] }])).toThrow('DataCollatorForLanguageModeling: a row has 2 tokens, more than the padded length 1');
  });
  it('language modelling: left padding, every pad id in the ids (a real token equal to it too) labelled -100, padded length rounded up', () => {
    const b = dataCollatorForLanguageModeling({ padTokenId: 2, paddingSide: 'left', padToMultipleOf: 4 })([{ inputIds: [2, 5, 6] }, { inputIds: [7], attentionMask: [1] }]);
    expect(rows(b.inputIds)).toEqual([[2, 2, 5, 6], [2, 2, 2, 7]]);
    expect(rows(b.labels!)).toEqual([[-100, -100, 5, 6], [-100, -100, -100, 7]]);
    expect(rows(b.attentionMask)).toEqual([[0, 1, 1, 1], [0, 0, 0, 1]]);
    expect(b.numTokens).toBe(8);
  });
  it('disposeBatch frees every tensor of the batch', () => {
    const b = dataCollatorWithPadding()([{ inputIds: [1], tokenTypeIds: [0], labels: 1 }]);
    disposeBatch(b);
    for (const t of [b.inputIds, b.attentionMask, b.tokenTypeIds!, b.labels!]) expect(() => t.toArray()).toThrow(/disposed/);
  });
});
