// fromPretrained copies the weights out of the checkpoint, as transformers does (issue #12, item
// 2c): the loaded model no longer depends on the file. Before, the weights were views of the
// memory-mapped file: truncating it killed the next forward with SIGBUS, rewriting it in place
// silently changed the logits. {mmap: true} keeps the zero-copy views, as an explicit choice.
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { fixture } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const MiB = 2 ** 20;

/** A copy of a fixture model folder holding only config.json and the given weights file. */
function modelCopy(weights: 'model.safetensors' | 'pytorch_model.bin'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-own-'));
  for (const name of ['config.json', weights]) fs.copyFileSync(fixture('bert-seqcls', name), path.join(dir, name));
  return dir;
}

const INPUTS = { inputIds: [[2, 45, 17, 99, 3], [2, 8, 600, 3, 0]], attentionMask: [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]] };

function logits(model: torch.BertForSequenceClassification): number[] {
  return Array.from(model.forwardSync(INPUTS).logits.toTypedArray() as Float32Array);
}

/** Overwrites every byte after the first KiB (the header) with other bytes, in place. */
function rewriteInPlace(file: string): void {
  const bytes = fs.readFileSync(file);
  for (let i = 1024; i < bytes.length; i++) bytes[i] ^= 0x5a;
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 1024, bytes.length - 1024, 1024);
  fs.closeSync(fd);
}

/** Negates every float32 weight of a safetensors file, in place (integer buffers stay valid). */
function negateFloatsInPlace(file: string): void {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  for (const [key, e] of Object.entries(header)) {
    if (key === '__metadata__' || e.dtype !== 'F32') continue;
    for (let i = e.data_offsets[0] + 3; i < e.data_offsets[1]; i += 4) bytes[8 + headerLength + i] ^= 0x80;
  }
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, 0);
  fs.closeSync(fd);
}

describe('fromPretrained owns its weights', () => {
  it.each(['model.safetensors', 'pytorch_model.bin'] as const)('%s truncated to 0 bytes after loading: the model still gives the original logits (was SIGBUS)', (weights) => {
    // In a child process, so that the old behaviour fails this test instead of killing the worker.
    const dir = modelCopy(weights);
    const script = `
      const torch = require(${JSON.stringify(path.join(ROOT, 'dist'))});
      (async () => {
        const model = await torch.BertForSequenceClassification.fromPretrained(${JSON.stringify(dir)}, { warn: false });
        const run = () => Array.from(model.forwardSync(${JSON.stringify(INPUTS)}).logits.toTypedArray());
        const before = run();
        require('fs').truncateSync(${JSON.stringify(path.join(dir, weights))}, 0);
        console.log(JSON.stringify({ before, after: run() }));
      })();`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const { before, after } = JSON.parse(child.stdout);
    expect(after).toEqual(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(['model.safetensors', 'pytorch_model.bin'] as const)('%s rewritten in place after loading: the logits do not change', async (weights) => {
    const dir = modelCopy(weights);
    const model = await torch.BertForSequenceClassification.fromPretrained(dir, { warn: false });
    const before = logits(model);
    rewriteInPlace(path.join(dir, weights));
    expect(logits(model)).toEqual(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('with {mmap: true} the weights are views of the file: rewriting it in place shows through (the documented opt-in)', async () => {
    const dir = modelCopy('model.safetensors');
    const model = await torch.BertForSequenceClassification.fromPretrained(dir, { warn: false, mmap: true });
    const before = logits(model);
    negateFloatsInPlace(path.join(dir, 'model.safetensors'));
    expect(logits(model)).not.toEqual(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mmap must be a boolean', async () => {
    await expect(torch.BertForSequenceClassification.fromPretrained(fixture('bert-seqcls'), { mmap: 'yes' as unknown as boolean }))
      .rejects.toThrow(/mmap/);
  });

  it('loading a 100 MB model never holds it twice: peak RSS grows by less than 1.5x the checkpoint', async () => {
    let reset = true;
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM, the peak RSS
    } catch {
      reset = false;
    }
    if (!reset) return; // no peak to measure on this kernel
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-own-'));
    const vocab = 409_600, hidden = 64; // one 100 MiB float32 embedding; the rest is initialised
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', vocab_size: vocab, hidden_size: hidden, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 16 }));
    writeEmbeddingCheckpoint(path.join(dir, 'model.safetensors'), 'bert.embeddings.word_embeddings.weight', vocab, hidden);
    torch.emptyCache();
    const status = () => fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)![1]) * 1024;
    fs.writeFileSync('/proc/self/clear_refs', '5');
    const before = kb(status(), 'VmRSS');
    const model = await torch.BertModel.fromPretrained(dir, { warn: false });
    const peak = kb(status(), 'VmHWM') - before;
    console.log(`100 MiB checkpoint: peak RSS +${(peak / MiB).toFixed(1)} MiB while loading`);
    expect(peak / MiB).toBeLessThan(150);
    const embedding = model.getSubmodule('embeddings.word_embeddings').namedParameters()[0][1];
    expect(embedding.narrow(0, vocab - 1, 1).sum().item()).toBe(hidden * 7);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** A safetensors file with one [rows, cols] float32 tensor whose row i is all (i % 8), streamed to disk. */
function writeEmbeddingCheckpoint(file: string, key: string, rows: number, cols: number): void {
  let header = JSON.stringify({ [key]: { dtype: 'F32', shape: [rows, cols], data_offsets: [0, rows * cols * 4] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, length);
  fs.writeSync(fd, header);
  const block = new Float32Array(8 * cols);
  for (let r = 0; r < 8; r++) block.fill(r, r * cols, (r + 1) * cols);
  for (let r = 0; r < rows; r += 8) fs.writeSync(fd, new Uint8Array(block.buffer));
  fs.closeSync(fd);
}
