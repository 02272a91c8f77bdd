import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { loadSafetensorsSync, loadTorchBin, loadTorchBinSync } from '../../lib/io';
import { DATA, expectBitIdentical, FIXTURES, modelFolders, stateDictPickle, tmpDir, torchZip } from './helpers';

const expected = JSON.parse(fs.readFileSync(path.join(DATA, 'expected.json'), 'utf8'));

function writeTmp(name: string, bytes: Buffer): string {
  const file = path.join(tmpDir(), name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('pytorch_model.bin: fixtures', () => {
  it.each(modelFolders())('%s: pytorch_model.bin and model.safetensors hold bit-identical tensors', async (folder) => {
    const bin = (await loadTorchBin(path.join(FIXTURES, folder, 'pytorch_model.bin'))).tensors;
    const st = loadSafetensorsSync(path.join(FIXTURES, folder, 'model.safetensors')).tensors;
    // transformers leaves OPT's tied lm_head.weight out of safetensors; the .bin keeps it.
    const extra = [...bin.keys()].filter((k) => !st.has(k));
    expect(extra).toEqual(folder.startsWith('opt') ? ['lm_head.weight'] : []);
    expect([...st.keys()].filter((k) => !bin.has(k))).toEqual([]);
    for (const [key, t] of st) expectBitIdentical(bin.get(key)!, t, `${folder}: ${key}`);
  });

  it("OPT's lm_head.weight is the embedding matrix, sharing its storage", () => {
    const bin = loadTorchBinSync(path.join(FIXTURES, 'opt-causal', 'pytorch_model.bin')).tensors;
    expectBitIdentical(bin.get('lm_head.weight')!, bin.get('model.decoder.embed_tokens.weight')!, 'lm_head');
    bin.get('lm_head.weight')!.mul_(0); // tied, as torch.load gives them
    expect(bin.get('model.decoder.embed_tokens.weight')!.abs().sum().item()).toBe(0);
  });

  it.each(['bert-lora-default', 'opt-lora-default'])('%s: PEFT 0.3.0 adapter_model.bin equals adapter_copy.safetensors', async (folder) => {
    const bin = (await loadTorchBin(path.join(FIXTURES, folder, 'adapter', 'adapter_model.bin'))).tensors;
    const st = loadSafetensorsSync(path.join(FIXTURES, folder, 'adapter_copy.safetensors')).tensors;
    expect([...bin.keys()].sort()).toEqual([...st.keys()].sort());
    for (const [key, t] of st) expectBitIdentical(bin.get(key)!, t, key);
  });

  it('dtype and device options apply to floating tensors only', () => {
    const bin = loadTorchBinSync(path.join(FIXTURES, 'bert-seqcls', 'pytorch_model.bin'), { dtype: 'bfloat16', device: 'cpu' }).tensors;
    expect(bin.get('bert.pooler.dense.weight')!.dtype).toBe('bfloat16');
    expect(bin.get('bert.embeddings.position_ids')!.dtype).toBe('int64');
  });
});

describe('pytorch_model.bin: every dtype, views and parameters (written by torch 1.13 torch.save)', () => {
  it('matches the values, shapes, strides and offsets torch saw', () => {
    const bin = loadTorchBinSync(path.join(DATA, 'dtypes_views.bin')).tensors;
    expect([...bin.keys()]).toEqual(Object.keys(expected.dtypes_views));
    for (const [key, want] of Object.entries(expected.dtypes_views) as [string, { dtype: string; shape: number[]; values: (number | string)[] }][]) {
      const t = bin.get(key)!;
      expect(t.dtype, key).toBe(want.dtype);
      expect(t.shape, key).toEqual(want.shape);
      const flat = t.dtype === 'int64' ? Array.from(t.contiguous().toTypedArray() as BigInt64Array, String)
        : Array.from(t.contiguous().toTypedArray(), Number);
      if (t.dtype === 'float32' || t.dtype === 'int64' || t.dtype === 'float64') expect(flat, key).toEqual(want.values);
      else expect(flat.map(Number), key).toEqual((want.values as number[]).map((v) => Math.fround(v)));
    }
  });

  it('views share one storage, as torch.load gives them', () => {
    const bin = loadTorchBinSync(path.join(DATA, 'dtypes_views.bin')).tensors;
    bin.get('view.base')!.add_(100);
    expect(bin.get('view.row')!.toArray()).toEqual([106, 107, 108, 109, 110, 111]);
    expect(bin.get('view.slice')!.select(0, 0).toArray()).toEqual([102, 103, 104]);
    bin.get('tied.a')!.zero_();
    expect(bin.get('tied.b')!.abs().sum().item()).toBe(0);
  });

  it('a module state_dict (OrderedDict with _metadata, pickled with BUILD) loads', () => {
    const bin = loadTorchBinSync(path.join(DATA, 'module_state.bin')).tensors;
    expect([...bin.keys()]).toEqual(Object.keys(expected.module_state));
    for (const [key, values] of Object.entries(expected.module_state) as [string, number[]][]) {
      expect(Array.from(bin.get(key)!.toTypedArray()), key).toEqual(values.map(Math.fround));
    }
  });
});

describe('pytorch_model.bin: crafted archives', () => {
  const floats = (n: number) => Buffer.from(new Float32Array(Array.from({ length: n }, (_, i) => i)).buffer);

  it('reads zip64 central directories and extra fields', () => {
    const pkl = stateDictPickle([{ key: 'w', storage: '0', numel: 6, size: [2, 3], stride: [3, 1] }]);
    const t = loadTorchBinSync(writeTmp('z64.bin', torchZip(pkl, { 0: floats(6) }, { zip64: true }))).tensors.get('w')!;
    expect(t.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('builds offset and strided views, and checks them against the storage', () => {
    const pkl = stateDictPickle([
      { key: 'col', storage: 's', numel: 6, offset: 1, size: [2], stride: [3] },
      { key: 'past', storage: 's', numel: 6, offset: 4, size: [2, 2], stride: [1, 1] },
    ]);
    const file = writeTmp('views.bin', torchZip(pkl, { s: floats(6) }));
    expect(() => loadTorchBinSync(file)).toThrow(/tensor 'past': size \[2, 2\], stride \[1, 1\] at offset 4 reaches past its storage of 6 elements/);
    const ok = stateDictPickle([{ key: 'col', storage: 's', numel: 6, offset: 1, size: [2], stride: [3] }]);
    expect(loadTorchBinSync(writeTmp('col.bin', torchZip(ok, { s: floats(6) }))).tensors.get('col')!.toArray()).toEqual([1, 4]);
  });

  it('a storage whose entry is shorter than numel elements is refused', () => {
    const pkl = stateDictPickle([{ key: 'w', storage: '0', numel: 1000, size: [1000], stride: [1] }]);
    expect(() => loadTorchBinSync(writeTmp('short.bin', torchZip(pkl, { 0: floats(6) }))))
      .toThrow(/tensor 'w': zip entry 'archive\/data\/0' holds 24 bytes, not 1000 elements of float32/);
  });

  it('a missing storage entry names it', () => {
    const pkl = stateDictPickle([{ key: 'w', storage: '7', numel: 6, size: [6], stride: [1] }]);
    expect(() => loadTorchBinSync(writeTmp('missing.bin', torchZip(pkl, { 0: floats(6) })))).toThrow(/zip entry 'archive\/data\/7' is missing/);
  });

  it('the legacy (pre-1.6) format gets a clear message', () => {
    const file = writeTmp('legacy.bin', Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]));
    expect(() => loadTorchBinSync(file)).toThrow(/legacy \(pre-1.6\) torch.save format/);
  });

  it('a compressed entry is refused by name', () => {
    const zip = torchZip(stateDictPickle([]), {});
    const dir = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt16LE(8, dir + 10); // method: deflate
    expect(() => loadTorchBinSync(writeTmp('deflate.bin', zip))).toThrow(/zip entry 'archive\/version' is compressed/);
  });

  it('rejects with TorchError from the async path too, with the caller in the stack', async () => {
    const err = await loadTorchBin(writeTmp('junk.bin', Buffer.from('PK\x03\x04 this is not a zip'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(torch.TorchError);
    expect((err as Error).message).toMatch(/junk\.bin': not a zip archive: no end of central directory record/);
    expect((err as Error).stack).toContain('torch-bin.test.ts');
  });
});
