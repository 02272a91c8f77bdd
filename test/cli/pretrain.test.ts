// node-peft pretrain end to end: a tiny BERT (masked LM) and a tiny OPT (causal LM) pre-trained
// from scratch on Plato with the Apology held out; the folders they leave are transformers model
// folders that node-peft loads; the output-folder rules, SIGINT and --resume are train's.
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, BertForMaskedLM, OPTForCausalLM } from '../../lib';
import { readSafetensorsHeader } from '../../lib/io';
import { BERT_VOCAB, PLATO, readJsonl, runCli, startCli, tempDir, TWEETEVAL, waitFor, writeOptTokenizer } from './helpers';

/** Crito and the first lines of the Apology: a few hundred blocks of training text, a few held out. */
function platoSlice(): string {
  const dir = tempDir('plato-');
  fs.copyFileSync(path.join(PLATO, '1657.txt'), path.join(dir, '1657.txt'));
  fs.writeFileSync(path.join(dir, '1656.txt'), fs.readFileSync(path.join(PLATO, '1656.txt'), 'utf8').split('\n').slice(0, 400).join('\n'));
  return dir;
}

const shape = ['--hidden-size', '32', '--layers', '1', '--heads', '2', '--ffn-size', '64', '--max-positions', '64', '--block-size', '32'];
let data: string;
let bertOut: string;
let bert: Awaited<ReturnType<typeof runCli>>;

beforeAll(async () => {
  data = platoSlice();
  bertOut = path.join(tempDir(), 'mini');
  bert = await runCli([
    'pretrain', '--family', 'bert', '--tokenizer', BERT_VOCAB, '--data-dir', data, '--hold-out', '1656.txt', ...shape,
    '--lr', '3e-3', '--max-steps', '40', '--batch-size', '16', '--logging-steps', '10', '--save-steps', '20', '--threads', '2', '--output-dir', bertOut,
  ]);
}, 120_000);

