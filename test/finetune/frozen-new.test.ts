// A LoRA run on a checkpoint that lacks some of the task model's weights (a BertForMaskedLM
// loaded as a classifier: no pooler) names the drawn weights that LoRA keeps frozen, and stops
// naming them once modules_to_save trains and saves them.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it, vi } from 'vitest';
import { frozenNewWeights, frozenNewWeightsWarning } from '../../lib/finetune/frozen-new';
import { applyMethod } from '../../lib/finetune/methods';
import { fineTune } from '../../lib/finetune/run';
import { loadTaskModel } from '../../lib/finetune/task';
import { BertConfig, BertForMaskedLM } from '../../lib/models';

const BERT_VOCAB = path.resolve(__dirname, '../../data/vocab/bert-base-cased');

async function mlmCheckpoint(vocabSize = 99): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frozen-new-'));
  const model = BertForMaskedLM.fromConfig(new BertConfig({ vocab_size: vocabSize, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 }));
  await model.savePretrained(dir);
  return dir;
}

const POOLER = ['bert.pooler.dense.weight', 'bert.pooler.dense.bias'];
const labels = { id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 } };

describe('frozenNewWeights', () => {
  it("names the drawn pooler of an MLM checkpoint under LoRA (the classifier is saved by PEFT's modules_to_save: not named)", async () => {
    const dir = await mlmCheckpoint();
    const base = await loadTaskModel(dir, 'sequence-classification', { labels, warn: false });
    expect(base.loadingInfo.missingKeys).toEqual(expect.arrayContaining([...POOLER, 'classifier.weight']));
    applyMethod(base, 'sequence-classification', 'lora', { r: 2 });
    expect(frozenNewWeights(base).sort()).toEqual([...POOLER].sort());
    const text = frozenNewWeightsWarning(frozenNewWeights(base), dir);
    expect(text).toContain(`2 weights not in ${dir} were newly initialised and stay frozen under LoRA`);
    expect(text).toContain('--modules-to-save bert.pooler.dense ');
  });

  it('names nothing once the suggested modules_to_save trains them, or when every weight trains (full fine-tuning)', async () => {
    const dir = await mlmCheckpoint();
    const lora = await loadTaskModel(dir, 'sequence-classification', { labels, warn: false });
    applyMethod(lora, 'sequence-classification', 'lora', { r: 2, modulesToSave: ['bert.pooler.dense'] });
    expect(frozenNewWeights(lora)).toEqual([]);
    const full = await loadTaskModel(dir, 'sequence-classification', { labels, warn: false });
    applyMethod(full, 'sequence-classification', 'full');
    expect(frozenNewWeights(full)).toEqual([]);
  });

  it('is what `train` warns about: LoRA on an MLM checkpoint names the pooler and the fix, full fine-tuning does not warn', async () => {
    const dir = await mlmCheckpoint(28996);
    for (const f of fs.readdirSync(BERT_VOCAB)) fs.copyFileSync(path.join(BERT_VOCAB, f), path.join(dir, f));
    const run = async (method: 'lora' | 'full') => {
      const warnings: string[] = [];
      const spy = vi.spyOn(console, 'warn').mockImplementation((m: string) => { warnings.push(m); });
      try {
        await fineTune({
          model: dir, method, lora: { r: 2 }, data: { dataDir: path.resolve(__dirname, '../../data/tweeteval-sentiment'), trainSplit: 'val', maxTrainSamples: 8, maxLength: 16, cache: false },
          args: { outputDir: fs.mkdtempSync(path.join(os.tmpdir(), 'frozen-new-run-')), maxSteps: 1, perDeviceTrainBatchSize: 8, disableTqdm: true, saveStrategy: 'no' },
        }, { print: () => {}, warn: true });
      } finally {
        spy.mockRestore();
      }
      return warnings.filter((w) => w.startsWith('node-peft: '));
    };
    const lora = await run('lora');
    expect(lora).toHaveLength(1);
    expect(lora[0]).toContain('[bert.pooler.dense.weight, bert.pooler.dense.bias]');
    expect(lora[0]).toContain('--modules-to-save bert.pooler.dense');
    expect(await run('full')).toEqual([]);
  }, 60_000);
});

