// Test-only builders and readers, written independently of the native code: a stored-zip writer,
// a pickle writer for torch-style state dicts, and a safetensors parser and writer.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { expect } from 'vitest';
import type { Tensor } from '../../lib';

/** The transformers + PEFT reference fixtures, copied into the repository (test/fixtures/README.md). */
export const FIXTURES = path.resolve(__dirname, '../fixtures');
export const DATA = path.resolve(__dirname, 'data');

/** Every fixture folder holding a model checkpoint. */
export function modelFolders(): string[] {
  return fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, 'model.safetensors'))).sort();
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-io-'));
}

/** The raw bytes of a tensor (float16/bfloat16 come back widened to float32, which is exact). */
export function bytesOf(t: Tensor): Buffer {
  const a = t.toTypedArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function expectBitIdentical(a: Tensor, b: Tensor, key: string): void {
  expect(a.dtype, key).toBe(b.dtype);
  expect(a.shape, key).toEqual(b.shape);
  expect(bytesOf(a).equals(bytesOf(b)), `${key}: bytes differ`).toBe(true);
}

// ---- zip ----

const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export interface ZipInput { name: string; data: Uint8Array }

/** A zip of STORED entries, data 64-byte aligned like torch.save; zip64 records when asked. */
export function storedZip(entries: ZipInput[], options: { zip64?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const pad = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc32(e.data), 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(4 + pad, 28);
    const extra = Buffer.alloc(4 + pad);
    extra.writeUInt16LE(0x4246, 0); // "FB", torch's padding field
    extra.writeUInt16LE(pad, 2);
    central.push(centralEntry(name, e.data, offset, options.zip64 ?? false));
    parts.push(local, name, extra, Buffer.from(e.data));
    offset += 30 + name.length + extra.length + e.data.length;
  }
  const dir = Buffer.concat(central);
  parts.push(dir, endRecords(entries.length, dir.length, offset, options.zip64 ?? false));
  return Buffer.concat(parts);
}

function centralEntry(name: Buffer, data: Uint8Array, offset: number, zip64: boolean): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(45, 4);
  h.writeUInt16LE(45, 6);
  h.writeUInt32LE(crc32(data), 16);
  h.writeUInt32LE(zip64 ? 0xffffffff : data.length, 20);
  h.writeUInt32LE(zip64 ? 0xffffffff : data.length, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt16LE(zip64 ? 28 : 0, 30);
  h.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
  if (!zip64) return Buffer.concat([h, name]);
  const extra = Buffer.alloc(28);
  extra.writeUInt16LE(1, 0);
  extra.writeUInt16LE(24, 2);
  extra.writeBigUInt64LE(BigInt(data.length), 4); // uncompressed
  extra.writeBigUInt64LE(BigInt(data.length), 12); // compressed
  extra.writeBigUInt64LE(BigInt(offset), 20);
  return Buffer.concat([h, name, extra]);
}

function endRecords(count: number, dirSize: number, dirOffset: number, zip64: boolean): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : count, 8);
  end.writeUInt16LE(zip64 ? 0xffff : count, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : dirSize, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : dirOffset, 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(dirSize), 40);
  record.writeBigUInt64LE(BigInt(dirOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(dirOffset + dirSize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}

/** The entries of a zip written by storedZip or torch.save, with their data offsets (test-side reader). */
export function zipEntries(zip: Buffer): { name: string; offset: number; size: number; centralAt: number; localAt: number }[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    const nameLen = zip.readUInt16LE(p + 28);
    const localAt = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    const offset = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    out.push({ name, offset, size: zip.readUInt32LE(p + 24), centralAt: p, localAt });
    p += 46 + nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return out;
}

// ---- pickle ----

/** Emits pickle opcodes by name; enough for torch.save-shaped state dicts and hostile variants. */
export class Pickle {
  private parts: Buffer[] = [Buffer.from([0x80, 2])];
  raw(...bytes: (number | string | Buffer)[]): this {
    for (const b of bytes) this.parts.push(typeof b === 'number' ? Buffer.from([b]) : Buffer.from(b));
    return this;
  }
  global(module: string, name: string): this { return this.raw('c', `${module}\n${name}\n`); }
  str(s: string): this {
    const b = Buffer.from(s);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return this.raw('X', len, b);
  }
  int(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.raw('J', b);
  }
  ints(ns: number[]): this {
    this.raw('(');
    ns.forEach((n) => this.int(n));
    return this.raw('t');
  }
  bytes(): Buffer { return Buffer.concat([...this.parts, Buffer.from('.')]); }
}

export interface PickledTensor { key: string; storage: string; type?: string; numel: number; offset?: number; size: number[]; stride: number[] }

/** data.pkl of torch.save({key: tensor}) for the given views, as torch 1.13 writes it (minus memo). */
export function stateDictPickle(tensors: PickledTensor[]): Buffer {
  const p = new Pickle().raw('}', '(');
  for (const t of tensors) {
    p.str(t.key).global('torch._utils', '_rebuild_tensor_v2').raw('(');
    p.raw('(').str('storage').global('torch', t.type ?? 'FloatStorage').str(t.storage).str('cpu').int(t.numel).raw('t', 'Q');
    p.int(t.offset ?? 0).ints(t.size).ints(t.stride).raw(0x89).global('collections', 'OrderedDict').raw(')', 'R', 't', 'R');
  }
  return p.raw('u').bytes();
}

/** A torch.save-style zip: <name>/data.pkl, <name>/data/<key>, <name>/version. */
export function torchZip(pkl: Buffer, storages: Record<string, Uint8Array>, options: { zip64?: boolean; name?: string } = {}): Buffer {
  const name = options.name ?? 'archive';
  const entries: ZipInput[] = [{ name: `${name}/data.pkl`, data: pkl }];
  for (const [key, data] of Object.entries(storages)) entries.push({ name: `${name}/data/${key}`, data });
  entries.push({ name: `${name}/version`, data: Buffer.from('3\n') });
  return storedZip(entries, options);
}

// ---- safetensors ----

export interface RawEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

/** Parses a safetensors file's bytes without the addon. */
export function parseSafetensors(file: Buffer): { headerLength: number; header: Record<string, RawEntry | Record<string, string>>; headerText: string; data: Buffer } {
  const headerLength = Number(file.readBigUInt64LE(0));
  const headerText = file.toString('utf8', 8, 8 + headerLength);
  return { headerLength, header: JSON.parse(headerText), headerText, data: file.subarray(8 + headerLength) };
}

/** A safetensors file from a header object and data (no checks: for building broken files). */
export function buildSafetensors(header: unknown, data: Buffer, pad = true): Buffer {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const json = Buffer.from(text);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}
