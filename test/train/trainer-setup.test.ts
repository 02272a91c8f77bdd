// What new Trainer(...) sets up before any training, one choice at a time, as transformers'
// Trainer.__init__ / get_*_dataloader / create_optimizer make them: the option checks, the default
// collator (per model type, from the tokenizer or the config), the reporting callbacks, and the
// optimizer's weight-decay groups (no decay on biases and LayerNorm weights).
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { BertConfig, BertForMaskedLM, LoraConfig, TaskType, Trainer, TrainingArguments, dataCollatorWithPadding, getPeftModel, type Example } from '../../lib';
import { BertTokenizer } from '../../lib/tokenizers';
import { DefaultFlowCallback } from '../../lib/train/callbacks';
import { JsonlLoggerCallback, ProgressCallback } from '../../lib/train/reporting';
import { TensorBoardCallback } from '../../lib/train/tensorboard';
import { tinyBert, tinyOpt, tmpDir } from './helpers';

const args = (extra: Record<string, unknown> = {}) => new TrainingArguments({ outputDir: tmpDir(), disableTqdm: true, reportTo: [], ...extra });
const rows = [{ inputIds: [5, 6, 7], labels: 1 }, { inputIds: [8], labels: 0 }];
const values = (t: torch.Tensor | undefined) => (t ? Array.from(t.toTypedArray() as ArrayLike<number | bigint>, Number) : undefined);

describe('Trainer options', () => {
  it('a missing model, args that are not TrainingArguments and unknown options are refused by name', () => {
    expect(() => new Trainer({} as never)).toThrow('Trainer.model: expected a model or a PeftModel, received undefined');
    expect(() => new Trainer({ model: tinyBert(), args: { outputDir: 'x' } as never })).toThrow(/^Trainer\.args: expected a TrainingArguments, received/);
    expect(() => new Trainer({ model: tinyBert(), arg: args() } as never)).toThrow(/^Trainer: unknown option 'arg'/);
  });
});

