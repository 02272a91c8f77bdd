/**
 * One cache entry (lib/data/cache.ts) written and read directly: rows of any size come back
 * through both readers (load: one read; open: streamed in 1 MiB chunks that cut records), and each
 * check of the trailer, meta and record count names what is wrong in its warning. Damaged entries
 * are resealed with a correct checksum so that the check after the checksum is the one reached.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { DataError, DatasetCache, defaultCacheDir, type Example } from '../../lib/data';
import type { CacheField } from '../../lib/data/cache';
import { tempDir } from './helpers';

const FIELDS: CacheField[] = [
  { name: 'inputIds', kind: 'ids' },
  { name: 'labels', kind: 'int' },
  { name: 'attentionMask', kind: 'ones', of: 'inputIds' },
  { name: 'copy', kind: 'copy', of: 'inputIds' },
];
const KEY = 'a'.repeat(64);
const MAGIC_AND_HASH = 32 + 8;

async function writeEntry(cache: DatasetCache, rows: Example[], fields = FIELDS, info: Record<string, unknown> = { names: ['x'] }) {
  const w = await cache.writer(KEY, fields);
  for (const r of rows) await w.add(r);
  await w.commit(info);
  return cache.entryPath(KEY);
}

async function streamed(cache: DatasetCache): Promise<Example[] | undefined> {
  const entry = await cache.open(KEY);
  if (!entry) return undefined;
  const out: Example[] = [];
  for await (const r of entry.rows()) out.push(r);
  return out;
}

const expected = (rows: Example[]) => rows.map((r) => ({ inputIds: r.inputIds, labels: r.labels, attentionMask: r.inputIds.map(() => 1), copy: r.inputIds }));

/** Rewrites an entry's body and meta and seals it with a correct trailer. */
function seal(body: Buffer, meta: Buffer | string, metaLength = Buffer.byteLength(meta)): Buffer {
  const json = Buffer.from(meta);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(metaLength);
  const hashed = Buffer.concat([body, json, length]);
  return Buffer.concat([hashed, createHash('sha256').update(hashed).digest(), Buffer.from('NPDSv001')]);
}

/** An entry's body and meta JSON, split at the lengths its trailer gives. */
function parts(bytes: Buffer): { body: Buffer; meta: string } {
  const metaLength = bytes.readUInt32LE(bytes.length - MAGIC_AND_HASH - 4);
  const end = bytes.length - MAGIC_AND_HASH - 4;
  return { body: bytes.subarray(0, end - metaLength), meta: bytes.subarray(end - metaLength, end).toString() };
}

