/**
 * The on-disk cache of tokenized data sets, so that a second run starts at once (datasets keeps
 * Dataset.map results in Arrow cache files for the same reason).
 *
 * One entry is one file, `<key>.npds`, written to a temporary name and renamed when complete,
 * so a reader sees a whole entry or none. Layout (little-endian):
 *   records: per row, per stored field: 'ids' = uint32 length + int32 values, 'int' = int32
 *   trailer: meta JSON, uint32 meta length, SHA-256 of everything before it, "NPDSv001"
 * Fields of kind 'copy' (labels = input ids) and 'ones' (an unpadded attention mask) are not
 * stored but rebuilt. An entry that fails any check (truncated, bit flips, wrong version) is
 * ignored with a warning, deleted, and rebuilt by the caller.
 */
import { createHash, type Hash } from 'crypto';
import { createReadStream, promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tempPathFor } from '../util/fs';
import { DataError } from './errors';
import type { Example } from './types';

export interface CacheField {
  name: string;
  kind: 'ids' | 'int' | 'copy' | 'ones';
  /** For 'copy' and 'ones': the 'ids' field this one is built from. */
  of?: string;
}

export interface EntryMeta {
  fields: CacheField[];
  count: number;
  /** What the loader needs besides the rows (label names, files, ...). */
  info: Record<string, unknown>;
}

const MAGIC = Buffer.from('NPDSv001');
const TRAILER = 4 + 32 + MAGIC.length;
const FLUSH_BYTES = 1 << 20;
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** The default cache folder: $NODE_PEFT_DATASETS_CACHE, else ~/.cache/node-peft/datasets. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NODE_PEFT_DATASETS_CACHE || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'node-peft', 'datasets');
}

/** A cache that cannot be written (a full disk, a read-only folder) costs speed, not the run. */
export function warnCacheWrite(err: unknown): void {
  process.emitWarning(`node-peft: could not write the data cache (${(err as Error).message}); continuing without it`);
}

/** Appends rows to a temporary file; commit() renames it into place, abort() removes it. */
export class CacheWriter {
  private chunk = Buffer.allocUnsafe(FLUSH_BYTES * 2);
  private used = 0;
  private count = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly stored: CacheField[];

  private constructor(private readonly target: string, private readonly tmp: string, private readonly handle: fsp.FileHandle, private readonly fields: CacheField[]) {
    this.stored = fields.filter((f) => f.kind === 'ids' || f.kind === 'int');
  }

  static async open(target: string, fields: CacheField[]): Promise<CacheWriter> {
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    return new CacheWriter(target, tmp, await fsp.open(tmp, 'w'), fields);
  }

