// The command line's surface: --help documents every option with its default, and bad input
// ends with exit status 1 and one line on stderr that names the option or file and the fix.
// A few cases run the real binary; the rest call the same main() in this process (each spawn
// loads libtorch, seconds on a busy machine).
import * as path from 'path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli';
import { runCli, tempDir, tinyBert, TWEETEVAL } from './helpers';

let base: string;
beforeAll(async () => { base = await tinyBert(); });

/** main(argv) with its console output captured: what the binary would print and exit with. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const e = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  const l = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(`${a.join(' ')}\n`); });
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
  try {
    const code = await main([process.execPath, 'node-peft', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('\n') };
  } finally {
    e.mockRestore();
    l.mockRestore();
    w.mockRestore();
  }
}

/** stderr must be exactly one line starting with "node-peft: ". */
async function failsWith(args: string[], pattern: RegExp, spawned = false): Promise<void> {
  const r = spawned ? await runCli(args) : await inProcess(args);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^node-peft: /);
  expect(lines[0]).toMatch(pattern);
}

describe('node-peft --help', () => {
  it('lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['train', 'eval', 'predict', 'generate', 'merge', 'inspect', 'sweep', 'demo']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('train --help documents the options with their defaults', async () => {
    const r = await runCli(['train', '--help']);
    expect(r.code).toBe(0);
    for (const [flag, dflt] of [['--method', '"lora"'], ['--r', '8'], ['--alpha', '8'], ['--lr', '0.00005'], ['--epochs', '3'], ['--batch-size', '8'], ['--seed', '42'], ['--save-steps', '500'], ['--device', '"cpu"'], ['--lr-scheduler', '"linear"']]) {
      expect(r.stdout).toMatch(new RegExp(`${flag} [^\\n]*(\\n {10,}[^\\n]*)*(\\(|, )default: ${dflt}\\)`));
    }
    for (const flag of ['--target-modules', '--layers-to-transform', '--use-rslora', '--modules-to-save', '--hold-out', '--block-size', '--grad-accum', '--warmup-steps', '--weight-decay', '--eval-strategy', '--save-strategy', '--bf16', '--threads', '--report-to', '--resume', '--quiet', '--output-dir']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('each command has help', async () => {
    for (const c of ['eval', 'predict', 'generate', 'merge', 'inspect', 'sweep']) {
      const r = await inProcess([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout).toContain(`Usage: node-peft ${c}`);
    }
  });
});

describe('bad input: exit 1 and one line', () => {
  it('an unknown option (the binary exits 1)', () => failsWith(['train', '--model', base, '--output-dir', 'x', '--learning-rate', '1'], /unknown option '--learning-rate'/, true));
  it('a misspelt option, with a suggestion', () => failsWith(['train', '--model', base, '--output-dir', 'x', '--epoch', '1'], /unknown option '--epoch' \(Did you mean --epochs\?\)/));
  it('a bad number', () => failsWith(['train', '--model', base, '--output-dir', 'x', '--lr', 'fast'], /--lr.*must be a positive number/));
  it('a bad choice', () => failsWith(['train', '--model', base, '--output-dir', 'x', '--lr-scheduler', 'wavy'], /--lr-scheduler.*Allowed choices are linear, cosine/));
  it('a bad method', () => failsWith(['train', '--model', base, '--output-dir', 'x', '--method', 'top0'], /--method.*expected full, lora or topN/));
  it('a missing required option', () => failsWith(['train', '--model', base], /required option '--output-dir <dir>' not specified/));
  it('a model folder that does not exist', () => failsWith(['train', '--model', '/no/such/model', '--output-dir', tempDir(), '--data-dir', TWEETEVAL, '--train-split', 'test'], /Cannot find model '\/no\/such\/model'/, true));
  it('a split that does not exist', () => failsWith(['train', '--model', base, '--tokenizer', path.resolve('data/vocab/bert-base-cased'), '--output-dir', tempDir(), '--data-dir', TWEETEVAL, '--train-split', 'nosuch'], /tweeteval-sentiment: no data file for split 'nosuch'/));
  it('no data', () => failsWith(['train', '--model', base, '--tokenizer', path.resolve('data/vocab/bert-base-cased'), '--output-dir', tempDir()], /no data: pass --data-dir DIR/));
  it('no tokenizer', () => failsWith(['train', '--model', base, '--output-dir', tempDir(), '--data-dir', TWEETEVAL, '--train-split', 'test'], /no tokenizer files .* pass --tokenizer DIR/));
  it('--resume without a checkpoint', () => failsWith(['train', '--model', base, '--tokenizer', path.resolve('data/vocab/bert-base-cased'), '--output-dir', tempDir(), '--data-dir', TWEETEVAL, '--train-split', 'test', '--max-train-samples', '16', '--resume'], /--resume: no checkpoint-N folder in .*; run without --resume/));
  it('topN beyond the layers', () => failsWith(['train', '--model', base, '--tokenizer', path.resolve('data/vocab/bert-base-cased'), '--output-dir', tempDir(), '--data-dir', TWEETEVAL, '--train-split', 'test', '--max-train-samples', '16', '--method', 'top3', '--quiet'], /top3: the model has only 2 layers; use top1\.\.top2 or full/));
  it('evaluation asked for without evaluation data', () => failsWith(['train', '--model', base, '--output-dir', tempDir(), '--data-dir', TWEETEVAL, '--train-split', 'test', '--eval-strategy', 'steps'], /--eval-strategy steps needs evaluation data: pass --eval-file FILE/));
  it('predict without texts', () => failsWith(['predict', '--model', base], /nothing to classify: pass --text/));
  it('generate with a classifier', () => failsWith(['generate', '--model', base, '--tokenizer', path.resolve('data/vocab/bert-base-cased'), '--prompt', 'hi'], /generate needs a causal LM/));
  it('an adapter folder without adapter_config.json', () => failsWith(['merge', '--adapter', tempDir(), '--output-dir', tempDir()], /--adapter .*: no adapter_config\.json there/));
  it('sweep with nothing to run', () => failsWith(['sweep', '--model', base, '--output-dir', tempDir()], /nothing to run: pass --methods/));
  it('sweep with lora among the methods', () => failsWith(['sweep', '--model', base, '--output-dir', tempDir(), '--methods', 'full,lora'], /LoRA runs are given by --lora-r/));

  it('--verbose adds the stack trace', async () => {
    const r = await runCli(['predict', '--model', base, '--verbose']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('node-peft: nothing to classify: pass --text TEXT (repeatable) or --file FILE');
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
