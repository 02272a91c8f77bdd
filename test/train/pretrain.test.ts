// pretrain() in-process on a few hundred words (the CLI's tests run it in child processes, which
// mutation testing does not reach): the model's config from the tokenizer and the caller, the
// folder it leaves (transformers' files, tokenizer, BERT's fixed pooler, float16 on request),
// the held-out loss, resume and interruption, and its option errors.
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { pretrain, type TrainerCallback } from '../../lib';
import { tmpDir } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const VOCAB = { bert: path.join(ROOT, 'data/vocab/bert-base-cased'), opt: path.join(ROOT, 'data/vocab/opt-style') };

/** Two small text files cut from the Apology: train and held out. */
function texts(): { train: string; held: string } {
  const words = fs.readFileSync(path.join(ROOT, 'data/plato/1656.txt'), 'utf8').split(/\s+/).slice(2000, 2900);
  const dir = tmpDir('pretrain-text-');
  const [train, held] = [path.join(dir, 'train.txt'), path.join(dir, 'held.txt')];
  fs.writeFileSync(train, words.slice(0, 700).join(' '));
  fs.writeFileSync(held, words.slice(700).join(' '));
  return { train, held };
}
const SHAPE = { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 64 };
const ARGS = { perDeviceTrainBatchSize: 4, learningRate: 1e-3, disableTqdm: true, saveStrategy: 'steps' as const, saveSteps: 2 };
const header = (file: string) => {
  const buf = fs.readFileSync(file);
  return JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString('utf8'));
};