  async add(row: Example): Promise<void> {
    let need = 0;
    for (const f of this.stored) need += f.kind === 'int' ? 4 : 4 + 4 * (row[f.name] as number[]).length;
    if (this.used + need > this.chunk.length) {
      await this.flush();
      if (need > this.chunk.length) this.chunk = Buffer.allocUnsafe(need);
    }
    for (const f of this.stored) {
      if (f.kind === 'int') {
        this.used = this.chunk.writeInt32LE(row[f.name] as number, this.used);
        continue;
      }
      const ids = row[f.name] as number[];
      this.used = this.chunk.writeUInt32LE(ids.length, this.used);
      for (let i = 0; i < ids.length; i++) this.used = this.chunk.writeInt32LE(ids[i], this.used);
    }
    this.count++;
    if (this.used >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const data = this.chunk.subarray(0, this.used);
    this.hash.update(data);
    await this.handle.write(data);
    this.used = 0;
  }

  /** Writes the trailer, syncs, and renames the entry into place. */
  async commit(info: Record<string, unknown>): Promise<void> {
    try {
      await this.flush();
      const meta: EntryMeta = { fields: this.fields, count: this.count, info };
      const json = Buffer.from(JSON.stringify(meta));
      const length = Buffer.alloc(4);
      length.writeUInt32LE(json.length);
      this.hash.update(json).update(length);
      await this.handle.write(Buffer.concat([json, length, this.hash.digest(), MAGIC]));
      await this.handle.sync();
      await this.handle.close();
      await fsp.rename(this.tmp, this.target);
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Drops the partial entry (an interrupted iteration, an error). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await fsp.rm(this.tmp, { force: true });
  }
}

/** Parses stored records out of byte chunks that may end in the middle of a record. */
class RecordReader {
  private carry: Buffer = Buffer.alloc(0);
  constructor(private readonly fields: CacheField[]) {}

  /** The complete records in `chunk` (plus what the previous chunk left). */
  push(chunk: Buffer): Example[] {
    let buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    if (buf.byteOffset & 3) buf = Buffer.from(buf); // a pooled, unaligned slice: copy to read it as int32
    const rows: Example[] = [];
    // Every stored value is 4 bytes, so an aligned chunk can be read as int32 directly
    // (little-endian machines; others take the byte-by-byte path).
    const i32 = LITTLE_ENDIAN && (buf.byteOffset & 3) === 0 ? new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2) : undefined;
    let off = 0;
    for (;;) {
      const parsed = this.parseOne(buf, i32, off);
      if (parsed === undefined) break;
      rows.push(parsed.row);
      off = parsed.next;
    }
    this.carry = buf.subarray(off);
    return rows;
  }

  get leftover(): number {
    return this.carry.length;
  }

  private parseOne(buf: Buffer, i32: Int32Array | undefined, start: number): { row: Example; next: number } | undefined {
    const row: Example = { inputIds: [] };
    let off = start;
    for (const f of this.fields) {
      if (f.kind !== 'int' && f.kind !== 'ids') continue;
      if (off + 4 > buf.length) return undefined;
      const head = i32 ? i32[off >> 2] : buf.readInt32LE(off);
      if (f.kind === 'int') {
        row[f.name] = head;
        off += 4;
        continue;
      }
      const n = head >>> 0;
      if (off + 4 + 4 * n > buf.length) return undefined;
      const first = (off >> 2) + 1;
      const ids = new Array<number>(n);
      if (i32) for (let k = 0; k < n; k++) ids[k] = i32[first + k];
      else for (let k = 0; k < n; k++) ids[k] = buf.readInt32LE(off + 4 + 4 * k);
      row[f.name] = ids;
      off += 4 + 4 * n;
    }
    for (const f of this.fields) {
      const source = row[f.of ?? ''] as number[] | undefined;
      if (f.kind === 'copy') row[f.name] = source!.slice();
      if (f.kind === 'ones') row[f.name] = new Array<number>(source!.length).fill(1);
    }
    return { row, next: off };
  }
}

class CorruptEntry extends Error {}

/** Reads and checks an entry's trailer; throws CorruptEntry when anything is off. */
async function readTrailer(file: string): Promise<{ meta: EntryMeta; bodyBytes: number; hash: Buffer; size: number }> {
  const handle = await fsp.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < TRAILER) throw new CorruptEntry('shorter than its trailer');
    const tail = Buffer.alloc(TRAILER);
    await handle.read(tail, 0, TRAILER, size - TRAILER);
    if (!tail.subarray(36).equals(MAGIC)) throw new CorruptEntry('not a node-peft cache entry of this version');
    const metaBytes = tail.readUInt32LE(0);
    const bodyBytes = size - TRAILER - metaBytes;
    if (bodyBytes < 0) throw new CorruptEntry('meta length beyond the file');
    const json = Buffer.alloc(metaBytes);
    await handle.read(json, 0, metaBytes, bodyBytes);
    return { meta: parseMeta(json), bodyBytes, hash: Buffer.from(tail.subarray(4, 36)), size };
  } finally {
    await handle.close();
  }
}

/** A cache folder of tokenized data sets. */
export class DatasetCache {
  /** Entries this process has already checked end to end (path, size, mtime). */
  private static readonly verified = new Set<string>();

  constructor(readonly dir: string) {}

  entryPath(key: string): string {
    return path.join(this.dir, `${key}.npds`);
  }

  async writer(key: string, fields: CacheField[]): Promise<CacheWriter> {
    return CacheWriter.open(this.entryPath(key), fields);
  }

  /** Whether a complete entry is there (its trailer is checked, not its checksum). */
  async has(key: string): Promise<boolean> {
    return readTrailer(this.entryPath(key)).then(() => true, () => false);
  }

  /** The entry's meta and a reader of its rows, or undefined when there is no valid entry. */
  async open(key: string): Promise<{ meta: EntryMeta; rows: () => AsyncGenerator<Example> } | undefined> {
    const file = this.entryPath(key);
    try {
      const t = await readTrailer(file);
      const stamp = `${file}:${t.size}:${(await fsp.stat(file)).mtimeMs}`;
      if (!DatasetCache.verified.has(stamp)) {
        await verifyHash(file, t.size - 32 - MAGIC.length, t.hash);
        DatasetCache.verified.add(stamp);
      }
      return { meta: t.meta, rows: () => readRows(file, t.meta, t.bodyBytes) };
    } catch (err) {
      this.discard(file, err);
      return undefined;
    }
  }

