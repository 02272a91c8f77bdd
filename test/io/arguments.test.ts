// Every checkpoint function checks its arguments in TypeScript and names the function and the
// argument in its TypeError; index files that cannot be used say why.
import fs from 'fs';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import {
  disposeCheckpoint, findCheckpoint, loadSafetensors, loadSafetensorsSync, loadStateDict, loadTorchBin, loadTorchBinSync,
  readSafetensorsHeader, saveSafetensors, saveSafetensorsSync,
} from '../../lib/io';
import type { Checkpoint } from '../../lib/io';
import { FIXTURES, tmpDir } from './helpers';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const SAFETENSORS = path.join(FIXTURES, 'bert-seqcls', 'cases.safetensors');
const BIN = path.join(FIXTURES, 'bert-seqcls', 'pytorch_model.bin');

/** The message of what fn throws (sync or async); fails when it does not throw a TypeError. */
async function message(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    return (err as Error).message;
  }
  throw new Error('expected a TypeError');
}

const loaders: [string, (p: unknown, o?: unknown) => unknown, string][] = [
  ['loadSafetensors', (p, o) => loadSafetensors(p as string, o as never), SAFETENSORS],
  ['loadSafetensorsSync', (p, o) => loadSafetensorsSync(p as string, o as never), SAFETENSORS],
  ['loadTorchBin', (p, o) => loadTorchBin(p as string, o as never), BIN],
  ['loadTorchBinSync', (p, o) => loadTorchBinSync(p as string, o as never), BIN],
];

describe('checkpoint readers name the bad argument', () => {
  for (const [name, load, file] of loaders) {
    it(`${name}: path, dtype, device and misspelled options`, async () => {
      expect(await message(() => load(5))).toBe(`${name}(path): expected a file path, received 5`);
      expect(await message(() => load(''))).toBe(`${name}(path): expected a file path, received ""`);
      expect(await message(() => load(file, { dtype: 'float8' }))).toMatch(new RegExp(`^${name}\\(dtype\\): expected one of 'float32'`));
      expect(await message(() => load(file, { device: 'tpu' }))).toBe(`${name}(device): expected 'cpu', 'cuda' or 'cuda:N', received "tpu"`);
      expect(await message(() => load(file, { dtypes: 'float16' }))).toMatch(new RegExp(`^${name}: unknown option 'dtypes'`));
      const { tensors } = await (load(file, { device: 'cpu', dtype: 'float64' }) as Promise<Checkpoint>);
      expect([...tensors.values()].every((t) => t.device === 'cpu' && (t.dtype === 'float64' || t.dtype === 'int64'))).toBe(true);
    });
  }

  it('readSafetensorsHeader, findCheckpoint and loadStateDict name theirs', async () => {
    expect(await message(() => readSafetensorsHeader(7 as never))).toBe('readSafetensorsHeader(path): expected a file path, received 7');
    expect(await message(() => findCheckpoint(null as never))).toBe('findCheckpoint(location): expected a file path, received null');
    expect(await message(() => loadStateDict({} as never))).toBe('loadStateDict(location): expected a file path, received [object Object]');
    expect(await message(() => loadStateDict(SAFETENSORS, { device: 'gpu' as never }))).toBe('loadStateDict(device): expected \'cpu\', \'cuda\' or \'cuda:N\', received "gpu"');
  });
});

describe('checkpoint writers name the bad argument', () => {
  const t = torch.ones([2]);
  for (const [name, save] of [['saveSafetensors', saveSafetensors], ['saveSafetensorsSync', saveSafetensorsSync]] as const) {
    it(`${name}: path, tensors, keys, values and metadata`, async () => {
      const file = path.join(dir, `${name}.safetensors`);
      expect(await message(() => save(3 as never, { t }))).toBe(`${name}(path): expected a file path, received 3`);
      expect(await message(() => save(file, 5 as never))).toBe(`${name}(tensors): expected a Map or record of Tensors, received 5`);
      expect(await message(() => save(file, [t] as never))).toBe(`${name}(tensors): expected a Map or record of Tensors, received [[object Object]]`);
      expect(await message(() => save(file, new Map([[1, t]]) as never))).toBe(`${name}(tensors): expected string keys, received 1`);
      expect(await message(() => save(file, { a: [1, 2] } as never))).toBe(`${name}(tensors['a']): expected a Tensor, received [1, 2]`);
      expect(await message(() => save(file, { t }, [] as never))).toBe(`${name}(metadata): expected a record of strings, received []`);
      expect(await message(() => save(file, { t }, 'pt' as never))).toBe(`${name}(metadata): expected a record of strings, received "pt"`);
      expect(await message(() => save(file, { t }, { n: 1 } as never))).toBe(`${name}(metadata['n']): expected a string, received 1`);
      expect(await message(() => save(file, { __metadata__: t }))).toBe(`${name}(tensors): '__metadata__' is reserved for the metadata and cannot name a tensor`);
      expect(fs.existsSync(file)).toBe(false);
      await save(file, new Map([['t', t]]), { format: 'pt' });
      expect(readSafetensorsHeader(file).metadata).toEqual({ format: 'pt' });
    });
  }
});

describe('disposeCheckpoint and shard indexes', () => {
  it('disposeCheckpoint frees every tensor of a checkpoint now', () => {
    const checkpoint = loadSafetensorsSync(SAFETENSORS);
    const live = torch.liveTensorCount();
    disposeCheckpoint(checkpoint);
    expect(torch.liveTensorCount()).toBe(live - checkpoint.tensors.size);
    for (const t of checkpoint.tensors.values()) expect(() => t.shape).toThrow(torch.DisposedError);
  });

  it('an unreadable or unusable index says which file and why', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'idx-'));
    const index = path.join(d, 'model.safetensors.index.json');
    fs.writeFileSync(index, '{ not json');
    await expect(loadStateDict(d)).rejects.toThrow(new RegExp(`^could not read the shard index '${index.replace(/[.]/g, '\\.')}': .*JSON`));
    fs.writeFileSync(index, JSON.stringify({ weight_map: null }));
    await expect(loadStateDict(d)).rejects.toThrow(`shard index '${index}' has no "weight_map" object`);
    fs.writeFileSync(index, JSON.stringify({ weight_map: ['a.safetensors'] }));
    await expect(loadStateDict(d)).rejects.toThrow(/has no "weight_map" object/);
    fs.writeFileSync(index, JSON.stringify({ weight_map: { w: '' } }));
    await expect(loadStateDict(d)).rejects.toThrow(`shard index '${index}': tensor 'w' names an invalid shard file ""`);
    fs.writeFileSync(index, JSON.stringify({ weight_map: { w: 7 } }));
    await expect(loadStateDict(d)).rejects.toThrow(`tensor 'w' names an invalid shard file 7`);
  });

  it('findCheckpoint skips a folder named like a checkpoint file', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'find-'));
    fs.mkdirSync(path.join(d, 'model.safetensors'));
    fs.copyFileSync(BIN, path.join(d, 'pytorch_model.bin'));
    expect(await findCheckpoint(d)).toBe(path.join(d, 'pytorch_model.bin'));
    expect(await findCheckpoint(BIN)).toBe(BIN);
  });
});
