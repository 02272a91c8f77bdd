import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { loadSafetensors, loadSafetensorsSync, readSafetensorsHeader, saveSafetensors, saveSafetensorsSync } from '../../lib/io';
import { buildSafetensors, bytesOf, expectBitIdentical, FIXTURES, modelFolders, parseSafetensors, tmpDir, type RawEntry } from './helpers';

const CODES: Record<string, string> = {
  float32: 'F32', float16: 'F16', bfloat16: 'BF16', float64: 'F64', int64: 'I64',
  int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

/** One small tensor of every dtype, with values that survive each dtype. */
function everyDtype(): Map<string, torch.Tensor> {
  const m = new Map<string, torch.Tensor>();
  for (const dtype of torch.DTYPES) {
    const t = torch.tensor([[0, 1, 2], [3, 4, 5]], { dtype });
    m.set(`t.${dtype}`, dtype === 'bool' || dtype === 'uint8' ? t : t.sub(2)); // negatives where they exist
  }
  m.set('scalar', torch.tensor(2.5));
  m.set('empty', torch.zeros([0, 4]));
  m.set('odd.int8', torch.tensor(new Int8Array([1, -2, 3]))); // 3 bytes: what follows must stay aligned
  return m;
}

describe('safetensors: fixtures', () => {
  it.each(modelFolders())('%s/model.safetensors loads with its metadata and header', async (folder) => {
    const file = path.join(FIXTURES, folder, 'model.safetensors');
    const { tensors, metadata } = await loadSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    const header = readSafetensorsHeader(file);
    expect([...tensors.keys()]).toEqual([...header.tensors.keys()]);
    for (const [key, t] of tensors) {
      expect(t.shape, key).toEqual(header.tensors.get(key)!.shape);
      expect(t.dtype, key).toBe(header.tensors.get(key)!.dtype);
    }
  });

  it('cases.safetensors holds int64 inputs and float32 outputs', () => {
    const { tensors } = loadSafetensorsSync(path.join(FIXTURES, 'bert-seqcls', 'cases.safetensors'));
    expect(tensors.get('input_ids')!.dtype).toBe('int64');
    expect(tensors.get('hidden_states')!.shape).toEqual([3, 3, 12, 32]);
    expect(tensors.get('logits')!.dtype).toBe('float32');
  });

  it('the header lists keys without mapping the file', () => {
    const h = readSafetensorsHeader(path.join(FIXTURES, 'bert-seqcls', 'cases.safetensors'));
    expect(h.tensors.get('attention_mask')).toEqual({ dtype: 'int64', shape: [3, 12], dataOffsets: [0, 288] });
    expect(h.dataStart % 8).toBe(0);
    expect(h.metadata).toEqual({ format: 'pt' });
  });

  it('re-saving a fixture keeps its keys, dtypes and shapes; single-dtype files come out byte-identical', async () => {
    const dir = tmpDir();
    for (const file of ['bert-seqcls/model.safetensors', 'opt-causal/model.safetensors', 'opt-causal/cases.safetensors', 'bert-lora-peft013/adapter/adapter_model.safetensors']) {
      const original = fs.readFileSync(path.join(FIXTURES, file));
      const { tensors, metadata } = await loadSafetensors(path.join(FIXTURES, file));
      const out = path.join(dir, 'resaved.safetensors');
      await saveSafetensors(out, tensors, metadata);
      const mine = parseSafetensors(fs.readFileSync(out));
      const theirs = parseSafetensors(original);
      const summary = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, k === '__metadata__' ? v : { dtype: (v as RawEntry).dtype, shape: (v as RawEntry).shape }]));
      expect(summary(mine.header), file).toEqual(summary(theirs.header));
      const dtypes = new Set(Object.values(theirs.header).map((v) => (v as RawEntry).dtype).filter(Boolean));
      if (dtypes.size === 1) expect(fs.readFileSync(out).equals(original), file).toBe(true);
    }
  });
});

