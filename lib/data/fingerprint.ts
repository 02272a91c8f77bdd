/**
 * What a cached tokenization depends on, reduced to hashes: the data files' contents, the
 * tokenizer, and the options. datasets does the same for Dataset.map (its fingerprint hashes
 * the function, the tokenizer included, and the input's fingerprint), so that changing any of
 * them makes a new cache entry instead of reusing a stale one.
 */
import { createHash } from 'crypto';
import { createReadStream, promises as fsp } from 'fs';
import * as path from 'path';
import { AutoTokenizer, resolveModelDir, type AnyTokenizer } from '../tokenizers';
import { TOKENIZER_FILES } from '../tokenizers/files';
import { unreadable } from './files';

/** SHA-256 (hex) of a file's contents, read in chunks. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    throw unreadable(file, err);
  }
  return hash.digest('hex');
}

/** SHA-256 (hex) of a value's JSON, keys sorted so that the order they were written in does not matter. */
export function hashValue(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A tokenizer as the loaders take it, and the fingerprint a cache entry records for it. A
 * folder is loaded only when something has to be tokenized: a run served by the cache skips
 * the tokenizer's load (0.2-0.7 s for BERT and GPT-2 vocabularies).
 */
export interface TokenizerSource {
  load(): Promise<AnyTokenizer>;
  fingerprint(): Promise<string>;
}

/**
 * A tokenizer from a folder / hub id (loaded with AutoTokenizer, fingerprinted by its files'
 * hashes) or an instance (fingerprinted by what it encodes with: see instanceFingerprint).
 */
export function tokenizerSource(where: string, tokenizer: AnyTokenizer | string): TokenizerSource {
  if (typeof tokenizer === 'string') {
    const dir = resolveModelDir(tokenizer);
    let loaded: Promise<AnyTokenizer> | undefined;
    return { load: () => (loaded ??= AutoTokenizer.fromPretrained(dir)), fingerprint: () => folderFingerprint(dir) };
  }
  if (tokenizer === null || typeof tokenizer !== 'object' || typeof (tokenizer as AnyTokenizer).batch !== 'function') {
    throw new TypeError(`${where}: tokenizer must be a tokenizer (AutoTokenizer.fromPretrained(...)) or its folder path, got ${tokenizer === null ? 'null' : typeof tokenizer}`);
  }
  return { load: async () => tokenizer, fingerprint: async () => instanceFingerprint(tokenizer) };
}

async function folderFingerprint(dir: string): Promise<string> {
  const parts: Record<string, string> = {};
  for (const name of TOKENIZER_FILES) {
    const file = path.join(dir, name);
    const present = await fsp.stat(file).then((s) => s.isFile(), () => false);
    if (present) parts[name] = await hashFile(file);
  }
  return hashValue({ kind: 'files', parts });
}

/** Text that exercises casing, accents, CJK, numbers, punctuation, bytes and special tokens. */
const PROBE = "Héllo, WORLD! It's 2023: naïve café 東京 — ok?? <|endoftext|> [SEP] [MASK] </s> \t\n 😀 x".repeat(2);

/**
 * An instance's fingerprint: its class, its settings (every plain boolean, number and string
 * field), its vocabulary, its special tokens and the ids of a probe text. Two tokenizers that
 * agree on all of that encode alike for all practical purposes; to key by the exact files, pass
 * the tokenizer's folder instead of an instance.
 */
export function instanceFingerprint(tok: AnyTokenizer): string {
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tok)) if (['boolean', 'number', 'string'].includes(typeof v)) settings[k] = v;
  const entries = [...tok.getVocab()].sort((a, b) => a[1] - b[1]);
  const vocab = createHash('sha256').update(entries.map(([token, id]) => `${id}\t${token}`).join('\n'));
  return hashValue({
    kind: 'instance',
    className: tok.constructor.name,
    settings,
    vocab: vocab.digest('hex'),
    special: tok.allSpecialTokens.map((t) => [t, tok.convertTokensToIds(t)]),
    probe: tok.batch([PROBE, 'a'], { textPair: ['b', PROBE] }),
  });
}
