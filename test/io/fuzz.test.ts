// Mutation fuzzing of real checkpoint files: every load must either succeed (and its tensors be
// readable) or throw a TorchError naming the file. A crash, a hang or a huge allocation fails the
// run. Seeded, so a failure replays; the seed and mutation are in the assertion message.
import fs from 'fs';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { loadSafetensors, loadSafetensorsSync, loadTorchBinSync, type Checkpoint } from '../../lib/io';
import { DATA, FIXTURES, bytesOf, parseSafetensors, tmpDir, zipEntries, storedZip, type RawEntry } from './helpers';

const SEED = Number(process.env.NODE_PEFT_FUZZ_SEED ?? 20240229);
const PER_FORMAT = Number(process.env.NODE_PEFT_FUZZ_COUNT ?? 1000);
const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const random = rng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

// Numbers that sit on the boundaries a parser must survive, as JSON text.
const EDGE_NUMBERS = ['0', '1', '-1', '7', '4294967295', '4294967296', '9007199254740993', '9223372036854775807', '18446744073709551616', '1e3', '2.5', '"3"', 'null'];

function flipBits(bytes: Buffer, lo = 0, hi = bytes.length): string {
  const n = 1 + int(8);
  for (let i = 0; i < n; i++) bytes[lo + int(hi - lo)] ^= 1 << int(8);
  return `flip ${n} bits in [${lo}, ${hi})`;
}

// ---- safetensors mutations ----

/**
 * What a mutation must do to the load: `true` = be refused (any TorchError naming the file), a
 * RegExp = be refused with that message, undefined = either outcome (then an accepted file is
 * checked against the test's own reading of it).
 */
type MustFail = true | RegExp | undefined;

function mutateSafetensors(original: Buffer): [Buffer, string, MustFail] {
  const bytes = Buffer.from(original);
  const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
  switch (int(6)) {
    case 0: return [bytes, flipBits(bytes, 0, headerEnd), undefined];
    case 1: return [bytes, flipBits(bytes), undefined];
    // The tensors of a valid file cover its data exactly: any shorter file is invalid.
    case 2: { const n = int(bytes.length); return [bytes.subarray(0, n), `truncate to ${n}`, n < 8 ? /too short for the 8-byte header length/ : true]; }
    case 3: {
      let value = pick([BigInt(headerEnd - 8 + int(33) - 16), BigInt(int(2 ** 32)), 2n ** 64n - 1n, BigInt(bytes.length), BigInt(bytes.length - 8 + 1 + int(8)), 0n]);
      if (value < 0n) value = 0n;
      bytes.writeBigUInt64LE(value, 0);
      // Any other length moves the data buffer, whose size the tensors must cover exactly.
      const size = BigInt(bytes.length);
      const expected: MustFail = value === BigInt(headerEnd - 8) ? undefined
        : value > 100_000_000n ? /exceeds the 100 MB limit/
        : value > size - 8n ? new RegExp(`header length ${value} runs past the end of the file \\(${size} bytes\\)`)
        : value < 2n ? /too short for a JSON object/ : true;
      return [bytes, `header length := ${value}`, expected];
    }
    case 4: return [...editHeaderJson(original), undefined];
    default: return [...spliceHeaderText(original), undefined];
  }
}

function editHeaderJson(original: Buffer): [Buffer, string] {
  const { header, data } = parseSafetensors(original);
  const keys = Object.keys(header).filter((k) => k !== '__metadata__');
  const key = pick(keys);
  const entry = header[key] as unknown as Record<string, unknown>;
  let text = JSON.stringify(header);
  const what = int(7);
  const n = pick(EDGE_NUMBERS);
  const edited = { ...entry };
  if (what === 0) edited.shape = (entry.shape as number[]).map((d) => (random() < 0.5 ? d : `§${n}§`));
  else if (what === 1) edited.shape = [...(entry.shape as number[]), `§${n}§`];
  else if (what === 2) edited.data_offsets = (entry.data_offsets as number[]).map((o) => (random() < 0.5 ? o + int(9) - 4 : `§${n}§`));
  else if (what === 3) edited.dtype = pick(['F32', 'F16', 'BF16', 'F64', 'I64', 'I8', 'U8', 'BOOL', 'C64', 'F8_E4M3', '', 5]);
  else if (what === 4) delete edited[pick(['dtype', 'shape', 'data_offsets'])];
  else if (what === 5) edited.data_offsets = [...(entry.data_offsets as number[])].reverse();
  else edited.shape = [];
  text = text.replace(JSON.stringify({ [key]: entry }).slice(1, -1), JSON.stringify({ [key]: edited }).slice(1, -1)).replace(/"§(.*?)§"/g, '$1');
  if (random() < 0.2) text = text.replace(`"${key}"`, `"${pick(keys)}"`); // maybe a duplicate key
  return [withHeader(text, data), `header edit ${what} on '${key}' with ${n}`];
}