describe('the default collator', () => {
  it('BERT classification: labels int64, padded with the config pad_token_id on the right', () => {
    const trainer = new Trainer({ model: tinyBert(0, { pad_token_id: 3 }), args: args() });
    const b = trainer.dataCollator(rows);
    expect(b.labels!.dtype).toBe('int64');
    expect(values(b.inputIds)).toEqual([5, 6, 7, 8, 3, 3]);
    expect(values(b.attentionMask)).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('regression (num_labels 1) and multi-label classification: labels float32', () => {
    expect(new Trainer({ model: tinyBert(0, { num_labels: 1 }), args: args() }).dataCollator(rows).labels!.dtype).toBe('float32');
    const multi = tinyBert(0, { problem_type: 'multi_label_classification' });
    expect(new Trainer({ model: multi, args: args() }).dataCollator([{ inputIds: [5], labels: [1, 0, 1] }]).labels!.dtype).toBe('float32');
    expect(new Trainer({ model: tinyBert(0, { problem_type: 'regression' }), args: args() }).dataCollator(rows).labels!.dtype).toBe('float32');
  });

  it('regression trains end to end with the default collator: float targets such as 0.25 reach the MSE loss', async () => {
    const model = tinyBert(4, { num_labels: 1 });
    const data = [{ inputIds: [5, 6], labels: 0.25 }, { inputIds: [7], labels: 0.75 }];
    const trainer = new Trainer({ model, trainDataset: data, args: args({ maxSteps: 2, perDeviceTrainBatchSize: 2, loggingSteps: 1, saveStrategy: 'no' }) });
    const out = await trainer.train();
    expect(out.globalStep).toBe(2);
    expect(trainer.state.logHistory.filter((e) => e.loss !== undefined).every((e) => Number.isFinite(e.loss))).toBe(true);
    const b = trainer.dataCollator(data);
    expect(values(b.labels)).toEqual([0.25, 0.75]);
  });

  it("the tokenizer's pad id and padding side win over the config; padToMultipleOf comes from the arguments", () => {
    const tokenizer = { padTokenId: 9, paddingSide: 'left' as const };
    const b = new Trainer({ model: tinyBert(0, { pad_token_id: 3 }), tokenizer: tokenizer as never, args: args({ padToMultipleOf: 4 }) }).dataCollator(rows);
    expect(values(b.inputIds)).toEqual([9, 5, 6, 7, 9, 9, 9, 8]);
  });

  it('OPT causal LM: labels are the ids with -100 at the padding', () => {
    const b = new Trainer({ model: tinyOpt(0, { pad_token_id: 1 }), args: args() }).dataCollator([{ inputIds: [5, 6] }, { inputIds: [7] }]);
    expect(values(b.labels)).toEqual([5, 6, 7, -100]);
    expect(values(b.inputIds)).toEqual([5, 6, 7, 1]);
  });

  it('a BertForMaskedLM needs a tokenizer (for its mask token) or a collator; with a tokenizer it gets the masked-LM collator', () => {
    torch.manualSeed(0);
    const mlm = BertForMaskedLM.fromConfig(new BertConfig({ vocab_size: 50, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 }));
    expect(() => new Trainer({ model: mlm, args: args() })).toThrow('Trainer: a BertForMaskedLM needs a tokenizer (for its mask token) or a dataCollator (dataCollatorForMaskedLM)');
    const tokenizer = new BertTokenizer({ vocab: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b'] });
    const masked = new Trainer({ model: mlm, tokenizer, args: args() }).dataCollator([{ inputIds: [2, 5, 6, 3] }]);
    expect(values(masked.labels)!.length).toBe(4);  // the masked-LM collator: labels made from the ids
        const collator = () => { throw new Error('not called'); };
    expect(new Trainer({ model: mlm, dataCollator: collator as never, args: args() }).dataCollator).toBe(collator);
  });
});

describe('reporting callbacks', () => {
  const kinds = (t: Trainer) => t.callbackHandler.callbacks.map((c) => c.constructor.name);
  it('reportTo and disableTqdm choose them, before the user callbacks, in this order', () => {
    class Mine extends DefaultFlowCallback {}
    expect(kinds(new Trainer({ model: tinyBert(), args: args(), callbacks: [new Mine()] }))).toEqual(['DefaultFlowCallback', 'Mine']);
    const all = new Trainer({ model: tinyBert(), args: args({ reportTo: ['jsonl', 'tensorboard'], disableTqdm: false }) });
    expect(all.callbackHandler.callbacks.map((c) => c.constructor)).toEqual([DefaultFlowCallback, JsonlLoggerCallback, TensorBoardCallback, ProgressCallback]);
    expect(kinds(new Trainer({ model: tinyBert(), args: args({ reportTo: ['tensorboard'] }) }))).toEqual(['DefaultFlowCallback', 'TensorBoardCallback']);
  });

  it('the progress bar counts batch × accumulation samples per optimizer step', () => {
    const t = new Trainer({ model: tinyBert(), args: args({ disableTqdm: false, perDeviceTrainBatchSize: 3, gradientAccumulationSteps: 4 }) });
    const progress = t.callbackHandler.callbacks.find((c) => c instanceof ProgressCallback) as unknown as { samplesPerStep: number };
    expect(progress.samplesPerStep).toBe(12);
  });
});

describe('columns (transformers _remove_unused_columns)', () => {
  const keysSeen = async (extra: Record<string, unknown>) => {
    const keys: string[][] = [];
    const pad = dataCollatorWithPadding();
    const data = [{ inputIds: [5, 6], labels: 1, score: 0.5, note: 'x' }];
    const collate = (b: Example[]) => { keys.push(Object.keys(b[0])); return pad(b.map(({ inputIds, labels }) => ({ inputIds, labels }))); };
    await new Trainer({ model: tinyBert(), trainDataset: data, dataCollator: collate, args: args({ maxSteps: 1, saveStrategy: 'no', ...extra }) }).train();
    return keys[0];
  };
  it('the model inputs and labels reach the collator, other columns do not, unless labelNames or removeUnusedColumns: false keep them', async () => {
    expect(await keysSeen({})).toEqual(['inputIds', 'labels']);
    expect(await keysSeen({ labelNames: ['score'] })).toEqual(['inputIds', 'labels', 'score']);
    expect(await keysSeen({ removeUnusedColumns: false })).toEqual(['inputIds', 'labels', 'score', 'note']);
  });
});

describe('createOptimizer (transformers create_optimizer)', () => {
  it('weight decay on the trainable weights; none on biases and LayerNorm weights; frozen parameters left out', () => {
    const peft = getPeftModel(tinyBert(1), new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 2 }));
    const trainer = new Trainer({ model: peft, args: args({ weightDecay: 0.1, learningRate: 3e-4 }) });
    const optimizer = trainer.createOptimizer();
    expect(optimizer.kind).toBe('adamw');
    const [decay, noDecay] = optimizer.paramGroups;
    expect([decay.weightDecay, noDecay.weightDecay, decay.lr]).toEqual([0.1, 0, 3e-4]);
    const trainable = peft.namedParameters().filter(([, t]) => t.requiresGrad).map(([n]) => n).sort();
    expect([...decay.names, ...noDecay.names].sort()).toEqual(trainable);
    expect(noDecay.names.every((n) => n.endsWith('.bias') || n.includes('LayerNorm'))).toBe(true);
    expect(noDecay.names.length).toBeGreaterThan(0);
    expect(decay.names.every((n) => !n.endsWith('.bias') && !n.includes('LayerNorm'))).toBe(true);
    expect(trainer.createOptimizer()).toBe(optimizer);  // made once
  });

  it("a PeftModel's trainable LayerNorm (base_model.model. prefix) goes without decay", () => {
    const peft = getPeftModel(tinyBert(1), new LoraConfig({ taskType: TaskType.SEQ_CLS, r: 2 }));
    const norm = 'base_model.model.bert.embeddings.LayerNorm.weight';
    peft.namedParameters().filter(([n]) => n === norm).forEach(([, t]) => { t.requiresGrad = true; });
    const [decay, noDecay] = new Trainer({ model: peft, args: args({ weightDecay: 0.1 }) }).createOptimizer().paramGroups;
    expect(noDecay.names).toContain(norm);
    expect(decay.names).not.toContain(norm);
  });

  it("full fine-tuning: every LayerNorm's weight and bias without decay; optim 'sgd' gives SGD", () => {
    const model = tinyBert(2);
    const optimizer = new Trainer({ model, args: args({ weightDecay: 0.01, optim: 'sgd' }) }).createOptimizer();
    expect(optimizer.kind).toBe('sgd');
    const norms = model.namedModules().filter(([, m]) => m.type === 'LayerNorm').flatMap(([n]) => [`${n}.weight`, `${n}.bias`]);
    for (const n of norms) expect(optimizer.paramGroups[1].names).toContain(n);
  });

  it('a model with nothing to train is an error saying so', () => {
    const model = tinyBert(3);
    model.namedParameters().forEach(([, t]) => { t.requiresGrad = false; });
    expect(() => new Trainer({ model, args: args() }).createOptimizer()).toThrow('the model has no trainable parameters: nothing to train (did you freeze everything?)');
  });
});
