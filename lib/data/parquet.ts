/**
 * Parquet files, the format of data sets on the HuggingFace Hub (datasets reads them with
 * pyarrow), read with hyparquet and hyparquet-compressors (snappy, gzip, zstd, brotli, lz4).
 * Only the columns asked for are decoded. Strings are decoded strictly: invalid UTF-8 is an
 * error naming the row and column, where pyarrow would also refuse the file.
 *
 * hyparquet is an ES module, loaded on first use (no cost when no Parquet file is read): with
 * require() where Node can require ES modules (20.19+, 22.12+), else with a real import().
 */
import { createRequire } from 'module';
import { pathToFileURL } from 'url';
import type { Compressors, FileMetaData } from 'hyparquet';
import { DataError, quote } from './errors';
import { readBytes } from './files';
import type { Table } from './table';

type Hyparquet = typeof import('hyparquet');
interface Modules { hp: Hyparquet; compressors: Compressors }

// A real import() that tsc's CommonJS output does not turn into require().
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
let modules: Promise<Modules> | undefined;

function loadModules(): Promise<Modules> {
  const req = createRequire(__filename);
  const load = async (name: string): Promise<unknown> => {
    try {
      return req(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw err;
      return importModule(pathToFileURL(req.resolve(name)).href);
    }
  };
  modules ??= Promise.all([load('hyparquet'), load('hyparquet-compressors')]).then(([hp, c]) => ({
    hp: hp as Hyparquet,
    compressors: (c as { compressors: Compressors }).compressors,
  }));
  return modules;
}

/** What a string with invalid UTF-8 decodes to, so that the row can be named afterwards. */
class InvalidUtf8 {}
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
function stringFromBytes(bytes: Uint8Array | undefined): string | InvalidUtf8 | undefined {
  if (bytes === undefined || bytes === null) return bytes;
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return new InvalidUtf8();
  }
}

function unreadableParquet(file: string, err: unknown): DataError {
  return new DataError({ file }, `not a readable Parquet file (${(err as Error).message})`,
    'check that it is a Parquet file and that it was copied or downloaded completely');
}

/** The rows of `file`, with the `columns` that it has among those asked for. */
export async function readParquet(file: string, columns: readonly string[]): Promise<Table> {
  const bytes = await readBytes(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const { hp, compressors } = await loadModules();
  let metadata: FileMetaData;
  let names: string[];
  try {
    metadata = hp.parquetMetadata(buffer);
    names = hp.parquetSchema(metadata).children.map((c) => c.element.name);
  } catch (err) {
    throw unreadableParquet(file, err);
  }
  if (Number(metadata.num_rows) === 0) throw new DataError({ file }, 'the Parquet file has no rows', 'check that it is the right file');
  const wanted = columns.filter((c) => names.includes(c));
  let rows: Array<Record<string, unknown>>;
  try {
    const file_ = { byteLength: buffer.byteLength, slice: (s: number, e?: number) => buffer.slice(s, e) };
    rows = await hp.parquetReadObjects({ file: file_, metadata, columns: wanted, compressors, parsers: { stringFromBytes } });
  } catch (err) {
    throw unreadableParquet(file, err);
  }
  rows.forEach((row, i) => {
    for (const c of wanted) {
      if (row[c] instanceof InvalidUtf8) throw new DataError({ file, row: i }, `invalid UTF-8 in column ${quote(c)}`, 'fix the data: Parquet strings must be UTF-8');
    }
  });
  return { file, columns: names, rows, locate: (row) => ({ file, row }) };
}
