// safetensors files: loading (the file is memory-mapped and each tensor copied out of it, the
// mapped pages given back as it goes; with {mmap: true} tensors stay views of the file), listing
// the header without reading data, and atomic saving.
import { native } from '../binding';
import type { DType } from '../dtype';
import { withCallerStack } from '../errors';
import { handleOf, Tensor } from '../tensor';
import { invalid } from '../validate';
import { checkLoadOptions, checkPath, toCheckpoint, type Checkpoint, type CheckpointOptions } from './checkpoint';

export interface SafetensorsEntry {
  dtype: DType;
  shape: number[];
  /** [begin, end) in the data buffer, which starts at `dataStart` in the file. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  dataStart: number;
}

/**
 * [async] Loads a .safetensors file into tensors that own their memory (see CheckpointOptions.mmap
 * for zero-copy views). Its header is fully validated; a malformed file rejects with TorchError.
 */
export async function loadSafetensors(path: string, options?: CheckpointOptions): Promise<Checkpoint> {
  const o = checkLoadOptions('loadSafetensors', options);
  return toCheckpoint(await withCallerStack(native.loadSafetensors(checkPath('loadSafetensors(path)', path), o.dtype, o.device, o.mmap)));
}

/** [sync] loadSafetensors() on the calling thread. */
export function loadSafetensorsSync(path: string, options?: CheckpointOptions): Checkpoint {
  const o = checkLoadOptions('loadSafetensorsSync', options);
  return toCheckpoint(native.loadSafetensorsSync(checkPath('loadSafetensorsSync(path)', path), o.dtype, o.device, o.mmap));
}

/** [sync] Keys, dtypes, shapes and metadata of a .safetensors file; reads only its header. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const raw = native.readSafetensorsHeader(checkPath('readSafetensorsHeader(path)', path));
  const tensors = new Map<string, SafetensorsEntry>();
  for (const e of raw.entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, dataOffsets: e.dataOffsets });
  return { tensors, metadata: raw.metadata, dataStart: raw.dataStart };
}

type Tensors = Map<string, Tensor> | Record<string, Tensor>;

function checkSave(name: string, path: unknown, tensors: unknown, metadata: unknown): [string, string[], ReturnType<typeof handleOf>[], Record<string, string>] {
  const file = checkPath(`${name}(path)`, path);
  const entries: [unknown, unknown][] = tensors instanceof Map ? [...tensors.entries()]
    : tensors !== null && typeof tensors === 'object' && !Array.isArray(tensors) ? Object.entries(tensors)
    : invalid(`${name}(tensors)`, 'a Map or record of Tensors', tensors);
  const keys = entries.map(([k]) => (typeof k === 'string' ? k : invalid(`${name}(tensors)`, 'string keys', k)));
  if (keys.includes('__metadata__')) throw new TypeError(`${name}(tensors): '__metadata__' is reserved for the metadata and cannot name a tensor`);
  const handles = entries.map(([k, t]) => handleOf(t, `${name}(tensors['${k as string}'])`));
  const meta = metadata ?? {};
  if (typeof meta !== 'object' || Array.isArray(meta)) invalid(`${name}(metadata)`, 'a record of strings', meta);
  for (const [k, v] of Object.entries(meta)) if (typeof v !== 'string') invalid(`${name}(metadata['${k}'])`, 'a string', v);
  return [file, keys, handles, meta as Record<string, string>];
}

/**
 * [async] Writes tensors (any dtype of node-peft, any device; views are written contiguous) and
 * string metadata such as {format: 'pt'} as the safetensors library does: keys sorted, data
 * ordered largest dtype first so every tensor is aligned. Atomic: a temporary file beside `path`
 * is fsynced and renamed over it, and removed on failure.
 */
export function saveSafetensors(path: string, tensors: Tensors, metadata?: Record<string, string>): Promise<void> {
  const [file, keys, handles, meta] = checkSave('saveSafetensors', path, tensors, metadata);
  return withCallerStack(native.saveSafetensors(file, keys, handles, meta));
}

/** [sync] saveSafetensors() on the calling thread. */
export function saveSafetensorsSync(path: string, tensors: Tensors, metadata?: Record<string, string>): void {
  const [file, keys, handles, meta] = checkSave('saveSafetensorsSync', path, tensors, metadata);
  native.saveSafetensorsSync(file, keys, handles, meta);
}