describe('cache entries', () => {
  let warn: MockInstance<typeof process.emitWarning>;
  beforeEach(() => { warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined); });
  afterEach(() => warn.mockRestore());
  const warnings = () => warn.mock.calls.map((c) => String(c[0]));

  it('rows, an empty ids list and negative ints come back from load() and open(), with copy and ones fields rebuilt', async () => {
    const cache = new DatasetCache(tempDir());
    const rows: Example[] = [{ inputIds: [5, 6, 7], labels: 2 }, { inputIds: [], labels: -1 }, { inputIds: [2 ** 31 - 1], labels: 0 }];
    await writeEntry(cache, rows);
    expect(await cache.has(KEY)).toBe(true);
    const loaded = await cache.load(KEY);
    expect(loaded!.meta).toEqual({ fields: FIELDS, count: 3, info: { names: ['x'] } });
    expect(loaded!.rows).toEqual(expected(rows));
    expect(await streamed(cache)).toEqual(expected(rows));
    expect(warnings()).toEqual([]);
  });

  it('a row larger than the 2 MiB write buffer and 2,000 rows that cross flushes and 1 MiB read chunks', async () => {
    const cache = new DatasetCache(tempDir());
    const big = Array.from({ length: 2 * 262_144 + 5 }, (_, i) => (i * 7919) % 50_000);
    const rows: Example[] = [{ inputIds: [1, 2], labels: 1 }, { inputIds: big, labels: 3 }];
    for (let i = 0; i < 2000; i++) rows.push({ inputIds: Array.from({ length: 100 + (i % 37) }, (_, j) => i + j), labels: i % 5 });
    const file = await writeEntry(cache, rows);
    const loaded = await cache.load(KEY);
    // Compared as JSON: a deep toEqual of a million numbers takes seconds.
    const want = JSON.stringify(expected(rows));
    expect(loaded!.rows.length).toBe(rows.length);
    expect(JSON.stringify(loaded!.rows) === want).toBe(true);
    expect(JSON.stringify(await streamed(cache)) === want).toBe(true);
    // Exactly the records and the trailer: 4 bytes per value and per length.
    const values = rows.reduce((n, r) => n + 2 + r.inputIds.length, 0);
    expect(fs.statSync(file).size).toBe(4 * values + Buffer.byteLength(parts(fs.readFileSync(file)).meta) + 4 + MAGIC_AND_HASH);
  });

  it('a missing entry (or a cache folder that is a file) is undefined without a warning; has() is false', async () => {
    const cache = new DatasetCache(tempDir());
    expect(await cache.open(KEY)).toBeUndefined();
    expect(await cache.has(KEY)).toBe(false);
    const underAFile = new DatasetCache(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-c-')), 'file'));
    fs.writeFileSync(underAFile.dir, 'x');  // the cache folder is a file: ENOTDIR, also nothing to say
    expect(await underAFile.load(KEY)).toBeUndefined();
    expect(await underAFile.open(KEY)).toBeUndefined();
    expect(warnings()).toEqual([]);
  });

  it('an entry that cannot be read (a folder in its place) is a warning, and it is not deleted', async () => {
    const cache = new DatasetCache(tempDir());
    fs.mkdirSync(cache.entryPath(KEY), { recursive: true });
    expect(await cache.load(KEY)).toBeUndefined();
    expect(await cache.open(KEY)).toBeUndefined();
    expect(warnings()).toHaveLength(2);
    for (const w of warnings()) expect(w).toMatch(new RegExp(`^node-peft: cannot read the data cache entry .*${KEY}\\.npds \\(.*\\); the data will be tokenized again$`));
    expect(fs.statSync(cache.entryPath(KEY)).isDirectory()).toBe(true);
  });

  const rows: Example[] = [{ inputIds: [5, 6, 7], labels: 2 }, { inputIds: [8], labels: 1 }];
  const damages: [string, (b: Buffer) => Buffer, string, string][] = [
    ['shorter than its trailer', (b) => b.subarray(b.length - 43), 'shorter than its trailer', 'shorter than its trailer'],
    ['another version', (b) => Buffer.concat([b.subarray(0, b.length - 1), Buffer.from('2')]), 'not a node-peft cache entry of this version', 'not a node-peft cache entry of this version'],
    ['a meta length beyond the file', (b) => { const p = parts(b); return seal(p.body, p.meta, b.length); }, 'meta length beyond the file', 'meta length beyond the file'],
    ['meta that is not JSON', (b) => seal(parts(b).body, '{"fields": ['), 'unreadable meta', 'unreadable meta'],
    ['meta without fields', (b) => seal(parts(b).body, '{"count": 2}'), 'incomplete meta', 'incomplete meta'],
    ['a count that is not an integer', (b) => seal(parts(b).body, JSON.stringify({ fields: FIELDS, count: 1.5 })), 'incomplete meta', 'incomplete meta'],
    ['one row more recorded', (b) => { const p = parts(b); return seal(p.body, JSON.stringify({ ...JSON.parse(p.meta), count: 3 })); }, '2 rows where 3 were recorded', 'corrupt data cache entry: 2 rows and 0 stray bytes where 3 rows were recorded'],
    ['stray bytes after the last record', (b) => { const p = parts(b); return seal(Buffer.concat([p.body, Buffer.from([9, 0, 0, 0])]), p.meta); }, '2 rows where 2 were recorded', 'corrupt data cache entry: 2 rows and 4 stray bytes where 2 rows were recorded'],
    ['a flipped byte', (b) => { const c = Buffer.from(b); c[3] ^= 4; return c; }, 'checksum mismatch', 'checksum mismatch'],
  ];

  it.each(damages)('%s: load() and open() warn with the reason and delete the entry', async (_, damage, byLoad, byOpen) => {
    for (const [read, reason] of [[(c: DatasetCache) => c.load(KEY), byLoad], [streamed, byOpen]] as const) {
      warn.mockClear();
      const cache = new DatasetCache(tempDir());
      const file = await writeEntry(cache, rows);
      fs.writeFileSync(file, damage(fs.readFileSync(file)));
      const out = await read(cache).catch((err: Error) => err);
      if (out instanceof Error) {
        // Found while streaming, after rows were handed out: an error naming the file, which is gone.
        expect(out).toBeInstanceOf(DataError);
        expect(out.message).toBe(`${file}: ${reason}; it has been deleted; run again to tokenize the data anew`);
        expect(fs.existsSync(file)).toBe(false);
      } else {
        expect(out).toBeUndefined();
        expect(warnings()).toEqual([`node-peft: ignoring the corrupt data cache entry ${file} (${reason}); it will be rebuilt`]);
        await vi.waitFor(() => expect(fs.existsSync(file)).toBe(false));
      }
    }
  });

  it('defaultCacheDir: $NODE_PEFT_DATASETS_CACHE, else $XDG_CACHE_HOME/node-peft/datasets, else ~/.cache/node-peft/datasets', () => {
    expect(defaultCacheDir({ NODE_PEFT_DATASETS_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(path.join('/x', 'node-peft', 'datasets'));
    expect(defaultCacheDir({ NODE_PEFT_DATASETS_CACHE: '', XDG_CACHE_HOME: '' })).toBe(path.join(os.homedir(), '.cache', 'node-peft', 'datasets'));
  });
});
