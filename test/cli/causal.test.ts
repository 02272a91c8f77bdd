// The command line end to end on a causal LM: a tiny OPT (OPT's tokenizer built from GPT-2's
// files) LoRA-tuned on a slice of Plato with the Apology held out, TensorBoard events on; then
// eval and generate in new processes, with and without the adapter.
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, OPTForCausalLM, PeftModel, readEvents, tensor } from '../../lib';
import { PLATO, readJsonl, runCli, tempDir, tinyOpt } from './helpers';

let base: string;
let out: string;
let train: Awaited<ReturnType<typeof runCli>>;

/** Plato's Crito and Apology, cut to their first lines: enough text for a few blocks. */
function platoSlice(): string {
  const dir = tempDir('plato-');
  for (const [file, lines] of [['1657.txt', 600], ['1656.txt', 300]] as const) {
    fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(PLATO, file), 'utf8').split('\n').slice(0, lines).join('\n'));
  }
  return dir;
}

beforeAll(async () => {
  base = await tinyOpt();
  out = path.join(tempDir(), 'opt-lora');
  train = await runCli([
    'train', '--model', base, '--data-dir', platoSlice(), '--hold-out', '1656.txt', '--block-size', '64', '--max-train-samples', '48', '--max-eval-samples', '8',
    '--method', 'lora', '--r', '8', '--alpha', '16', '--lr', '1e-2', '--max-steps', '12', '--batch-size', '4', '--logging-steps', '2',
    '--eval-strategy', 'steps', '--eval-steps', '6', '--report-to', 'tensorboard', '--output-dir', out, '--threads', '2',
  ]);
}, 120_000);

describe('train (causal LM, LoRA) through the CLI', () => {
  it('exits 0 and reports eval loss and perplexity, with the task taken from config.json', () => {
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/^task\s+causal-lm$/m);
    expect(train.stdout).toMatch(/^data: 48 training blocks of 64 tokens from 1 files, 8 evaluation blocks from .*1656\.txt$/m);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.metrics.eval_perplexity).toBeCloseTo(Math.exp(summary.metrics.eval_loss), 6);
    expect(summary.globalStep).toBe(12);
    expect(fs.existsSync(path.join(out, 'vocab.json'))).toBe(true);
  });

  it('--report-to tensorboard leaves an event file in <output-dir>/runs with every logged loss', () => {
    const files = fs.readdirSync(path.join(out, 'runs'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\./);
    const events = readEvents(fs.readFileSync(path.join(out, 'runs', files[0])));
    const losses = events.flatMap((e) => (e.values ?? []).filter((v) => v.tag === 'train/loss').map((v) => [e.step, v.simpleValue]));
    const logged = readJsonl<Record<string, number>>(path.join(out, 'log.jsonl')).filter((e) => e.learning_rate !== undefined);
    expect(losses).toEqual(logged.map((e) => [e.step, Math.fround(e.loss)]));
    expect(losses.map(([s]) => s)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('eval in a new process gives the eval loss of training', async () => {
    const r = await runCli(['eval', '--adapter', out, '--eval-file', path.join(PLATO, '1656.txt'), '--block-size', '64', '--max-eval-samples', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const metrics = JSON.parse(r.stdout);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(Math.abs(metrics.eval_loss - summary.metrics.eval_loss)).toBeLessThan(1e-5);
    expect(metrics.eval_perplexity).toBeCloseTo(Math.exp(metrics.eval_loss), 6);
  });

  it('generate streams the greedy continuation the library computes, with and without the adapter', async () => {
    const prompt = 'Socrates said that';
    const args = ['generate', '--prompt', prompt, '--max-new-tokens', '12', '--skip-prompt'];
    const withAdapter = await runCli([...args, '--adapter', out]);
    const without = await runCli([...args, '--model', base]);
    expect(withAdapter.code, withAdapter.stderr).toBe(0);
    expect(without.code, without.stderr).toBe(0);
    // The same generation in this process: greedy, no special tokens, no space clean-up.
    const tok = await AutoTokenizer.fromPretrained(base);
    const ids = tensor([tok.encode(prompt)], { dtype: 'int64' });
    const expected = async (adapter: boolean) => {
      const model = await OPTForCausalLM.fromPretrained(base, { warn: false });
      if (adapter) await PeftModel.fromPretrained(model, out);
      const seq = (await model.generate(ids, { maxNewTokens: 12, eosTokenId: tok.eosTokenId!, padTokenId: tok.padTokenId! })).toArray() as number[][];
      return tok.decode(seq[0].slice(ids.shape[1]), { skipSpecialTokens: true, cleanUpTokenizationSpaces: false });
    };
    expect(withAdapter.stdout).toBe(`${await expected(true)}\n`);
    expect(without.stdout).toBe(`${await expected(false)}\n`);
    expect(withAdapter.stdout).not.toBe(without.stdout);
  });

  it('generate with --sample and a seed is reproducible and prints the prompt first', async () => {
    const args = ['generate', '--adapter', out, '--prompt', 'The soul is', '--max-new-tokens', '10', '--sample', '--temperature', '0.8', '--top-k', '20', '--top-p', '0.9', '--repetition-penalty', '1.2', '--seed', '7'];
    const a = await runCli(args);
    const b = await runCli(args);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.startsWith('The soul is')).toBe(true);
    expect(a.stdout.length).toBeGreaterThan('The soul is\n'.length);
    expect(b.stdout).toBe(a.stdout);
  });
});