describe('pretrain --family bert', () => {
  it('exits 0 and prints the summary: steps, tokens seen, held-out loss and its perplexity', () => {
    expect(bert.code, bert.stderr).toBe(0);
    expect(bert.stdout).toMatch(/^model\s+BertForMaskedLM$/m);
    expect(bert.stdout).toMatch(/^steps\s+40$/m);
    expect(bert.stdout).toMatch(/^tokens seen\s+20,480$/m);  // 40 steps × 16 blocks × 32 tokens
    const summary = JSON.parse(fs.readFileSync(path.join(bertOut, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('completed');
    expect(summary.perplexity).toBeCloseTo(Math.exp(summary.evalLoss), 6);
    expect(fs.readFileSync(path.join(bertOut, 'report.html'), 'utf8')).toContain('pre-training a BERT (masked LM)');
  });

  it('learns: the logged masked-LM loss falls from ln(vocabulary) by more than 1 nat in 40 steps', () => {
    const losses = readJsonl<Record<string, number>>(path.join(bertOut, 'log.jsonl')).filter((e) => e.learning_rate !== undefined).map((e) => e.loss);
    expect(losses).toHaveLength(4);
    expect(losses[0]).toBeLessThan(Math.log(28996) + 0.2);
    expect(losses[3]).toBeLessThan(Math.log(28996) - 1);
  });

  it("saves transformers' BertForMaskedLM keys (decoder tied: no separate cls.predictions.decoder.weight) and the tokenizer, and loads back", async () => {
    const keys = [...readSafetensorsHeader(path.join(bertOut, 'model.safetensors')).tensors.keys()];
    expect(keys).toContain('bert.embeddings.word_embeddings.weight');
    expect(keys).toContain('bert.encoder.layer.0.attention.self.query.weight');
    expect(keys).toContain('cls.predictions.transform.dense.weight');
    expect(keys).toContain('cls.predictions.bias');
    expect(keys).not.toContain('cls.predictions.decoder.weight');
    expect(keys.filter((k) => k.includes('encoder.layer.1.'))).toEqual([]);
    const config = JSON.parse(fs.readFileSync(path.join(bertOut, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'bert', architectures: ['BertForMaskedLM'], hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64, vocab_size: 28996 });
    expect(keys).toContain('bert.pooler.dense.weight');  // untrained but fixed: see the next test
    const model = await BertForMaskedLM.fromPretrained(bertOut);
    expect(model.loadingInfo.missingKeys).toEqual([]);
    expect(model.loadingInfo.unexpectedKeys).toEqual([]);  // transformers' BertForMaskedLM ignores "pooler" keys
    const tokenizer = await AutoTokenizer.fromPretrained(bertOut);
    expect(tokenizer.length).toBe(28996);
  });

  it('a LoRA classifier trained on the pre-trained folder evaluates the same in a new process (the pooler is in the folder, not redrawn at each load)', async () => {
    const out = path.join(tempDir(), 'cls');
    const train = await runCli([
      'train', '--model', bertOut, '--data-dir', TWEETEVAL, '--train-split', 'test', '--eval-split', 'val', '--max-train-samples', '64', '--max-eval-samples', '64',
      '--max-length', '32', '--method', 'lora', '--r', '4', '--lr', '1e-2', '--max-steps', '4', '--batch-size', '16', '--threads', '2', '--output-dir', out, '--quiet',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const ev = await runCli(['eval', '--adapter', out, '--data-dir', TWEETEVAL, '--eval-split', 'val', '--max-eval-samples', '64', '--max-length', '32', '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    expect(Math.abs(JSON.parse(ev.stdout).eval_loss - summary.metrics.eval_loss)).toBeLessThan(1e-5);
  }, 120_000);

  it('refuses to start over a folder with checkpoints without --resume or --overwrite, and --resume continues to the new --max-steps', async () => {
    const args = ['pretrain', '--family', 'bert', '--tokenizer', BERT_VOCAB, '--data-dir', data, '--hold-out', '1656.txt', ...shape, '--lr', '3e-3', '--batch-size', '16', '--save-steps', '20', '--threads', '2', '--output-dir', bertOut, '--quiet'];
    const again = await runCli([...args, '--max-steps', '40']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^node-peft: --output-dir .* holds checkpoints of an earlier run \(checkpoint-40\): pass --resume to continue it or --overwrite to start over$/);
    const resumed = await runCli([...args, '--max-steps', '50', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^steps\s+50$/m);
  }, 120_000);
});

describe('pretrain --family opt', () => {
  it("trains a causal LM with transformers' OPT keys whose held-out loss the eval command reproduces in a new process", async () => {
    const tokenizer = tempDir('opt-tok-');
    writeOptTokenizer(tokenizer);
    const out = path.join(tempDir(), 'mini-opt');
    const r = await runCli(['pretrain', '--family', 'opt', '--tokenizer', tokenizer, '--data-dir', data, '--hold-out', '1656.txt', ...shape, '--lr', '3e-3', '--max-steps', '10', '--batch-size', '8', '--threads', '2', '--output-dir', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^model\s+OPTForCausalLM$/m);
    const keys = [...readSafetensorsHeader(path.join(out, 'model.safetensors')).tensors.keys()];
    expect(keys).toContain('model.decoder.embed_tokens.weight');
    expect(keys).toContain('model.decoder.layers.0.self_attn.q_proj.weight');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'opt', ffn_dim: 64, word_embed_proj_dim: 32, vocab_size: 50261 });  // the tokenizer's length: GPT-2's 50,257 + OPT's 4 specials
    const model = await OPTForCausalLM.fromPretrained(out);
    expect(model.loadingInfo.missingKeys).toEqual([]);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const ev = await runCli(['eval', '--model', out, '--eval-file', path.join(data, '1656.txt'), '--block-size', '32', '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    expect(Math.abs(JSON.parse(ev.stdout).eval_loss - summary.evalLoss)).toBeLessThan(1e-4);
  }, 120_000);
});

describe('pretrain: bad input and SIGINT', () => {
  it('names a --hold-out file that is not in --data-dir', async () => {
    const r = await runCli(['pretrain', '--family', 'bert', '--tokenizer', BERT_VOCAB, '--data-dir', data, '--hold-out', 'apology.txt', ...shape, '--output-dir', path.join(tempDir(), 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^node-peft: --hold-out apology\.txt: not a \.txt file of --data-dir .* \(it has 2 \.txt files\)$/);
  });

  it('exits 130 after SIGINT with a checkpoint and no model file, and --resume finishes the run', async () => {
    const out = path.join(tempDir(), 'interrupted');
    const args = ['pretrain', '--family', 'bert', '--tokenizer', BERT_VOCAB, '--data-dir', data, ...shape, '--max-steps', '400', '--batch-size', '8', '--logging-steps', '2', '--threads', '2', '--output-dir', out];
    const run = startCli(args);
    await waitFor(run.output, (o) => o.stderr.split('\n').some((l) => l.startsWith('{"loss"')), run.done);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    const step = Number(/^node-peft: interrupted at step (\d+): checkpoint .*checkpoint-\1 saved/m.exec(r.stderr)![1]);
    expect(step).toBeLessThan(400);
    expect(fs.existsSync(path.join(out, `checkpoint-${step}`, 'model.safetensors'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(false);
    const resumed = await runCli([...args, '--resume', '--max-steps', String(step + 4), '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^steps\\s+${step + 4}$`, 'm'));
    expect(fs.existsSync(path.join(out, 'model.safetensors'))).toBe(true);
  }, 120_000);
});
