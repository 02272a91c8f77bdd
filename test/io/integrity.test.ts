// pytorch_model.bin integrity (issue #12, items 2b and 4b): every zip entry read is checked against
// its CRC-32 (before, only data.pkl was: 147 of 150 single-bit flips in weight data loaded without
// error), and views are refused when they reach outside their storage or describe more elements
// than any file could hold (a 3-element storage rebuilt as [2^40, 2^20] with stride 0 aborted V8).
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { loadTorchBinSync } from '../../lib/io';
import { FIXTURES, Pickle, storedZip, tmpDir, torchZip, zipEntries } from './helpers';

const dir = tmpDir();
let counter = 0;
function writeTmp(bytes: Buffer): string {
  const file = path.join(dir, `case${counter++}.bin`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** The TorchError loading `file` throws (with and without mmap, which must agree). */
function loadError(file: string): Error {
  const errors = [false, true].map((mmap) => {
    try {
      loadTorchBinSync(file, { mmap });
    } catch (e) {
      return e as Error;
    }
    throw new Error(`loading ${file} (mmap: ${mmap}) should fail`);
  });
  for (const e of errors) expect(e).toBeInstanceOf(torch.TorchError);
  expect(errors[0].message).toBe(errors[1].message);
  return errors[0];
}

/** A pickle INT of any size (LONG1), for sizes and strides past 2^31. */
function long(p: Pickle, n: bigint): Pickle {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64LE(n);
  return p.raw(0x8a, 8, bytes);
}

/** data.pkl of {key: view of a float storage '0' of `numel` elements}, sizes and strides as LONG1. */
function viewPickle(key: string, numel: number, offset: number, size: bigint[], stride: bigint[]): Buffer {
  const p = new Pickle().raw('}', '(').str(key).global('torch._utils', '_rebuild_tensor_v2').raw('(');
  p.raw('(').str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(numel).raw('t', 'Q');
  p.int(offset).raw('(');
  size.forEach((n) => long(p, n));
  p.raw('t', '(');
  stride.forEach((n) => long(p, n));
  p.raw('t', 0x89).global('collections', 'OrderedDict').raw(')', 'R', 't', 'R');
  return p.raw('u').bytes();
}

const floats = (values: number[]) => Buffer.from(new Float32Array(values).buffer);

describe('views in pytorch_model.bin', () => {
  it('a 3-element storage rebuilt as [2^40, 2^20] with stride 0 is refused, naming key, shape, strides and storage size', () => {
    const file = writeTmp(torchZip(viewPickle('w', 3, 0, [2n ** 40n, 2n ** 20n], [0n, 0n]), { 0: floats([1, 2, 3]) }));
    const error = loadError(file);
    expect(error.message).toContain(`PyTorch checkpoint '${file}'`);
    expect(error.message).toMatch(/tensor 'w': size \[1099511627776, 1048576\], stride \[0, 0\] at offset 0 describes more than 2\^53 elements over its storage of 3 elements/);
  });

  it('a view reaching past the end of its storage is refused, naming key, shape, strides and storage size', () => {
    const file = writeTmp(torchZip(viewPickle('w', 3, 1, [2n, 2n], [1n, 1n]), { 0: floats([1, 2, 3]) }));
    expect(loadError(file).message).toMatch(/tensor 'w': size \[2, 2\], stride \[1, 1\] at offset 1 reaches past its storage of 3 elements/);
  });

  it('stride-0 views that torch.save writes for expanded tensors (position_ids) still load', () => {
    const file = writeTmp(torchZip(viewPickle('ids', 3, 0, [4n, 3n], [0n, 1n]), { 0: floats([1, 2, 3]) }));
    for (const mmap of [false, true]) {
      const t = loadTorchBinSync(file, { mmap }).tensors.get('ids')!;
      expect(t.toArray()).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    }
  });
});

describe('CRC-32 of every zip entry read', () => {
  const fixture = fs.readFileSync(path.join(FIXTURES, 'bert-seqcls', 'pytorch_model.bin'));
  const storages = zipEntries(fixture).filter((e) => /\/data\/\d+$/.test(e.name) && e.size > 0);

  it('150 single-bit flips in weight data are all refused, each naming the entry and the file (was 3 of 150)', () => {
    let seed = 12;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const file = path.join(dir, 'flipped.bin');
    for (let i = 0; i < 150; i++) {
      const bytes = Buffer.from(fixture);
      const entry = storages[Math.floor(random() * storages.length)];
      bytes[entry.offset + Math.floor(random() * entry.size)] ^= 1 << Math.floor(random() * 8);
      fs.writeFileSync(file, bytes);
      const message = loadError(file).message;
      expect(message).toContain(`PyTorch checkpoint '${file}'`);
      expect(message).toMatch(new RegExp(`zip entry '${entry.name}' \\(tensor '[^']+'\\) fails its CRC-32 check \\(stored [0-9a-f]{8}, computed [0-9a-f]{8}\\)`));
    }
  });

  it('a flipped bit in the byteorder entry (torch >= 2.1) is refused too', () => {
    const good = storedZip([
      { name: 'archive/data.pkl', data: viewPickle('w', 3, 0, [3n], [1n]) },
      { name: 'archive/byteorder', data: Buffer.from('little') },
      { name: 'archive/data/0', data: floats([1, 2, 3]) },
    ]);
    expect(loadTorchBinSync(writeTmp(good)).tensors.get('w')!.toArray()).toEqual([1, 2, 3]);
    const bad = Buffer.from(good);
    bad[zipEntries(bad).find((e) => e.name === 'archive/byteorder')!.offset] ^= 0x20; // 'little' -> 'Little'
    expect(loadError(writeTmp(bad)).message).toMatch(/zip entry 'archive\/byteorder' fails its CRC-32 check/);
  });

  it('the intact fixtures load, with and without mmap, to the same values', () => {
    const file = path.join(FIXTURES, 'bert-seqcls', 'pytorch_model.bin');
    const copied = loadTorchBinSync(file).tensors;
    const mapped = loadTorchBinSync(file, { mmap: true }).tensors;
    for (const [key, t] of copied) expect(t.sub(mapped.get(key)!).abs().sum().item(), key).toBe(0);
  });
});