function spliceHeaderText(original: Buffer): [Buffer, string] {
  const { headerText, data } = parseSafetensors(original);
  const at = int(headerText.length);
  const insert = pick(['', '"', '{', '}', '[', ']', ',', ':', '\\', '\\u', '\\ud800', '\u0001', '-', '0', 'null', '"__metadata__":{}', ' ']);
  const cut = int(4);
  return [withHeader(headerText.slice(0, at) + insert + headerText.slice(at + cut), data), `splice ${JSON.stringify(insert)} at ${at}, cut ${cut}`];
}

function withHeader(text: string, data: Buffer): Buffer {
  const json = Buffer.from(text);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

// ---- pytorch_model.bin mutations ----

function mutateBin(original: Buffer): [Buffer, string, MustFail] {
  const bytes = Buffer.from(original);
  const entries = zipEntries(original);
  switch (int(6)) {
    case 0: return [bytes, flipBits(bytes), undefined];
    // A shorter zip has lost (part of) its end-of-central-directory record.
    case 1: { const n = int(bytes.length); return [bytes.subarray(0, n), `truncate to ${n}`, true]; }
    case 2: { // a field of a central directory entry or local header
      const e = pick(entries);
      const [base, fields] = random() < 0.6 ? [e.centralAt, [10, 20, 24, 28, 30, 32, 42]] : [e.localAt, [0, 26, 28]];
      const at = base + pick(fields);
      const value = pick([0, 1, 0xffff, 0xffffffff, int(2 ** 32), int(bytes.length)]);
      if (at + 4 <= bytes.length) bytes.writeUInt32LE(value >>> 0, at);
      return [bytes, `zip field at ${at} := ${value} (entry ${e.name})`, undefined];
    }
    case 3: { // end of central directory: count, size, offset
      const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      const at = end + pick([8, 10, 12, 16, 20]);
      const value = pick([0, 1, 0xffff, 0xffffffff, int(2 ** 32)]);
      if (at >= end + 12 && at < end + 20) bytes.writeUInt32LE(value >>> 0, at);
      else bytes.writeUInt16LE(value & 0xffff, at);
      return [bytes, `end record at ${at} := ${value}`, undefined];
    }
    default: return [...mutatePickle(original, entries), undefined];
  }
}

/** Mutates data.pkl itself and rebuilds a valid zip around it, so the unpickler sees the damage. */
function mutatePickle(original: Buffer, entries: ReturnType<typeof zipEntries>): [Buffer, string] {
  const files = entries.map((e) => ({ name: e.name, data: Buffer.from(original.subarray(e.offset, e.offset + e.size)) }));
  const pkl = files.find((f) => f.name.endsWith('/data.pkl'))!;
  const ops = [0x28, 0x29, 0x2e, 0x30, 0x4e, 0x51, 0x52, 0x58, 0x5d, 0x62, 0x63, 0x68, 0x71, 0x73, 0x74, 0x75, 0x7d, 0x85, 0x86, 0x89, 0x8a, 0x93, 0x94, 0x95, 0x69, 0xff];
  const at = int(pkl.data.length);
  let how: string;
  if (random() < 0.4) {
    pkl.data[at] = pick(ops);
    how = `opcode 0x${pkl.data[at].toString(16)} at ${at}`;
  } else if (random() < 0.5) {
    const n = 1 + int(16);
    pkl.data = Buffer.concat([pkl.data.subarray(0, at), pkl.data.subarray(at + n)]);
    how = `delete ${n} bytes at ${at}`;
  } else {
    how = flipBits(pkl.data);
  }
  return [storedZip(files), `data.pkl: ${how}`];
}

// ---- the run ----

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
let counter = 0;

function touch(checkpoint: Checkpoint): void {
  for (const t of checkpoint.tensors.values()) {
    t.toTypedArray(); // reads every byte: a bad mapping would fault here
    t.dispose();
  }
}

type Outcome = { ok: number; errors: number; mustFail: number; messages: Set<string> };

/** The half-precision value of a 16-bit pattern (F16), for comparing with the widened float32. */
function halfToFloat(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const ITEMSIZE: Record<string, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const DTYPE_CODE: Record<string, string> = { float64: 'F64', int64: 'I64', float32: 'F32', int32: 'I32', float16: 'F16', bfloat16: 'BF16', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL' };

/**
 * An accepted safetensors file, read again by the test's own parser: the header length fits the
 * file, the header is JSON naming exactly the loaded tensors with their dtypes and shapes, the
 * tensors cover the data buffer exactly, and each tensor holds the bytes its offsets name.
 */
function checkAccepted(bytes: Buffer, checkpoint: Checkpoint, what: string): void {
  expect(bytes.length, what).toBeGreaterThanOrEqual(8);
  const n = Number(bytes.readBigUInt64LE(0));
  expect(n, `${what}: header length`).toBeLessThanOrEqual(bytes.length - 8);
  const { header, data } = parseSafetensors(bytes);
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, RawEntry][];
  expect([...checkpoint.tensors.keys()].sort(), what).toEqual(entries.map(([k]) => k).sort());
  expect(checkpoint.metadata, what).toEqual(header.__metadata__ ?? {});
  let covered = 0;
  for (const [key, e] of entries) {
    const t = checkpoint.tensors.get(key)!;
    expect(DTYPE_CODE[t.dtype], `${what}: ${key}`).toBe(e.dtype);
    expect(t.shape, `${what}: ${key}`).toEqual(e.shape);
    const [begin, end] = e.data_offsets;
    expect(end - begin, `${what}: ${key}`).toBe(e.shape.reduce((a, b) => a * b, 1) * ITEMSIZE[e.dtype]);
    covered += end - begin;
    const raw = data.subarray(begin, end);
    const got = bytesOf(t);
    if (e.dtype === 'BF16') {
      const widened = Buffer.alloc(raw.length * 2);
      for (let i = 0; i < raw.length / 2; i++) widened.writeUInt32LE(raw.readUInt16LE(2 * i) << 16 >>> 0, 4 * i);
      expect(got.equals(widened), `${what}: ${key} bytes`).toBe(true);
    } else if (e.dtype === 'F16') {
      const values = new Float32Array(got.buffer, got.byteOffset, got.length / 4);
      for (let i = 0; i < values.length; i++) expect(Object.is(values[i], Math.fround(halfToFloat(raw.readUInt16LE(2 * i)))) || (Number.isNaN(values[i]) && Number.isNaN(halfToFloat(raw.readUInt16LE(2 * i)))), `${what}: ${key}[${i}]`).toBe(true);
    } else {
      expect(got.equals(raw), `${what}: ${key} bytes`).toBe(true);
    }
  }
  expect(covered, `${what}: the tensors cover the data buffer`).toBe(data.length);
}

async function attempt(bytes: Buffer, what: string, ext: string, load: (f: string) => Checkpoint | Promise<Checkpoint>, outcome: Outcome, mustFail: MustFail, check?: (c: Checkpoint) => void): Promise<void> {
  // A fresh name each time: a live mapping of an earlier file is never rewritten under it.
  const file = path.join(dir, `m${counter++}${ext}`);
  fs.writeFileSync(file, bytes);
  let loaded: Checkpoint | undefined;
  try {
    loaded = await load(file);
  } catch (err) {
    expect(err, `${what} (seed ${SEED}): ${String(err)}`).toBeInstanceOf(torch.TorchError);
    expect((err as Error).message, what).toContain(file);
    if (mustFail instanceof RegExp) expect((err as Error).message, `${what} (seed ${SEED})`).toMatch(mustFail);
    outcome.errors++;
    if (mustFail !== undefined) outcome.mustFail++;
    outcome.messages.add((err as Error).message.replace(file, 'FILE').replace(/\d+/g, 'N'));
  } finally {
    fs.unlinkSync(file);
  }
  if (loaded === undefined) return;
  expect.soft(mustFail, `${what} (seed ${SEED}) was accepted, but the file is invalid`).toBeUndefined();
  check?.(loaded);
  touch(loaded);
  outcome.ok++;
}

describe(`fuzz (seed ${SEED}, ${PER_FORMAT} mutations per format)`, () => {
  it('safetensors: an invalid file (truncated, header length changed) is refused with the right message; any other mutation is refused with a TorchError naming the file or loads exactly what the test\'s own parser reads', async () => {
    const sources = ['bert-seqcls/model.safetensors', 'bert-seqcls/cases.safetensors', 'opt-causal/cases.safetensors', 'bert-lora-peft013/adapter/adapter_model.safetensors']
      .map((f) => fs.readFileSync(path.join(FIXTURES, f)));
    const outcome: Outcome = { ok: 0, errors: 0, mustFail: 0, messages: new Set() };
    const before = rssMiB();
    for (let i = 0; i < PER_FORMAT; i++) {
      const [bytes, what, mustFail] = mutateSafetensors(pick(sources));
      const load = i % 10 === 0 ? (f: string) => loadSafetensors(f) : (f: string) => loadSafetensorsSync(f);
      await attempt(bytes, what, '.safetensors', load, outcome, mustFail, (c) => checkAccepted(bytes, c, what));
    }
    expect(outcome.mustFail).toBeGreaterThan(PER_FORMAT / 5); // the invalid-by-construction cases were many
    console.log(`safetensors fuzz: ${outcome.ok} loaded, ${outcome.errors} refused, ${outcome.messages.size} distinct messages, RSS +${(rssMiB() - before).toFixed(0)} MiB`);
    expect(outcome.ok + outcome.errors).toBe(PER_FORMAT);
    expect(outcome.errors).toBeGreaterThan(PER_FORMAT / 4);
    expect(outcome.messages.size).toBeGreaterThan(15); // the mutations reach many different checks
    expect(rssMiB() - before).toBeLessThan(512);
  });

  it('pytorch_model.bin: a truncated file is refused; every mutation is refused with a TorchError naming the file or loads readable tensors', async () => {
    const sources = ['bert-seqcls/pytorch_model.bin', 'opt-causal/pytorch_model.bin', 'bert-lora-default/adapter/adapter_model.bin']
      .map((f) => fs.readFileSync(path.join(FIXTURES, f)))
      .concat([fs.readFileSync(path.join(DATA, 'dtypes_views.bin')), fs.readFileSync(path.join(DATA, 'module_state.bin'))]);
    const outcome: Outcome = { ok: 0, errors: 0, mustFail: 0, messages: new Set() };
    const before = rssMiB();
    for (let i = 0; i < PER_FORMAT; i++) {
      const [bytes, what, mustFail] = mutateBin(pick(sources));
      await attempt(bytes, what, '.bin', (f) => loadTorchBinSync(f), outcome, mustFail);
    }
    expect(outcome.mustFail).toBeGreaterThan(PER_FORMAT / 10);
    console.log(`pytorch_model.bin fuzz: ${outcome.ok} loaded, ${outcome.errors} refused, ${outcome.messages.size} distinct messages, RSS +${(rssMiB() - before).toFixed(0)} MiB`);
    expect(outcome.ok + outcome.errors).toBe(PER_FORMAT);
    expect(outcome.errors).toBeGreaterThan(PER_FORMAT / 4);
    expect(outcome.messages.size).toBeGreaterThan(15);
    expect(rssMiB() - before).toBeLessThan(512);
  });
});
