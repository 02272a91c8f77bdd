// The Trainer's data pipeline: samplers against PyTorch / transformers orders
// (test/fixtures/train/samplers.json, make_samplers.py), collators against hand-built batches,
// TrainingArguments' defaults and checks against transformers 4.29's.
import fs from 'fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { TrainingArguments, dataCollatorForLanguageModeling, dataCollatorWithPadding } from '../../lib';
import { native } from '../../lib/binding';
import { LengthGroupedSampler, RandomSampler, toBatches } from '../../lib/train/sampler';
import { fixture } from '../models/helpers';

const ref = JSON.parse(fs.readFileSync(fixture('train', 'samplers.json'), 'utf8'));
const rows = (t: torch.Tensor) => t.toArray();

describe('samplers draw PyTorch\'s orders', () => {
  it('RandomSampler: one randperm per epoch from its generator, plus the empty one torch 1.13 draws', () => {
    const s = new RandomSampler(ref.random.n, native.generatorCreate(ref.random.seed));
    for (const epoch of ref.random.epochs) expect(s.nextEpoch()).toEqual(epoch);
  });
  it('the sampler seed drawn from the global generator after manualSeed(42) is torch\'s', () => {
    torch.manualSeed(42);
    expect(native.drawGlobalSeed()).toBe(ref.global_seed_after_manual_seed_42);
  });
  it('LengthGroupedSampler: megabatches sorted by length, longest first (transformers 4.29)', () => {
    const lg = ref.length_grouped;
    const s = new LengthGroupedSampler(lg.lengths, lg.batch_size, native.generatorCreate(lg.seed));
    for (const epoch of lg.epochs) expect(s.nextEpoch()).toEqual(epoch);
  });
  it('toBatches keeps the short last batch unless dropLast', () => {
    expect(toBatches([3, 1, 4, 0, 2], 2, false)).toEqual([[3, 1], [4, 0], [2]]);
    expect(toBatches([3, 1, 4, 0, 2], 2, true)).toEqual([[3, 1], [4, 0]]);
  });
});

describe('collators', () => {
  const examples = [
    { inputIds: [101, 7, 102], labels: 2 },
    { inputIds: [101, 8, 9, 10, 102], attentionMask: [1, 1, 1, 1, 1], tokenTypeIds: [0, 0, 0, 1, 1], labels: 0 },
  ];
  it('DataCollatorWithPadding pads each batch to its longest row with the pad id, mask 0 and token type 0', () => {
    const b = dataCollatorWithPadding({ padTokenId: 5 })(examples);
    expect(rows(b.inputIds)).toEqual([[101, 7, 102, 5, 5], [101, 8, 9, 10, 102]]);
    expect(rows(b.attentionMask)).toEqual([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]);
    expect(rows(b.tokenTypeIds!)).toEqual([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]]);
    expect(rows(b.labels!)).toEqual([2, 0]);
    expect(b.labels!.dtype).toBe('int64');
    expect(b.numTokens).toBe(10);
  });
  it('padToMultipleOf rounds the length up; padding max_length pads to maxLength; left padding', () => {
    expect(dataCollatorWithPadding({ padToMultipleOf: 8 })(examples).inputIds.shape).toEqual([2, 8]);
    expect(dataCollatorWithPadding({ padding: 'max_length', maxLength: 6 })(examples).inputIds.shape).toEqual([2, 6]);
    expect(rows(dataCollatorWithPadding({ paddingSide: 'left' })(examples).inputIds)[0]).toEqual([0, 0, 101, 7, 102]);
    expect(() => dataCollatorWithPadding({ padding: 'max_length', maxLength: 4 })(examples)).toThrow(/a row has 5 tokens, more than the padded length 4/);
  });
  it('float labels for regression or multi-label (labelDtype float32)', () => {
    const b = dataCollatorWithPadding({ labelDtype: 'float32' })([{ inputIds: [1], labels: [1, 0, 1] }, { inputIds: [2], labels: [0, 0, 1] }]);
    expect(b.labels!.dtype).toBe('float32');
    expect(rows(b.labels!)).toEqual([[1, 0, 1], [0, 0, 1]]);
  });
  it('DataCollatorForLanguageModeling: labels are the ids with pads set to -100', () => {
    const b = dataCollatorForLanguageModeling({ padTokenId: 1 })([{ inputIds: [2, 50, 51] }, { inputIds: [2, 60] }]);
    expect(rows(b.inputIds)).toEqual([[2, 50, 51], [2, 60, 1]]);
    expect(rows(b.labels!)).toEqual([[2, 50, 51], [2, 60, -100]]);
    expect(rows(b.attentionMask)).toEqual([[1, 1, 1], [1, 1, 0]]);
  });
  it('makes int64 ids, mask and token types (the embeddings take int64), and names the collator of a row too long for its padded length', () => {
    const b = dataCollatorWithPadding()(examples);
    expect([b.inputIds.dtype, b.attentionMask.dtype, b.tokenTypeIds!.dtype]).toEqual(['int64', 'int64', 'int64']);
    const lm = dataCollatorForLanguageModeling()([{ inputIds: [2, 50] }]);
    expect([lm.inputIds.dtype, lm.attentionMask.dtype, lm.labels!.dtype, lm.numTokens]).toEqual(['int64', 'int64', 'int64', 2]);
    expect(() => dataCollatorWithPadding({ padding: 'max_length', maxLength: 2 })([{ inputIds: [1, 2], attentionMask: [1, 1, 1] }])).toThrow(/^DataCollatorWithPadding: a row has 3 tokens/);
    expect(() => dataCollatorWithPadding({ padding: 'max_length', maxLength: 2 })([{ inputIds: [1], tokenTypeIds: [0, 0, 0] }])).toThrow(/^DataCollatorWithPadding: a row has 3 tokens/);
    expect(() => dataCollatorForLanguageModeling({ padding: 'max_length', maxLength: 2 })([{ inputIds: [1, 2, 3] }])).toThrow(/^DataCollatorForLanguageModeling: a row has 3 tokens/);
    expect(() => dataCollatorForLanguageModeling({ padding: 'max_length', maxLength: 2 })([{ inputIds: [1], attentionMask: [1, 1, 1] }])).toThrow(/^DataCollatorForLanguageModeling: a row has 3 tokens/);
    expect(() => dataCollatorWithPadding()([{ inputIds: [1], labels: 1 }, { inputIds: [2] }])).toThrow(/^DataCollatorWithPadding: row 1\.labels/);
    expect(() => dataCollatorForLanguageModeling()([])).toThrow(/DataCollatorForLanguageModeling\(rows\)/);
  });
  it('a batch with labels on some rows only, or an empty row, is an error naming the row', () => {
    expect(() => dataCollatorWithPadding()([{ inputIds: [1], labels: 1 }, { inputIds: [2] }])).toThrow(/row 1\.labels/);
    expect(() => dataCollatorWithPadding()([{ inputIds: [] }])).toThrow(/row 0\.inputIds: expected a non-empty array/);
  });
});

