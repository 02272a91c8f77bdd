// The Trainer against a real transformers 4.29.2 Trainer run (test/fixtures/trainer-epochs): LoRA
// r=4 on a BERT classifier, 3 epochs, batch 4, gradient accumulation 2, AdamW, cosine schedule
// with warmup, clipping, weight decay, evaluation every epoch. Same seed, same run: the collator
// sees the same rows in the same order, the log matches (losses to the logged 4 digits, learning
// rates exactly, eval losses within 1e-5), and the final adapter is within 1e-4.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { BertForSequenceClassification, PeftModel, Trainer, TrainingArguments, dataCollatorWithPadding, type Example } from '../../lib';
import { loadSafetensorsSync } from '../../lib/io';
import { expectClose, fixture } from '../models/helpers';

const DIR = 'trainer-epochs';
const expected = JSON.parse(fs.readFileSync(fixture(DIR, 'expected.json'), 'utf8'));
const data = JSON.parse(fs.readFileSync(fixture(DIR, 'data.json'), 'utf8'));
const rows = (split: 'train' | 'eval'): Example[] =>
  data[split].map((r: { idx: number; input_ids: number[]; attention_mask: number[]; labels: number }) => ({ idx: r.idx, inputIds: r.input_ids, attentionMask: r.attention_mask, labels: r.labels }));

async function fixtureTrainer(outputDir: string, calls: number[][]) {
  const base = await BertForSequenceClassification.fromPretrained(fixture(DIR), { warn: false, config: expected.model_overrides });
  const model = await PeftModel.fromPretrained(base, fixture(DIR, 'adapter_init'), { isTrainable: true });
  const pad = dataCollatorWithPadding({ padTokenId: 0 });
  const args = new TrainingArguments({ ...expected.training_args, outputDir, disableTqdm: true, removeUnusedColumns: false });
  const trainer = new Trainer({
    model, args, trainDataset: rows('train'), evalDataset: rows('eval'),
    dataCollator: (batch) => { calls.push(batch.map((r) => r.idx as number)); return pad(batch); },
  });
  return { trainer, model };
}

describe('Trainer reproduces transformers 4.29 Trainer run for run (trainer-epochs)', () => {
  it('collator calls, log history and final adapter', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-trainer-'));
    const calls: number[][] = [];
    const { trainer, model } = await fixtureTrainer(out, calls);
    const result = await trainer.train();
    expect(calls).toEqual(expected.collate_calls);
    const history = trainer.state.logHistory;
    expect(history.length).toBe(expected.log_history.length);
    expected.log_history.forEach((want: Record<string, number>, i: number) => {
      const got = history[i];
      expect(Object.keys(got).sort(), `log entry ${i} keys`).toEqual(Object.keys(want).sort());
      for (const [key, value] of Object.entries(want)) {
        if (/runtime|per_second/.test(key)) continue;  // wall-clock figures
        if (key === 'eval_loss' || key === 'train_loss') expect(Math.abs(got[key] - value), `${key} at entry ${i}`).toBeLessThan(1e-5);
        else expect(got[key], `${key} at entry ${i}`).toBe(value);
      }
    });
    expect(result.status).toBe('completed');
    expect(result.globalStep).toBe(6);
    const final = loadSafetensorsSync(fixture(DIR, 'final.safetensors')).tensors;
    const adapter = model.getAdapterStateDict();
    expect([...adapter.keys()].sort()).toEqual([...final.keys()].sort());
    for (const [key, want] of final) expectClose(adapter.get(key)!, want, 1e-4, key);
    const jsonl = fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl).toEqual(history);
  });
});
