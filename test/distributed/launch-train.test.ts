// node-peft launch --nproc-per-node 2 train …: the real command line, two ranks training a tiny
// BERT with LoRA on TweetEval tweets. Rank 0 alone prints and writes the run's files; the
// summary says how many processes trained and how many bytes each all-reduced per step.
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { BERT_VOCAB, readJsonl, tinyBert, TWEETEVAL } from '../cli/helpers';
import { CLI, freePort, run, tempDir } from './helpers';

describe('node-peft launch … train', () => {
  it('trains on 2 processes: one header, one summary, the outputs written once', async () => {
    const base = await tinyBert();
    const out = path.join(tempDir(), 'ddp');
    const port = await freePort();
    const r = await run([process.execPath, CLI, 'launch', '--nproc-per-node', '2', '--master-port', String(port),
      'train', '--model', base, '--tokenizer', BERT_VOCAB, '--data-dir', TWEETEVAL, '--train-split', 'test', '--eval-split', 'val',
      '--max-train-samples', '64', '--max-eval-samples', '20', '--max-length', '32', '--method', 'lora', '--r', '4', '--alpha', '8',
      '--lr', '5e-3', '--epochs', '1', '--batch-size', '8', '--logging-steps', '2', '--save-steps', '2', '--output-dir', out], {}, 240_000).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^node-peft train: /gm)).toHaveLength(1);
    expect(r.stdout.match(/^trainable params: /gm)).toHaveLength(1);
    expect(r.stdout).toMatch(/^processes\s+2$/m);
    expect(r.stdout).toMatch(/^all-reduced per step\s+\d/m);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'trainer_state.json'), 'utf8'));
    expect(state.global_step).toBe(4);  // 64 rows / (2 ranks × 8)
    expect(readJsonl(path.join(out, 'log.jsonl')).filter((e) => 'loss' in e).map((e) => e.step)).toEqual([2, 4]);
    expect(readJsonl(path.join(out, 'eval_predictions.jsonl'))).toHaveLength(20);
    for (const f of ['adapter_model.safetensors', 'summary.json', 'report.html', 'checkpoint-2/rng_state_1.safetensors']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
  }, 300_000);
});