  /** Every row of an entry in memory, or undefined when there is no valid entry (one read, parsed at once). */
  async load(key: string): Promise<{ meta: EntryMeta; rows: Example[] } | undefined> {
    const file = this.entryPath(key);
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(file);
    } catch (err) {
      this.discard(file, err);
      return undefined;
    }
    try {
      return parseWhole(bytes);
    } catch (err) {
      this.discard(file, err);
      return undefined;
    }
  }

  /** No entry: nothing to say. Unreadable: a warning. Corrupt: a warning, and it is deleted. */
  private discard(file: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    if (!(err instanceof CorruptEntry)) {
      process.emitWarning(`node-peft: cannot read the data cache entry ${file} (${(err as Error).message}); the data will be tokenized again`);
      return;
    }
    process.emitWarning(`node-peft: ignoring the corrupt data cache entry ${file} (${err.message}); it will be rebuilt`);
    DatasetCache.verified.clear();
    fsp.rm(file, { force: true }).catch(() => undefined);
  }
}

/** Checks and parses a whole entry held in memory. */
function parseWhole(bytes: Buffer): { meta: EntryMeta; rows: Example[] } {
  if (bytes.length < TRAILER) throw new CorruptEntry('shorter than its trailer');
  const tail = bytes.subarray(bytes.length - TRAILER);
  if (!tail.subarray(36).equals(MAGIC)) throw new CorruptEntry('not a node-peft cache entry of this version');
  const hashed = bytes.subarray(0, bytes.length - 32 - MAGIC.length);
  if (!createHash('sha256').update(hashed).digest().equals(tail.subarray(4, 36))) throw new CorruptEntry('checksum mismatch');
  const metaBytes = tail.readUInt32LE(0);
  const bodyBytes = bytes.length - TRAILER - metaBytes;
  if (bodyBytes < 0) throw new CorruptEntry('meta length beyond the file');
  const meta = parseMeta(bytes.subarray(bodyBytes, bodyBytes + metaBytes));
  const reader = new RecordReader(meta.fields);
  const rows = reader.push(bytes.subarray(0, bodyBytes));
  if (reader.leftover !== 0 || rows.length !== meta.count) throw new CorruptEntry(`${rows.length} rows where ${meta.count} were recorded`);
  return { meta, rows };
}

function parseMeta(json: Buffer): EntryMeta {
  let meta: EntryMeta;
  try {
    meta = JSON.parse(json.toString('utf8')) as EntryMeta;
  } catch {
    throw new CorruptEntry('unreadable meta');
  }
  if (!Array.isArray(meta?.fields) || !Number.isInteger(meta.count)) throw new CorruptEntry('incomplete meta');
  return meta;
}

async function verifyHash(file: string, hashedBytes: number, expected: Buffer): Promise<void> {
  const hash = createHash('sha256');
  // hashedBytes > 0: the meta length field is always hashed.
  for await (const chunk of createReadStream(file, { start: 0, end: hashedBytes - 1 })) hash.update(chunk as Buffer);
  if (!hash.digest().equals(expected)) throw new CorruptEntry('checksum mismatch');
}

async function* readRows(file: string, meta: EntryMeta, bodyBytes: number): AsyncGenerator<Example> {
  const reader = new RecordReader(meta.fields);
  let count = 0;
  if (bodyBytes > 0) {
    for await (const chunk of createReadStream(file, { start: 0, end: bodyBytes - 1, highWaterMark: FLUSH_BYTES })) {
      for (const row of reader.push(chunk as Buffer)) {
        count++;
        yield row;
      }
    }
  }
  // The checksum matched when the entry was opened, so the file changed while it was read (or the
  // writer erred). Rows have been handed out already: too late to rebuild quietly, so say so.
  if (reader.leftover !== 0 || count !== meta.count) {
    await fsp.rm(file, { force: true }).catch(() => undefined);
    throw new DataError({ file }, `corrupt data cache entry: ${count} rows and ${reader.leftover} stray bytes where ${meta.count} rows were recorded`, 'it has been deleted; run again to tokenize the data anew');
  }
}
