// Malformed and hostile files: each one is a TorchError naming the file and the key or entry.
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { loadSafetensorsSync, loadTorchBin, loadTorchBinSync, readSafetensorsHeader } from '../../lib/io';
import { buildSafetensors, Pickle, stateDictPickle, tmpDir, torchZip, zipEntries } from './helpers';

const dir = tmpDir();
let counter = 0;
function writeTmp(bytes: Buffer, ext = '.safetensors'): string {
  const file = path.join(dir, `case${counter++}${ext}`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Loads `bytes` (and reads the header only, for safetensors); both must fail with `pattern`. */
function expectSafetensorsError(bytes: Buffer, pattern: RegExp): void {
  const file = writeTmp(bytes);
  for (const load of [loadSafetensorsSync, readSafetensorsHeader]) {
    let error: unknown;
    try {
      load(file);
    } catch (e) {
      error = e;
    }
    expect(error, `${load.name} should throw`).toBeInstanceOf(torch.TorchError);
    expect((error as Error).message).toContain(`safetensors file '${file}'`);
    expect((error as Error).message).toMatch(pattern);
  }
}

const f32 = (n: number) => Buffer.alloc(4 * n);

describe('malformed safetensors files', () => {
  it('truncated before the header length', () => expectSafetensorsError(Buffer.from([1, 2, 3]), /file is 3 bytes, too short/));
  it('header length past the end', () => {
    const bytes = buildSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1));
    expectSafetensorsError(bytes.subarray(0, 20), /header length \d+ runs past the end of the file \(20 bytes\)/);
  });
  it('header length on the boundary: size - 8 + 1 up to size run past the end; size - 8 (no data) does not', () => {
    const bytes = buildSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1));
    const size = bytes.length;
    for (const n of [size - 7, size - 4, size - 1, size, size + 1]) {
      const edited = Buffer.from(bytes);
      edited.writeBigUInt64LE(BigInt(n));
      expectSafetensorsError(edited, new RegExp(`header length ${n} runs past the end of the file \\(${size} bytes\\)`));
    }
    // n = size - 8: the header takes the whole rest of the file (JSON followed by the 4 data bytes).
    const whole = Buffer.from(bytes);
    whole.writeBigUInt64LE(BigInt(size - 8));
    const file = writeTmp(whole);
    expect(() => loadSafetensorsSync(file)).toThrow(/malformed JSON header|trailing characters/);
    expect(() => loadSafetensorsSync(file)).not.toThrow(/runs past the end/);
  });
  it('header length beyond 100 MB, never allocated', () => {
    const bytes = Buffer.alloc(16);
    bytes.writeBigUInt64LE(2n ** 62n);
    expectSafetensorsError(bytes, /header length 4611686018427387904 exceeds the 100 MB limit/);
  });
  it('malformed JSON', () => expectSafetensorsError(buildSafetensors('{"a": {"dtype": "F32", ', Buffer.alloc(0)), /malformed JSON header at byte \d+/));
  it('non-integer offsets', () => expectSafetensorsError(buildSafetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}', f32(1)), /expected an integer, found a fraction/));
  it('negative shape', () => expectSafetensorsError(buildSafetensors('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', f32(1)), /expected a non-negative integer/));
  it('offsets outside the data', () => expectSafetensorsError(
    buildSafetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(2)),
    /tensor 'a': data_offsets \[0, 16\] fall outside the 8-byte data buffer/));
  it('overlapping tensors', () => expectSafetensorsError(
    buildSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3)),
    /tensor 'b': data_offsets \[4, 12\] overlap tensor 'a'/));
  it('a gap between tensors', () => expectSafetensorsError(
    buildSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3)),
    /tensor 'b': data_offsets \[8, 12\] leave a gap after byte 4/));
  it('bytes left over after the last tensor', () => expectSafetensorsError(
    buildSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)),
    /the data buffer has 8 bytes but the tensors cover 4/));
  it('a size that does not match dtype and shape', () => expectSafetensorsError(
    buildSafetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }, f32(2)),
    /tensor 'a': data_offsets \[0, 8\] hold 8 bytes but F32 \[4\] needs 16/));
  it('a shape larger than the file', () => expectSafetensorsError(
    buildSafetensors({ a: { dtype: 'F32', shape: [1000000, 1000000], data_offsets: [0, 8] } }, f32(2)),
    /tensor 'a': data_offsets \[0, 8\] hold 8 bytes but F32 \[1000000, 1000000\] needs 4000000000000/));
  it('a shape whose element count overflows', () => expectSafetensorsError(
    buildSafetensors({ a: { dtype: 'F32', shape: [0, 2 ** 40, 2 ** 40], data_offsets: [0, 0] } }, Buffer.alloc(0)),
    /tensor 'a': shape \[0, 1099511627776, 1099511627776\]\.\.\. is too large/));
  it('an unsupported dtype', () => expectSafetensorsError(
    buildSafetensors({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, f32(2)), /tensor 'a': unsupported dtype 'C64'/));
  it('a key given twice', () => expectSafetensorsError(
    buildSafetensors('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(1)),
    /key 'a' appears twice/));
  it('a missing or unknown field', () => {
    expectSafetensorsError(buildSafetensors({ a: { dtype: 'F32', shape: [1] } }, f32(1)), /tensor 'a': needs dtype, shape and data_offsets/);
    expectSafetensorsError(buildSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], x: 1 } }, f32(1)), /tensor 'a': unexpected or repeated field 'x'/);
  });
  it('non-string metadata', () => expectSafetensorsError(buildSafetensors({ __metadata__: { n: 1 } }, Buffer.alloc(0)), /malformed JSON header at byte \d+: expected '"'/));
  it('a missing file is a TorchError naming it', () => {
    expect(() => loadSafetensorsSync(path.join(dir, 'nope.safetensors'))).toThrow(/could not open '.*nope.safetensors': No such file or directory/);
    expect(() => loadSafetensorsSync(dir)).toThrow(/not a regular file/);
  });
});

