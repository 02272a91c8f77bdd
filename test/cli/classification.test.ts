// The command line end to end on a classifier: train a tiny BERT with LoRA on real TweetEval
// tweets (bert-base-cased's tokenizer), then, each in a new process, predict, eval, merge and
// inspect — the saved adapter must give the labels the training process gave.
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BERT_VOCAB, readJsonl, runCli, tempDir, tinyBert, TWEETEVAL } from './helpers';

const EVAL_ROWS = 60;
let base: string;
let out: string;
let train: Awaited<ReturnType<typeof runCli>>;

type Pred = { label: string; probabilities: Record<string, number> };

beforeAll(async () => {
  base = await tinyBert();
  out = path.join(tempDir(), 'lora');
  train = await runCli([
    'train', '--model', base, '--tokenizer', BERT_VOCAB, '--data-dir', TWEETEVAL, '--train-split', 'test', '--eval-split', 'val',
    '--max-train-samples', '300', '--max-eval-samples', String(EVAL_ROWS), '--max-length', '64', '--method', 'lora', '--r', '4', '--alpha', '8',
    '--lr', '5e-3', '--epochs', '1', '--batch-size', '16', '--logging-steps', '4', '--output-dir', out, '--threads', '2',
  ]);
}, 120_000);

describe('train (sequence classification, LoRA) through the CLI', () => {
  it('exits 0, prints the trainable-parameter line and a summary, and writes the adapter, labels, tokenizer, logs and report', () => {
    expect(train.stderr.split('\n').filter((l) => l.startsWith('node-peft:'))).toEqual([]);
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/^trainable params: [\d,]+ \|\| all params: [\d,]+ \|\| trainable%: \d+\.\d{4}$/m);
    expect(train.stdout).toMatch(/^eval_f1\s+\d\.\d{4}$/m);
    expect(train.stdout).toMatch(/^adapter size\s+\d/m);
    expect(train.stdout).toMatch(/^peak RSS\s+\d/m);
    expect(train.stdout).toMatch(/training loss, steps 4\.\.16/);  // the terminal chart
    for (const f of ['adapter_model.safetensors', 'adapter_config.json', 'labels.json', 'vocab.txt', 'log.jsonl', 'trainer_state.json', 'report.html', 'summary.json', 'eval_predictions.jsonl']) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
    const labels = JSON.parse(fs.readFileSync(path.join(out, 'labels.json'), 'utf8'));
    expect(labels.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    const state = JSON.parse(fs.readFileSync(path.join(out, 'trainer_state.json'), 'utf8'));
    expect(state.global_step).toBe(19);  // ceil(300 / 16) steps of one epoch
    expect(readJsonl(path.join(out, 'log.jsonl'))).toEqual(state.log_history);
  });

  it('predict in a new process gives the labels and probabilities the training process gave', async () => {
    const r = await runCli(['predict', '--adapter', out, '--model', base, '--file', path.join(TWEETEVAL, 'val_text.txt'), '--max-samples', String(EVAL_ROWS), '--max-length', '64', '--format', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Pred & { text: string });
    const want = readJsonl<Pred>(path.join(out, 'eval_predictions.jsonl'));
    expect(got.length).toBe(EVAL_ROWS);
    expect(got.map((p) => p.label)).toEqual(want.map((p) => p.label));
    got.forEach((p, i) => {
      for (const [c, v] of Object.entries(want[i].probabilities)) expect(Math.abs(p.probabilities[c] - v)).toBeLessThan(1e-5);
    });
    const texts = fs.readFileSync(path.join(TWEETEVAL, 'val_text.txt'), 'utf8').split('\n');
    expect(got[0].text).toBe(texts[0]);
  });

  it('merge writes a plain model folder whose predictions equal the adapter\'s', async () => {
    const merged = path.join(tempDir(), 'merged');
    const m = await runCli(['merge', '--model', base, '--adapter', out, '--output-dir', merged]);
    expect(m.code, m.stderr).toBe(0);
    expect(fs.readdirSync(merged).sort()).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']));
    const config = JSON.parse(fs.readFileSync(path.join(merged, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    expect(config.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    const r = await runCli(['predict', '--model', merged, '--file', path.join(TWEETEVAL, 'val_text.txt'), '--max-samples', String(EVAL_ROWS), '--max-length', '64', '--format', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const want = readJsonl<Pred>(path.join(out, 'eval_predictions.jsonl'));
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Pred).label)).toEqual(want.map((p) => p.label));
  });

  it('eval in a new process reproduces the final evaluation of training', async () => {
    const r = await runCli(['eval', '--adapter', out, '--model', base, '--data-dir', TWEETEVAL, '--eval-split', 'val', '--max-eval-samples', String(EVAL_ROWS), '--max-length', '64', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const metrics = JSON.parse(r.stdout);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    for (const k of ['eval_accuracy', 'eval_precision', 'eval_recall', 'eval_f1']) expect(metrics[k], k).toBe(summary.metrics[k]);
    expect(Math.abs(metrics.eval_loss - summary.metrics.eval_loss)).toBeLessThan(1e-5);
  });

  it('predict prints a table of --text inputs with the label names', async () => {
    const r = await runCli(['predict', '--adapter', out, '--model', base, '--text', 'I love this, best day ever!', '--text', 'awful, just awful', '--format', 'table']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^text\s+label\s+p\(negative\)\s+p\(neutral\)\s+p\(positive\)$/);
    expect(lines.slice(2).map((l) => l.startsWith('I love this') || l.startsWith('awful'))).toEqual([true, true]);
  });

  it('inspect shows the adapter\'s LoRA targets, parameters and files', async () => {
    const r = await runCli(['inspect', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/LoRA: r=4, alpha=8, 4 adapted modules in layers 0,1/);
    expect(r.stdout).toContain('bert.encoder.layer.0.attention.self.query');
    expect(r.stdout).toContain('trained whole (modules_to_save): classifier');
    expect(r.stdout).toMatch(/adapter_model\.safetensors\s+\d/);
    const tree = await runCli(['inspect', out, '--tree', '--model', base]);
    expect(tree.code, tree.stderr).toBe(0);
    expect(tree.stdout).toContain('lora_A');
    expect(tree.stdout).toMatch(/^trainable params: [\d,]+ \|\| all params/m);
  });
});
