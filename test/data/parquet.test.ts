/**
 * Parquet: files written here with hyparquet-writer (snappy, gzip, uncompressed) are read back
 * row for row; damaged files, missing rows and invalid UTF-8 strings are errors naming the file
 * (and the row).
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { DataError, readParquet } from '../../lib/data';
import { rejection, tempDir, write } from './helpers';

const dir = tempDir();
const texts = ['good movie', 'bad "plot"\nsecond line', 'émotions 東京 😀'];

function parquetFile(name: string, codec: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED' = 'SNAPPY'): string {
  const buffer = parquetWriteBuffer({
    codec,
    ...(codec === 'GZIP' ? { compressors: { GZIP: (b: Uint8Array) => zlib.gzipSync(b) } } : {}),
    columnData: [
      { name: 'sentence', data: texts, type: 'STRING' },
      { name: 'label', data: [1, 0, 2], type: 'INT32' },
      { name: 'idx', data: [BigInt(10), BigInt(11), BigInt(12)], type: 'INT64' },
    ],
  });
  return write(dir, name, new Uint8Array(buffer));
}

describe('readParquet', () => {
  for (const codec of ['SNAPPY', 'GZIP', 'UNCOMPRESSED'] as const) {
    it(`reads the rows of a ${codec} file, only the columns asked for`, async () => {
      const t = await readParquet(parquetFile(`ok-${codec}.parquet`, codec), ['sentence', 'label']);
      expect(t.columns).toEqual(['sentence', 'label', 'idx']);
      expect(t.rows).toEqual(texts.map((s, i) => ({ sentence: s, label: [1, 0, 2][i] })));
      expect(t.locate(2)).toEqual({ file: `${dir}/ok-${codec}.parquet`, row: 2 });
    });
  }

  it('a file that is not Parquet, or is cut short, is an error naming it', async () => {
    const notParquet = write(dir, 'text.parquet', 'text,label\na,1\n');
    const err = await rejection(readParquet(notParquet, ['text']));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/text\.parquet: not a readable Parquet file \(.+\); check that it is a Parquet file/);
    const whole = fs.readFileSync(parquetFile('whole.parquet'));
    const cut = write(dir, 'cut.parquet', whole.subarray(0, whole.length - 20));
    expect((await rejection(readParquet(cut, ['sentence']))).message).toMatch(/cut\.parquet: not a readable Parquet file/);
    expect((await rejection(readParquet(`${dir}/missing.parquet`, ['x']))).message).toMatch(/missing\.parquet: cannot read the file \(no such file\)/);
  });

  it('damaged column data is an error naming the file', async () => {
    const bytes = Buffer.from(fs.readFileSync(parquetFile('flip.parquet', 'GZIP')));
    // The data pages sit after the 4-byte "PAR1" magic; garble the first of them.
    for (let i = 8; i < 60; i++) bytes[i] ^= 0x5a;
    const file = write(dir, 'flipped.parquet', bytes);
    expect((await rejection(readParquet(file, ['sentence', 'label']))).message).toMatch(/flipped\.parquet: not a readable Parquet file/);
  });

  it('a string column with invalid UTF-8 is an error naming the row and column', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'text', data: [new TextEncoder().encode('fine'), Uint8Array.from([0x63, 0x61, 0x66, 0xe9])], type: 'BYTE_ARRAY' },
        { name: 'label', data: [0, 1], type: 'INT32' },
      ],
    });
    const file = write(dir, 'latin1.parquet', new Uint8Array(buffer));
    expect((await rejection(readParquet(file, ['text', 'label']))).message).toBe(
      `${file}, row 1: invalid UTF-8 in column "text"; fix the data: Parquet strings must be UTF-8`,
    );
  });

  it('a file without rows is an error', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'text', data: [], type: 'STRING' }] });
    const file = write(dir, 'empty.parquet', new Uint8Array(buffer));
    expect((await rejection(readParquet(file, ['text']))).message).toMatch(/empty\.parquet: the Parquet file has no rows/);
  });

  it('a null string stays null (not an empty string), so the loader can name the row', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'text', data: ['a', null, 'c'], type: 'STRING' }, { name: 'label', data: [0, 1, 2], type: 'INT32' }] });
    const t = await readParquet(write(dir, 'nulls.parquet', new Uint8Array(buffer)), ['text', 'label']);
    expect(t.rows).toEqual([{ text: 'a', label: 0 }, { text: null, label: 1 }, { text: 'c', label: 2 }]);
  });

  it('the no-rows error says what to do', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'text', data: [], type: 'STRING' }] });
    const file = write(dir, 'empty2.parquet', new Uint8Array(buffer));
    expect((await rejection(readParquet(file, ['text']))).message).toBe(`${file}: the Parquet file has no rows; check that it is the right file`);
  });
});
