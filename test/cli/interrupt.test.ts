// SIGINT through the CLI: an interrupted train exits 130 after saving a checkpoint and --resume
// finishes it; an interrupted sweep exits 130 and, run again, keeps its finished runs, resumes
// the interrupted one from its checkpoint, and writes the table and plot of every run.
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BERT_VOCAB, readJsonl, runCli, startCli, tempDir, tinyBert, TWEETEVAL, waitFor } from './helpers';

let base: string;
beforeAll(async () => { base = await tinyBert(); });

const data = (steps: number) => [
  '--model', base, '--tokenizer', BERT_VOCAB, '--data-dir', TWEETEVAL, '--train-split', 'test', '--max-train-samples', '200', '--max-length', '48',
  '--lr', '1e-3', '--max-steps', String(steps), '--batch-size', '8', '--logging-steps', '2', '--threads', '2',
];
const lossLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{"loss"')).length;

describe('SIGINT', () => {
  it('train exits 130 with a checkpoint, and --resume finishes the run', async () => {
    const out = path.join(tempDir(), 'run');
    const args = ['train', ...data(120), '--method', 'lora', '--r', '2', '--output-dir', out];
    const run = startCli(args);
    await waitFor(run.output, (o) => lossLines(o.stderr) >= 1, run.done);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    const line = r.stderr.split('\n').find((l) => l.startsWith('node-peft: interrupted at step'));
    expect(line).toMatch(/^node-peft: interrupted at step (\d+): checkpoint .*checkpoint-\1 saved; run the same command with --resume to continue$/);
    const step = Number(/step (\d+)/.exec(line!)![1]);
    expect(step).toBeLessThan(120);
    expect(fs.existsSync(path.join(out, `checkpoint-${step}`, 'adapter_model.safetensors'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).status).toBe('interrupted');

    const again = await runCli(args);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^node-peft: --output-dir .* holds checkpoints of an earlier run \(checkpoint-\d+\): pass --resume to continue it or --overwrite to start over$/);

    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'trainer_state.json'), 'utf8'));
    expect(state.global_step).toBe(120);
    const steps = state.log_history.filter((e: Record<string, number>) => e.loss !== undefined).map((e: Record<string, number>) => e.step);
    expect(steps).toEqual(steps.slice().sort((a: number, b: number) => a - b));
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps[steps.length - 1]).toBe(120);
    expect(fs.existsSync(path.join(out, 'adapter_model.safetensors'))).toBe(true);
  });

  it('sweep exits 130 mid-run; run again it keeps finished runs, resumes the interrupted one, and writes table and plot', async () => {
    const out = path.join(tempDir(), 'sweep');
    const args = ['sweep', ...data(40), '--methods', 'top1', '--lora-r', '1,2', '--eval-split', 'val', '--max-eval-samples', '40', '--output-dir', out];
    const run = startCli(args);
    let mark = 0;
    await waitFor(run.output, (o) => { if (!mark && o.stdout.includes('sweep: lora-r1 (2/3)')) mark = lossLines(o.stderr); return mark > 0 && lossLines(o.stderr) > mark; }, run.done);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('node-peft: sweep interrupted');
    expect(fs.readFileSync(path.join(out, 'sweep.md'), 'utf8').trim().split('\n')).toHaveLength(3);  // header, rule, top1
    const checkpoints = fs.readdirSync(path.join(out, 'lora-r1')).filter((f) => f.startsWith('checkpoint-'));
    expect(checkpoints.length).toBe(1);
    const top1Summary = fs.statSync(path.join(out, 'top1', 'summary.json')).mtimeMs;

    const resumed = await runCli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('sweep: top1 (1/3) finished earlier, not redone');
    expect(resumed.stdout).toContain('sweep: lora-r1 (2/3) resumes from its last checkpoint');
    expect(resumed.stdout).toContain('sweep: lora-r2 (3/3)\n');
    expect(fs.statSync(path.join(out, 'top1', 'summary.json')).mtimeMs).toBe(top1Summary);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'lora-r1', 'trainer_state.json'), 'utf8')).global_step).toBe(40);

    const md = fs.readFileSync(path.join(out, 'sweep.md'), 'utf8').trim().split('\n');
    expect(md[0]).toBe('| Method | r | Precision | F1 (macro) | Trainable params | Wall time | Peak RSS | Saved size |');
    expect(md.slice(2).map((l) => l.split('|').slice(1, 3).map((c) => c.trim()))).toEqual([['top1', ''], ['lora', '1'], ['lora', '2']]);
    const csv = readCsvRows(path.join(out, 'sweep.csv'));
    expect(csv.map((r) => r.run)).toEqual(['top1', 'lora-r1', 'lora-r2']);
    for (const row of csv) {
      const summary = JSON.parse(fs.readFileSync(path.join(out, row.run, 'summary.json'), 'utf8'));
      expect(Number(row.eval_f1)).toBe(summary.metrics.eval_f1);
      expect(Number(row.trainable_params)).toBe(summary.trainable);
      expect(Number(row.peak_rss_bytes)).toBeGreaterThan(0);
      expect(Number(row.saved_bytes)).toBeGreaterThan(0);
    }
    expect(Number(csv[2].trainable_params)).toBeGreaterThan(Number(csv[1].trainable_params));  // r=2 adapts more than r=1
    const svg = fs.readFileSync(path.join(out, 'sweep.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect([...svg.matchAll(/class="point" data-run="([^"]+)"/g)].map((m) => m[1])).toEqual(['top1', 'lora-r1', 'lora-r2']);
    expect(readJsonl(path.join(out, 'lora-r2', 'log.jsonl')).length).toBeGreaterThan(0);
  });
});

function readCsvRows(file: string): Record<string, string>[] {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}