describe('TrainingArguments', () => {
  it('has transformers\' defaults', () => {
    const a = new TrainingArguments();
    expect([a.learningRate, a.numTrainEpochs, a.perDeviceTrainBatchSize, a.weightDecay, a.adamBeta2, a.adamEpsilon, a.maxGradNorm, a.lrSchedulerType, a.loggingSteps, a.saveSteps, a.seed, a.evaluationStrategy])
      .toEqual([5e-5, 3, 8, 0, 0.999, 1e-8, 1, 'linear', 500, 500, 42, 'no']);
  });
  it('a misspelled argument is an error that names it and the likely intended one', () => {
    expect(() => new TrainingArguments({ learningRte: 1 } as never)).toThrow(/unknown argument 'learningRte' \(did you mean 'learningRate'\?\)/);
    expect(() => new TrainingArguments({ warmupRatio: 2 })).toThrow(/warmupRatio: expected a ratio in \[0, 1\]/);
    expect(() => new TrainingArguments({ perDeviceTrainBatchSize: 0 })).toThrow(/perDeviceTrainBatchSize: expected an integer >= 1/);
  });
  it('__post_init__ rules: evalSteps defaults to loggingSteps, loadBestModelAtEnd needs matching strategies, greaterIsBetter follows the metric', () => {
    expect(new TrainingArguments({ evaluationStrategy: 'steps', loggingSteps: 7 }).evalSteps).toBe(7);
    expect(() => new TrainingArguments({ loadBestModelAtEnd: true, evaluationStrategy: 'epoch' })).toThrow(/save and eval strategy to match/);
    const a = new TrainingArguments({ loadBestModelAtEnd: true, evaluationStrategy: 'epoch', saveStrategy: 'epoch' });
    expect([a.metricForBestModel, a.greaterIsBetter]).toEqual(['loss', false]);
    expect(new TrainingArguments({ metricForBestModel: 'f1' }).greaterIsBetter).toBe(true);
    expect(new TrainingArguments({ evalStrategy: 'epoch' }).evaluationStrategy).toBe('epoch');
  });
  it('warmup: warmupSteps wins, else ceil(steps × warmupRatio)', () => {
    expect(new TrainingArguments({ warmupRatio: 0.2 }).getWarmupSteps(6)).toBe(2);
    expect(new TrainingArguments({ warmupRatio: 0.2, warmupSteps: 5 }).getWarmupSteps(6)).toBe(5);
  });
});