function expectBinError(bytes: Buffer, pattern: RegExp): string {
  const file = writeTmp(bytes, '.bin');
  let error: unknown;
  try {
    loadTorchBinSync(file);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(torch.TorchError);
  expect((error as Error).message).toContain(file);
  expect((error as Error).message).toMatch(pattern);
  return file;
}

describe('hostile pickles: nothing is ever executed', () => {
  const attack = (module: string, name: string) => new Pickle().global(module, name).str('touch /tmp/pwned').raw(0x85, 'R').bytes();

  it.each([['os', 'system'], ['builtins', 'eval'], ['posix', 'system'], ['subprocess', 'Popen'], ['torch', 'load'], ['torch._utils', '_rebuild_qtensor']])(
    "GLOBAL '%s %s' is refused by name", (module, name) => {
      const file = expectBinError(torchZip(attack(module, name), {}), new RegExp(`refusing to unpickle global '${module}\\.${name}' in .*: only state dicts are supported`));
      expect((() => { try { loadTorchBinSync(file); } catch (e) { return (e as Error).message; } })()).toBe(
        `refusing to unpickle global '${module}.${name}' in ${file}: only state dicts are supported`);
    });

  it('STACK_GLOBAL (protocol 4) is held to the same list', () => {
    const pkl = new Pickle().str('builtins').str('exec').raw(0x93).str('print(1)').raw(0x85, 'R').bytes();
    expectBinError(torchZip(pkl, {}), /refusing to unpickle global 'builtins.exec'/);
  });

  it('the async path refuses too', async () => {
    const file = writeTmp(torchZip(attack('os', 'system'), {}), '.bin');
    await expect(loadTorchBin(file)).rejects.toThrow(/refusing to unpickle global 'os.system'/);
  });

  it('stack underflow, unknown opcodes, missing memo entries, bad shapes of data', () => {
    expectBinError(torchZip(new Pickle().raw('R').bytes(), {}), /data.pkl at byte 2: pickle stack underflow/);
    expectBinError(torchZip(new Pickle().raw('i').bytes(), {}), /unsupported pickle opcode 0x69/);
    expectBinError(torchZip(new Pickle().raw('h', 9).bytes(), {}), /memo key 9 was never stored/);
    expectBinError(torchZip(new Pickle().raw(']').bytes(), {}), /expected a dict of tensors at the top level/);
    expectBinError(torchZip(new Pickle().raw('}').str('step').int(3).raw('s').bytes(), {}), /entry 'step' is not a tensor/);
    expectBinError(torchZip(new Pickle().raw('X', Buffer.from([0xff, 0xff, 0xff, 0xff])).bytes(), {}), /truncated pickle/);
    expectBinError(torchZip(new Pickle().raw('}').bytes().subarray(0, 3), {}), /truncated pickle/);
  });

  it('200,000 nested lists neither overflow the stack nor crash', () => {
    const n = 200_000;
    const pkl = new Pickle().raw(Buffer.alloc(n, ']'), Buffer.alloc(n - 1, 'a')).bytes();
    expectBinError(torchZip(pkl, {}), /expected a dict of tensors at the top level/);
  });

  it('a storage referenced with two dtypes, a negative stride, too many dimensions', () => {
    const two = stateDictPickle([
      { key: 'a', storage: '0', numel: 4, size: [4], stride: [1] },
      { key: 'b', storage: '0', type: 'IntStorage', numel: 4, size: [4], stride: [1] },
    ]);
    expectBinError(torchZip(two, { 0: Buffer.alloc(16) }), /storage '0' is referenced with two different types or sizes/);
    const negative = stateDictPickle([{ key: 'n', storage: '0', numel: 4, offset: 3, size: [4], stride: [-1] }]);
    expectBinError(torchZip(negative, { 0: Buffer.alloc(16) }), /tensor 'n': .*negative size or stride/);
    const deep = stateDictPickle([{ key: 'd', storage: '0', numel: 1, size: Array(65).fill(1), stride: Array(65).fill(1) }]);
    expectBinError(torchZip(deep, { 0: Buffer.alloc(4) }), /tensor 'd' has more than 64 dimensions/);
  });
});

describe('malformed zip archives', () => {
  const good = () => torchZip(stateDictPickle([{ key: 'w', storage: '0', numel: 2, size: [2], stride: [1] }]), { 0: Buffer.alloc(8) });

  it('a corrupt data.pkl fails its CRC', () => {
    const zip = good();
    zip[zipEntries(zip)[0].offset + 3] ^= 0x40;
    expectBinError(zip, /zip entry 'archive\/data.pkl' fails its CRC-32 check/);
  });
  it('a central directory pointing past the end', () => {
    const zip = good();
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    zip.writeUInt32LE(zip.length, end + 16);
    expectBinError(zip, /zip central directory runs past the end of the file/);
  });
  it('an entry whose size runs past the end', () => {
    const zip = good();
    const entry = zipEntries(zip)[1];
    zip.writeUInt32LE(0x7fffffff, entry.centralAt + 20);
    zip.writeUInt32LE(0x7fffffff, entry.centralAt + 24);
    expectBinError(zip, /zip entry 'archive\/data\/0' runs past the end of the file/);
  });
  it('an entry count the directory cannot hold', () => {
    const zip = good();
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    zip.writeUInt16LE(0xfffe, end + 10);
    expectBinError(zip, /zip central directory claims 65534 entries/);
  });
  it('no data.pkl', () => expectBinError(torchZip(new Pickle().bytes(), {}, { name: 'a/b' }), /no <archive>\/data.pkl entry/));
});