describe('pretrain', () => {
  it('trains a BERT whose vocab_size and pad id come from the tokenizer, and leaves a model folder with its tokenizer and a fixed pooler, float16 on request', async () => {
    const { train, held } = texts();
    const out = tmpDir();
    const r = await pretrain({ family: 'bert', config: { ...SHAPE, intermediate_size: 32 }, tokenizer: VOCAB.bert, trainFiles: [train], evalFiles: [held], blockSize: 32, saveFloat16: true, cache: false, args: { ...ARGS, outputDir: out, maxSteps: 3 } });
    expect(r.train.status).toBe('completed');
    expect(r.train.globalStep).toBe(3);
    expect(r.saveDir).toBe(path.join(out, 'model'));
    expect(r.trainTokens % 32).toBe(0);
    expect(r.trainTokens).toBeGreaterThan(32 * 8);
    expect(r.evalTokens).toBeGreaterThan(0);
    expect(Number.isFinite(r.evalLoss)).toBe(true);
    expect(r.perplexity).toBeCloseTo(Math.exp(r.evalLoss), 6);
    expect(r.history.some((e) => 'train_loss' in e)).toBe(true);
    const config = JSON.parse(fs.readFileSync(path.join(r.saveDir!, 'config.json'), 'utf8'));
    expect([config.architectures, config.vocab_size, config.pad_token_id, config.hidden_size]).toEqual([['BertForMaskedLM'], 28996, 0, 16]);
    expect(fs.readdirSync(r.saveDir!).sort()).toEqual(['config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
    const h = header(path.join(r.saveDir!, 'model.safetensors'));
    expect(h['bert.pooler.dense.weight'].dtype).toBe('F16');
    expect(h['bert.embeddings.word_embeddings.weight'].dtype).toBe('F16');
    expect(r.model.namedParameters()[0][1].dtype).toBe('float32');  // the model in memory stays float32
    const loaded = await torch.BertForSequenceClassification.fromPretrained(r.saveDir!, { numLabels: 2, warn: false });
    expect(loaded.loadingInfo.missingKeys.filter((k) => k.includes('pooler'))).toEqual([]);
  });

  it('trains an OPT with the caller\'s config fields over the defaults, resumes from the last checkpoint, and leaves float32 by default', async () => {
    const { train, held } = texts();
    const out = tmpDir();
    const opt = (maxSteps: number, o: Record<string, unknown> = {}) => pretrain({ family: 'opt', config: { ...SHAPE, ffn_dim: 32, word_embed_proj_dim: 16, vocab_size: 50272 }, tokenizer: VOCAB.opt, trainFiles: [train], evalFiles: [held], blockSize: 32, cache: false, args: { ...ARGS, outputDir: out, maxSteps }, ...o });
    const first = await opt(2);
    expect(first.train.globalStep).toBe(2);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'model', 'config.json'), 'utf8'));
    // vocab_size as given (mini-opt pads it to 50272, as facebook/opt does) over the tokenizer's 50257 + 4; the pad id from the tokenizer (<pad> is 1).
    expect([config.architectures, config.vocab_size, config.pad_token_id]).toEqual([['OPTForCausalLM'], 50272, 1]);
    const keys = header(path.join(out, 'model', 'model.safetensors'));
    expect(keys['model.decoder.embed_tokens.weight'].dtype).toBe('F32');
    expect(Object.keys(keys).filter((k) => k.includes('pooler'))).toEqual([]);  // BERT's fixed pooler is for BERT only
    expect(fs.existsSync(path.join(out, 'model', 'vocab.json'))).toBe(true);
    const stepsRun = (): [TrainerCallback, number[]] => { const seen: number[] = []; return [{ onStepEnd: ({ state }) => { seen.push(state.globalStep); } }, seen]; };
    const [counter, seen] = stepsRun();
    const resumed = await opt(4, { callbacks: [counter] });
    expect(resumed.train.globalStep).toBe(4);
    expect(seen).toEqual([3, 4]);  // continued from checkpoint-2
    const [counter2, seen2] = stepsRun();
    await opt(4, { resume: false, saveDir: path.join(out, 'fresh'), callbacks: [counter2] });
    expect(seen2).toEqual([1, 2, 3, 4]);  // resume: false starts over
    expect(fs.existsSync(path.join(out, 'fresh', 'config.json'))).toBe(true);
  });

  it('leaves no model folder when interrupted (the checkpoint is the record), and NaN loss without held-out text', async () => {
    const { train } = texts();
    const out = tmpDir();
    const stop: TrainerCallback = { onStepEnd: ({ state }) => { if (state.globalStep === 1) process.emit('SIGINT'); } };
    const r = await pretrain({ family: 'opt', config: { ...SHAPE, ffn_dim: 32, word_embed_proj_dim: 16 }, tokenizer: VOCAB.opt, trainFiles: [train], evalFiles: [], blockSize: 32, cache: false, callbacks: [stop], args: { ...ARGS, outputDir: out, maxSteps: 3 } });
    expect(r.train.status).toBe('interrupted');
    expect(r.saveDir).toBeNull();
    expect(fs.existsSync(path.join(out, 'model'))).toBe(false);
    expect(fs.readdirSync(out).some((d) => d.startsWith('checkpoint-'))).toBe(true);
    expect(r.evalLoss).toBeNaN();
    expect(r.evalTokens).toBe(0);
  });

  it('starts afresh beside folders that only look like checkpoints, and reports NaN held-out loss when there is no held-out text', async () => {
    const { train } = texts();
    const out = tmpDir();
    for (const d of ['old-checkpoint-3', 'checkpoint-3-old']) fs.mkdirSync(path.join(out, d));
    const seen: number[] = [];
    const r = await pretrain({ family: 'opt', config: { ...SHAPE, ffn_dim: 32, word_embed_proj_dim: 16 }, tokenizer: VOCAB.opt, trainFiles: [train], evalFiles: [], blockSize: 32, cache: false, callbacks: [{ onStepEnd: ({ state }) => { seen.push(state.globalStep); } }], args: { ...ARGS, saveStrategy: 'no', outputDir: out, maxSteps: 2 } });
    expect(seen).toEqual([1, 2]);
    expect(r.train.status).toBe('completed');
    expect(r.evalLoss).toBeNaN();
    expect(r.perplexity).toBeNaN();
    expect(r.saveDir).toBe(path.join(out, 'model'));
  });

  it('names the option at fault', async () => {
    const base = { config: SHAPE, tokenizer: VOCAB.bert, evalFiles: [], args: { outputDir: tmpDir() } };
    await expect(pretrain({ ...base, family: 'gpt' as never, trainFiles: ['a.txt'] })).rejects.toThrow(/pretrain\.family/);
    await expect(pretrain({ ...base, family: 'bert', trainFiles: [] })).rejects.toThrow(/pretrain\.trainFiles.*a non-empty list of text files/);
    await expect(pretrain({ ...base, family: 'bert', trainFiles: ['a.txt'], epochs: 3 } as never)).rejects.toThrow(/unknown option 'epochs'/);
  });
});
