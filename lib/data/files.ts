/**
 * Finding and reading data files: a list of files or a folder, read as strict UTF-8 text, whole
 * or in chunks. Every failure names the file.
 */
import { promises as fsp, createReadStream } from 'fs';
import * as path from 'path';
import { DataError } from './errors';
import { decodeUtf8, StreamingUtf8Decoder } from './utf8';

/** Chunk size for streamed reads: large enough for throughput, small next to any corpus. */
export const CHUNK_BYTES = 1 << 20;

/**
 * The files to read: `files` as given (in order), or the files of `dir` whose names end with one
 * of `extensions` (sorted by name, so that the order, and the cache key, do not depend on the
 * file system). Hidden files are skipped.
 */
export async function listDataFiles(
  where: string, files: string | readonly string[] | undefined, dir: string | undefined, extensions: readonly string[],
): Promise<string[]> {
  if ((files === undefined) === (dir === undefined)) {
    throw new TypeError(`${where}: pass either files (a path or a list of paths) or dir (a folder), not ${files === undefined ? 'neither' : 'both'}`);
  }
  if (files !== undefined) {
    const list = typeof files === 'string' ? [files] : files;
    if (!Array.isArray(list) || list.length === 0 || list.some((f) => typeof f !== 'string' || f === '')) {
      throw new TypeError(`${where}: files must be a path or a non-empty list of paths`);
    }
    return list.slice();
  }
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`${where}: dir must be a folder path`);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    throw new DataError({ file: dir }, `cannot list the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'check the dir option');
  }
  const chosen = names.filter((n) => !n.startsWith('.') && extensions.some((e) => n.toLowerCase().endsWith(e))).sort();
  if (chosen.length === 0) {
    throw new DataError({ file: dir }, `no ${extensions.join(' / ')} files in this folder`, 'pass files, or a dir that holds data files');
  }
  return chosen.map((n) => path.join(dir, n));
}

/** The file's bytes; a missing or unreadable file is a DataError naming it. */
export async function readBytes(file: string): Promise<Buffer> {
  try {
    return await fsp.readFile(file);
  } catch (err) {
    throw unreadable(file, err);
  }
}

export function unreadable(file: string, err: unknown): DataError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (err as Error).message;
  return new DataError({ file }, `cannot read the file (${why})`, 'check the path');
}

/** The whole file as text (strict UTF-8); an empty file is an error unless `allowEmpty`. */
export async function readText(file: string, allowEmpty = false): Promise<string> {
  const text = decodeUtf8(await readBytes(file), file);
  if (!allowEmpty && text.trim() === '') {
    throw new DataError({ file }, 'the file is empty', 'check that it is the right file and that it was written completely');
  }
  return text;
}

/**
 * The file's text in chunks of about `chunkBytes` (strict UTF-8, characters never split), for
 * corpora larger than memory.
 */
export async function* readTextChunks(file: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<string> {
  const decoder = new StreamingUtf8Decoder(file);
  const stream = createReadStream(file, { highWaterMark: chunkBytes });
  try {
    for await (const chunk of stream) {
      const text = decoder.decode(chunk as Buffer);
      if (text) yield text;
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw unreadable(file, err);
  } finally {
    stream.destroy();
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/** The file's lines (without their \n or \r\n), streamed; line numbers start at 1. */
export async function* readLines(file: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<string> {
  let carry = '';
  for await (const text of readTextChunks(file, chunkBytes)) {
    const parts = (carry + text).split('\n');
    carry = parts.pop()!;
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
  }
  if (carry) yield carry.endsWith('\r') ? carry.slice(0, -1) : carry;
}