describe('safetensors: writer', () => {
  it('round-trips every dtype bit-identically, with metadata', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'all.safetensors');
    const tensors = everyDtype();
    await saveSafetensors(file, tensors, { format: 'pt', note: 'ünïcode "quoted" \\ \n' });
    const back = await loadSafetensors(file);
    expect(back.metadata).toEqual({ format: 'pt', note: 'ünïcode "quoted" \\ \n' });
    expect([...back.tensors.keys()]).toEqual([...tensors.keys()].sort());
    for (const [key, t] of tensors) expectBitIdentical(back.tensors.get(key)!, t, key);
  });

  it('writes the layout of the safetensors library: sorted keys, aligned data, padded header', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'layout.safetensors');
    const tensors = everyDtype();
    saveSafetensorsSync(file, tensors, { format: 'pt' });
    const bytes = fs.readFileSync(file);
    const { headerLength, header, headerText, data } = parseSafetensors(bytes);
    expect(headerLength % 8).toBe(0);
    expect(headerText).toMatch(/^\{"[^ ]*\} *$/); // compact JSON, then spaces
    const keys = Object.keys(header);
    expect(keys.at(-1)).toBe('__metadata__');
    expect(keys.slice(0, -1)).toEqual([...tensors.keys()].sort());
    expect(header.__metadata__).toEqual({ format: 'pt' });
    const spans = keys.slice(0, -1).map((k) => ({ k, ...(header[k] as RawEntry) })).sort((a, b) => a.data_offsets[0] - b.data_offsets[0]);
    let cursor = 0;
    for (const s of spans) {
      const t = tensors.get(s.k)!;
      expect(s.dtype).toBe(CODES[t.dtype]);
      expect(s.shape).toEqual(t.shape);
      expect(s.data_offsets[0]).toBe(cursor); // no gaps, no overlaps
      const itemsize = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2 }[s.dtype as string] ?? 1;
      expect((8 + headerLength + cursor) % itemsize, `${s.k} aligned`).toBe(0);
      cursor = s.data_offsets[1];
      if (t.dtype !== 'float16' && t.dtype !== 'bfloat16') expect(data.subarray(s.data_offsets[0], cursor).equals(bytesOf(t)), s.k).toBe(true);
    }
    expect(cursor).toBe(data.length);
  });

  it('writes views, transposes and requiresGrad tensors as their contiguous values', async () => {
    const file = path.join(tmpDir(), 'views.safetensors');
    const base = torch.arange(0, 12, 1, { dtype: 'float32' }).reshape(3, 4);
    const w = torch.randn([2, 3]).requiresGrad_();
    await saveSafetensors(file, { t: base.T, row: base.select(0, 1), w });
    const back = loadSafetensorsSync(file).tensors;
    expect(back.get('t')!.toArray()).toEqual(base.T.toArray());
    expect(back.get('row')!.toArray()).toEqual([4, 5, 6, 7]);
    expectBitIdentical(back.get('w')!, w.detach(), 'w');
    expect(back.get('w')!.requiresGrad).toBe(false);
  });

  it('saving is atomic: no temporary file is left, before or after a failure', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'model.safetensors');
    await saveSafetensors(file, { a: torch.ones([4]) });
    await saveSafetensors(file, { b: torch.zeros([2]) }); // replaces
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
    expect([...loadSafetensorsSync(file).tensors.keys()]).toEqual(['b']);
    fs.mkdirSync(path.join(dir, 'taken.safetensors')); // rename over a folder fails
    await expect(saveSafetensors(path.join(dir, 'taken.safetensors'), { a: torch.ones([4]) })).rejects.toThrow(torch.TorchError);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.safetensors', 'taken.safetensors']);
    await expect(saveSafetensors(path.join(dir, 'missing', 'x.safetensors'), { a: torch.ones([1]) })).rejects.toThrow(/could not create/);
  });

  it('loaded tensors are writable copy-on-write views: in-place updates never reach the file', () => {
    const file = path.join(tmpDir(), 'cow.safetensors');
    saveSafetensorsSync(file, { w: torch.zeros([1024]) });
    const before = fs.readFileSync(file);
    const w = loadSafetensorsSync(file).tensors.get('w')!;
    w.add_(1);
    expect(w.sum().item()).toBe(1024);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(loadSafetensorsSync(file).tensors.get('w')!.sum().item()).toBe(0);
  });

  it('validates its arguments in TypeScript', () => {
    expect(() => saveSafetensorsSync('', {})).toThrow(/\(path\): expected a file path/);
    expect(() => saveSafetensorsSync('/tmp/x', { __metadata__: torch.ones([1]) })).toThrow(/reserved/);
    expect(() => saveSafetensorsSync('/tmp/x', { a: 1 as unknown as torch.Tensor })).toThrow(/expected a Tensor/);
    expect(() => saveSafetensorsSync('/tmp/x', { a: torch.ones([1]) }, { n: 1 as unknown as string })).toThrow(/metadata\['n'\]\): expected a string/);
    expect(() => loadSafetensorsSync('/tmp/x', { dtype: 'float8' as torch.DType })).toThrow(/dtype/);
    expect(() => loadSafetensorsSync('/tmp/x', { devise: 'cpu' } as object)).toThrow(/unknown option 'devise'/);
  });
});

describe('safetensors: options and alignment', () => {
  it('dtype casts floating tensors only; ids keep int64', () => {
    const { tensors } = loadSafetensorsSync(path.join(FIXTURES, 'bert-seqcls', 'model.safetensors'), { dtype: 'float16' });
    expect(tensors.get('bert.embeddings.word_embeddings.weight')!.dtype).toBe('float16');
    expect(tensors.get('bert.embeddings.position_ids')!.dtype).toBe('int64');
  });

  it('a misaligned offset (header length not a multiple of 8) is copied, not mis-read', () => {
    const values = new Float64Array([1.5, -2.25, 3]);
    const file = path.join(tmpDir(), 'odd.safetensors');
    fs.writeFileSync(file, buildSafetensors({ x: { dtype: 'F64', shape: [3], data_offsets: [0, 24] } }, Buffer.from(values.buffer), false));
    expect(parseSafetensors(fs.readFileSync(file)).headerLength % 8).not.toBe(0);
    expect(loadSafetensorsSync(file).tensors.get('x')!.toArray()).toEqual([1.5, -2.25, 3]);
  });

  it('an empty checkpoint and empty metadata are fine', () => {
    const file = path.join(tmpDir(), 'empty.safetensors');
    saveSafetensorsSync(file, new Map());
    expect(fs.readFileSync(file).length).toBe(16); // "{}" padded to 8
    expect(loadSafetensorsSync(file)).toEqual({ tensors: new Map(), metadata: {} });
  });
});
