/**
 * End-to-end helpers: the real command line (node dist/cli/index.js) spawned as a user would,
 * tiny models saved into temporary folders, and the repository's real data.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll } from 'vitest';
import { BertConfig, BertForSequenceClassification, OPTConfig, OPTForCausalLM } from '../../lib';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli/index.js');
export const TWEETEVAL = path.join(ROOT, 'data/tweeteval-sentiment');
export const PLATO = path.join(ROOT, 'data/plato');
export const BERT_VOCAB = path.join(ROOT, 'data/vocab/bert-base-cased');
export const GPT2_VOCAB = path.join(ROOT, 'data/vocab/gpt2');

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(prefix = 'node-peft-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Starts the CLI (the compiled one: what `npx node-peft` runs). Two threads: the machine is shared. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult>; output: () => { stdout: string; stderr: string } } {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (or npx tsc -p tsconfig.json) before these tests`);
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, OMP_NUM_THREADS: '2', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Resolves when `seen` holds for the child's output so far (polling; no timing assumed). */
export async function waitFor(output: () => { stdout: string; stderr: string }, seen: (o: { stdout: string; stderr: string }) => boolean, done: Promise<CliResult>): Promise<void> {
  let finished = false;
  void done.then(() => { finished = true; });
  while (!seen(output())) {
    if (finished) throw new Error(`the command ended before the awaited output:\n${output().stdout}\n${output().stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A tiny BERT classifier (bert-base-cased's vocabulary size), saved with savePretrained. */
export async function tinyBert(): Promise<string> {
  const dir = tempDir('tiny-bert-');
  const model = BertForSequenceClassification.fromConfig(new BertConfig({
    vocab_size: 28996, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, max_position_embeddings: 128,
  }));
  await model.savePretrained(dir);
  return dir;
}

const OPT_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'];

/**
 * OPT's tokenizer files built from GPT-2's (data/vocab/gpt2): OPT's vocab.json puts <s>, <pad>,
 * </s>, <unk> first and GPT-2's tokens after them; its tokenizer prepends </s>.
 */
export function writeOptTokenizer(dir: string): void {
  const gpt2 = JSON.parse(fs.readFileSync(path.join(GPT2_VOCAB, 'encoder.json'), 'utf8')) as Record<string, number>;
  const vocab: Record<string, number> = {};
  OPT_SPECIALS.forEach((t, i) => { vocab[t] = i; });
  for (const [token, id] of Object.entries(gpt2).sort((a, b) => a[1] - b[1])) vocab[token] = id + OPT_SPECIALS.length;
  const added = (content: string) => ({ __type: 'AddedToken', content, lstrip: false, normalized: true, rstrip: false, single_word: false });
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(vocab));
  fs.copyFileSync(path.join(GPT2_VOCAB, 'vocab.bpe'), path.join(dir, 'merges.txt'));
  const specials = { bos_token: added('</s>'), eos_token: added('</s>'), unk_token: added('</s>'), pad_token: added('<pad>') };
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: true, add_prefix_space: false, errors: 'replace', model_max_length: 1e30, tokenizer_class: 'GPT2Tokenizer', ...specials }));
  fs.writeFileSync(path.join(dir, 'special_tokens_map.json'), JSON.stringify(specials));
}

/** A tiny OPT causal LM with OPT's vocabulary size and tokenizer files, saved as a model folder. */
export async function tinyOpt(): Promise<string> {
  const dir = tempDir('tiny-opt-');
  const model = OPTForCausalLM.fromConfig(new OPTConfig({
    vocab_size: 50272, hidden_size: 32, ffn_dim: 64, num_hidden_layers: 2, num_attention_heads: 4, max_position_embeddings: 256,
    word_embed_proj_dim: 32, pad_token_id: 1, bos_token_id: 2, eos_token_id: 2,
  }));
  await model.savePretrained(dir);
  writeOptTokenizer(dir);
  return dir;
}

/** The rows of a JSON Lines file. */
export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
