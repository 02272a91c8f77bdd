import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { findCheckpoint, loadSafetensorsSync, loadStateDict, saveSafetensors } from '../../lib/io';
import { expectBitIdentical, FIXTURES, stateDictPickle, tmpDir, torchZip } from './helpers';

const BERT = path.join(FIXTURES, 'bert-seqcls');

/** Splits a fixture into two safetensors shards and a transformers-style index. */
async function shardFixture(dir: string): Promise<Map<string, torch.Tensor>> {
  const { tensors } = loadSafetensorsSync(path.join(BERT, 'model.safetensors'));
  const keys = [...tensors.keys()];
  const half = Math.ceil(keys.length / 2);
  const shards = [keys.slice(0, half), keys.slice(half)];
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    const name = `model-0000${i + 1}-of-00002.safetensors`;
    await saveSafetensors(path.join(dir, name), new Map(shard.map((k) => [k, tensors.get(k)!])), { format: 'pt' });
    for (const k of shard) weightMap[k] = name;
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  return tensors;
}

describe('loadStateDict', () => {
  it('prefers model.safetensors in a folder with both formats', async () => {
    expect(await findCheckpoint(BERT)).toBe(path.join(BERT, 'model.safetensors'));
    const { tensors, metadata } = await loadStateDict(BERT);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.size).toBe(42);
  });

  it('falls back to pytorch_model.bin and takes a file path directly', async () => {
    const dir = tmpDir();
    fs.copyFileSync(path.join(BERT, 'pytorch_model.bin'), path.join(dir, 'pytorch_model.bin'));
    const fromDir = await loadStateDict(dir, { dtype: 'float64' });
    expect(fromDir.metadata).toEqual({});
    expect(fromDir.tensors.get('classifier.weight')!.dtype).toBe('float64');
    const fromFile = await loadStateDict(path.join(BERT, 'model.safetensors'));
    expect(fromFile.tensors.get('classifier.weight')!.toArray()).toEqual(
      fromDir.tensors.get('classifier.weight')!.to('float32').toArray());
  });

  it('merges safetensors shards listed by model.safetensors.index.json', async () => {
    const dir = tmpDir();
    const original = await shardFixture(dir);
    const { tensors, metadata } = await loadStateDict(dir);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [key, t] of original) expectBitIdentical(tensors.get(key)!, t, key);
  });

  it('merges pytorch_model.bin shards, keeping only what the index assigns to each', async () => {
    const dir = tmpDir();
    const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
    const shard = (key: string, values: number[]) =>
      torchZip(stateDictPickle([{ key, storage: '0', numel: values.length, size: [values.length], stride: [1] }, { key: 'dup', storage: '0', numel: values.length, size: [1], stride: [1] }]), { 0: f32(values) });
    fs.writeFileSync(path.join(dir, 'pytorch_model-00001-of-00002.bin'), shard('a', [1, 2]));
    fs.writeFileSync(path.join(dir, 'pytorch_model-00002-of-00002.bin'), shard('b', [3, 4, 5]));
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin.index.json'), JSON.stringify({
      weight_map: { a: 'pytorch_model-00001-of-00002.bin', b: 'pytorch_model-00002-of-00002.bin', dup: 'pytorch_model-00002-of-00002.bin' },
    }));
    const { tensors } = await loadStateDict(dir);
    expect([...tensors.keys()]).toEqual(['a', 'b', 'dup']);
    expect(tensors.get('b')!.toArray()).toEqual([3, 4, 5]);
    expect(tensors.get('dup')!.toArray()).toEqual([3]); // from shard 2, as the index says
  });

  it('reports a shard that lacks a key the index assigns to it', async () => {
    const dir = tmpDir();
    await shardFixture(dir);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    index.weight_map['bert.pooler.dense.weight'] = 'model-00001-of-00002.safetensors';
    index.weight_map['bert.embeddings.word_embeddings.weight'] = 'model-00002-of-00002.safetensors';
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
    await expect(loadStateDict(dir)).rejects.toThrow(/shard '.*model-00001-of-00002.safetensors' lacks tensor 'bert.pooler.dense.weight'/);
  });

  it('refuses shard names outside the folder and malformed indexes', async () => {
    const dir = tmpDir();
    const write = (index: unknown) => fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), typeof index === 'string' ? index : JSON.stringify(index));
    write({ weight_map: { w: '../../etc/passwd' } });
    await expect(loadStateDict(dir)).rejects.toThrow(/tensor 'w' names an invalid shard file "..\/..\/etc\/passwd"/);
    write({ weight_map: { w: '/etc/passwd' } });
    await expect(loadStateDict(dir)).rejects.toThrow(/invalid shard file/);
    write({ metadata: {} });
    await expect(loadStateDict(dir)).rejects.toThrow(/has no "weight_map" object/);
    write('{ not json');
    await expect(loadStateDict(dir)).rejects.toThrow(torch.TorchError);
  });

  it('says what it looked for in a folder without a checkpoint', async () => {
    const dir = tmpDir();
    await expect(loadStateDict(dir)).rejects.toThrow(/no checkpoint in '.*': looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json/);
    await expect(loadStateDict(path.join(dir, 'absent'))).rejects.toThrow(/no such file or folder/);
    await expect(loadStateDict(dir, { dtype: 'half' as torch.DType })).rejects.toThrow(/loadStateDict\(dtype\)/);
  });
});
