// safetensors write -> read for random tensors (shapes with zeros and ones, every dtype, views) and
// random metadata, checked with the test's own parser (helpers.ts) as well as with the loader.
import fs from 'fs';
import path from 'path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import * as torch from '../../lib';
import { loadSafetensorsSync, readSafetensorsHeader, saveSafetensorsSync } from '../../lib/io';
import { props } from '../property';
import { bytesOf, expectBitIdentical, parseSafetensors, tmpDir, type RawEntry } from './helpers';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const CODE: Record<string, string> = { float64: 'F64', int64: 'I64', float32: 'F32', int32: 'I32', float16: 'F16', bfloat16: 'BF16', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL' };
const ITEMSIZE: Record<string, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2, I8: 1, U8: 1, BOOL: 1 };

const spec = fc.record({
  dtype: fc.constantFrom(...torch.DTYPES),
  shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
  seed: fc.integer({ min: 0, max: 1000 }),
  transposed: fc.boolean(),
});
const keys = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__metadata__'), { minLength: 1, maxLength: 6 });
const metadata = fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), fc.string({ maxLength: 16 }), { maxKeys: 4 });

function make(s: { dtype: torch.DType; shape: number[]; seed: number; transposed: boolean }): torch.Tensor {
  torch.manualSeed(s.seed);
  const t = torch.randn(s.shape, { dtype: 'float64' }).mul(50);
  const typed = s.dtype === 'bool' ? t.gt(0) : t.to(s.dtype);
  // A non-contiguous view is written contiguous.
  return s.transposed && s.shape.length >= 2 ? typed.transpose(0, 1) : typed;
}

describe('safetensors round trip (random tensors and metadata)', () => {
  test.prop([keys, fc.array(spec, { minLength: 6, maxLength: 6 }), metadata], props(60))(
    'loadSafetensors(saveSafetensors(x)) is bit-identical; the file has sorted keys, exact offsets covering the data, 8-byte-aligned data',
    (names, specs, meta) => {
      const tensors = new Map(names.map((k, i) => [k, make(specs[i])]));
      const file = path.join(dir, `p${counter++}.safetensors`);
      saveSafetensorsSync(file, tensors, meta);
      const loaded = loadSafetensorsSync(file);
      expect([...loaded.tensors.keys()].sort()).toEqual([...names].sort());
      expect(loaded.metadata).toEqual(meta);
      for (const [k, t] of tensors) expectBitIdentical(loaded.tensors.get(k)!, t, k);

      // The test's own reading of the bytes.
      const bytes = fs.readFileSync(file);
      const { headerLength, header, data } = parseSafetensors(bytes);
      expect(headerLength % 8).toBe(0);
      const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, RawEntry][];
      expect(entries.map(([k]) => k)).toEqual([...names].sort());
      if (Object.keys(meta).length > 0) expect(header.__metadata__).toEqual(meta);
      let covered = 0;
      for (const [k, e] of entries) {
        const t = tensors.get(k)!;
        expect(e.dtype, k).toBe(CODE[t.dtype]);
        expect(e.shape, k).toEqual(t.shape);
        expect(e.data_offsets[1] - e.data_offsets[0], k).toBe(t.numel * ITEMSIZE[e.dtype]);
        expect(e.data_offsets[0] % ITEMSIZE[e.dtype], `${k} aligned`).toBe(0);
        covered += e.data_offsets[1] - e.data_offsets[0];
        if (e.dtype !== 'F16' && e.dtype !== 'BF16') expect(data.subarray(e.data_offsets[0], e.data_offsets[1]).equals(bytesOf(t.contiguous())), k).toBe(true);
      }
      expect(covered).toBe(data.length);
      const h = readSafetensorsHeader(file);
      expect(h.metadata).toEqual(meta);
      expect(h.dataStart).toBe(8 + headerLength);
      for (const [k, e] of entries) expect(h.tensors.get(k)).toEqual({ dtype: t2d(e.dtype), shape: e.shape, dataOffsets: e.data_offsets });
      fs.rmSync(file);
    },
  );
});

function t2d(code: string): string {
  return Object.entries(CODE).find(([, c]) => c === code)![0];
}
