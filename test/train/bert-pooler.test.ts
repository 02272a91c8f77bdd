/**
 * addBertPooler: a BERT folder pre-trained with masked LM only gets bert.pooler.dense, drawn from
 * the seed as _init_weights draws a Linear (normal(0, initializer_range), bias 0), in the file's
 * dtype, once. Expected weights: PyTorch 1.13.1,
 *   torch.manual_seed(7); (torch.randn(3, 3) * r).to(dtype)
 */
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { liveTensorCount, tensor, zeros } from '../../lib';
import { loadSafetensors, readSafetensorsHeader, saveSafetensors } from '../../lib/io/safetensors';
import { addBertPooler, POOLER_KEYS } from '../../lib/train/bert-pooler';
import { settledLiveTensorCount } from '../live-tensors';
import { tmpDir } from './helpers';

const SEED7_R005 = [-0.007339754607528448, 0.039307065308094025, 0.047341082245111465, -0.05571720004081726, 0.0845395103096962, -0.044741395860910416, -0.017781252041459084, 0.061619289219379425, 0.006908632814884186];
const SEED7_R002_F16 = [-0.0029354095458984375, 0.015716552734375, 0.0189361572265625, -0.0222930908203125, 0.0338134765625, -0.0178985595703125, -0.007110595703125, 0.0246429443359375, 0.0027637481689453125];

async function folder(dtype: 'float32' | 'float16', metadata?: Record<string, string>): Promise<string> {
  const dir = tmpDir('node-peft-pooler-');
  const embeddings = zeros([5, 3]).to(dtype);
  await saveSafetensors(path.join(dir, 'model.safetensors'), new Map([['bert.embeddings.word_embeddings.weight', embeddings]]), metadata);
  embeddings.dispose();
  return dir;
}

async function pooler(dir: string) {
  const { tensors } = await loadSafetensors(path.join(dir, 'model.safetensors'));
  const [w, b] = POOLER_KEYS.map((k) => tensors.get(k));
  const out = { dtype: w?.dtype, shape: w?.shape, weight: Array.from(w!.float().toTypedArray() as Float32Array), bias: Array.from(b!.float().toTypedArray() as Float32Array), biasDtype: b?.dtype, keys: [...tensors.keys()].sort() };
  tensors.forEach((t) => t.dispose());
  return out;
}

describe('addBertPooler', () => {
  it('adds weight normal(0, initializerRange) drawn from the seed, as PyTorch draws it, and a zero bias', async () => {
    const dir = await folder('float32');
    expect(await addBertPooler(dir, { hiddenSize: 3, initializerRange: 0.05, seed: 7 })).toBe(true);
    const p = await pooler(dir);
    expect(p.keys).toEqual(['bert.embeddings.word_embeddings.weight', ...POOLER_KEYS].sort());
    expect(p.shape).toEqual([3, 3]);
    p.weight.forEach((v, i) => expect(v).toBeCloseTo(SEED7_R005[i], 7));
    expect(p.bias).toEqual([0, 0, 0]);
  });

  it("stores the pooler in the word embeddings' dtype, with initializerRange 0.02 by default", async () => {
    const dir = await folder('float16');
    await addBertPooler(dir, { hiddenSize: 3, seed: 7 });
    const p = await pooler(dir);
    expect([p.dtype, p.biasDtype]).toEqual(['float16', 'float16']);
    expect(p.weight).toEqual(SEED7_R002_F16);
  });

  it("keeps the file's metadata, and writes format 'pt' when it has none", async () => {
    const kept = await folder('float32', { format: 'pt', note: 'mlm' });
    await addBertPooler(kept, { hiddenSize: 3, seed: 1 });
    expect(readSafetensorsHeader(path.join(kept, 'model.safetensors')).metadata).toEqual({ format: 'pt', note: 'mlm' });
    const bare = await folder('float32');
    await addBertPooler(bare, { hiddenSize: 3, seed: 1 });
    expect(readSafetensorsHeader(path.join(bare, 'model.safetensors')).metadata).toEqual({ format: 'pt' });
  });

  it('leaves a folder that has a pooler untouched and returns false', async () => {
    const dir = await folder('float32');
    await addBertPooler(dir, { hiddenSize: 3, seed: 7 });
    const file = path.join(dir, 'model.safetensors');
    const before = fs.readFileSync(file);
    expect(await addBertPooler(dir, { hiddenSize: 3, seed: 8 })).toBe(false);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('adds both keys when the folder has only one of them', async () => {
    const dir = tmpDir('node-peft-pooler-');
    const bias = tensor([1, 2, 3]);
    await saveSafetensors(path.join(dir, 'model.safetensors'), new Map([[POOLER_KEYS[1], bias]]));
    bias.dispose();
    const before = await settledLiveTensorCount();
    expect(await addBertPooler(dir, { hiddenSize: 3, initializerRange: 0.05, seed: 7 })).toBe(true);
    expect(liveTensorCount()).toBe(before);  // the replaced bias is freed too
    const p = await pooler(dir);
    expect(p.dtype).toBe('float32');  // no word embeddings: float32
    expect(p.bias).toEqual([0, 0, 0]);
  });

  it('frees every tensor it loads or draws, whether it adds the pooler or not', async () => {
    const dir = await folder('float16');
    const before = await settledLiveTensorCount();
    await addBertPooler(dir, { hiddenSize: 3, seed: 7 });
    expect(liveTensorCount()).toBe(before);
    expect(await addBertPooler(dir, { hiddenSize: 3, seed: 7 })).toBe(false);
    expect(liveTensorCount()).toBe(before);
  });
});
