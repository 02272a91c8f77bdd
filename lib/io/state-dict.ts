// A model folder's weights, whichever way transformers saved them: one file or shards listed by an
// index, safetensors or pytorch_model.bin. Safetensors is preferred: it maps instead of unpickling.
import fs from 'fs';
import path from 'path';
import { TorchError } from '../errors';
import { checkLoadOptions, checkPath, disposeCheckpoint, type Checkpoint, type CheckpointOptions } from './checkpoint';
import { loadSafetensors } from './safetensors';
import { loadTorchBin } from './torch-bin';

/** The file names transformers writes, in the order they are preferred. */
export const CHECKPOINT_FILES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'] as const;

/** The checkpoint file inside a folder (or the file itself), without reading it. */
export async function findCheckpoint(location: string): Promise<string> {
  checkPath('findCheckpoint(location)', location);
  const stat = await fs.promises.stat(location).catch(() => {
    throw new TorchError(`no checkpoint at '${location}': no such file or folder`);
  });
  if (!stat.isDirectory()) return location;
  for (const name of CHECKPOINT_FILES) {
    const file = path.join(location, name);
    if (await fs.promises.stat(file).then((s) => s.isFile(), () => false)) return file;
  }
  throw new TorchError(`no checkpoint in '${location}': looked for ${CHECKPOINT_FILES.join(', ')}`);
}

function loadOne(file: string, options: CheckpointOptions): Promise<Checkpoint> {
  return file.endsWith('.safetensors') ? loadSafetensors(file, options) : loadTorchBin(file, options);
}

/** The shard files of an index, in first-use order, each with the keys the index assigns to it. */
export async function readShardIndex(indexFile: string): Promise<Map<string, Set<string>>> {
  let index: unknown;
  try {
    index = JSON.parse(await fs.promises.readFile(indexFile, 'utf8'));
  } catch (err) {
    throw new TorchError(`could not read the shard index '${indexFile}': ${(err as Error).message}`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== 'object' || Array.isArray(weightMap)) {
    throw new TorchError(`shard index '${indexFile}' has no "weight_map" object`);
  }
  const dir = path.dirname(path.resolve(indexFile));
  const shards = new Map<string, Set<string>>();
  for (const [key, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    // A shard is a file beside the index: an index must not point the loader elsewhere.
    if (typeof shard !== 'string' || shard === '' || path.isAbsolute(shard) || path.normalize(shard).split(/[\\/]/).includes('..')) {
      throw new TorchError(`shard index '${indexFile}': tensor '${key}' names an invalid shard file ${JSON.stringify(shard)}`);
    }
    const file = path.join(dir, shard);
    if (!shards.has(file)) shards.set(file, new Set());
    shards.get(file)!.add(key);
  }
  return shards;
}

async function loadSharded(indexFile: string, options: CheckpointOptions): Promise<Checkpoint> {
  const merged: Checkpoint = { tensors: new Map(), metadata: {} };
  try {
    for (const [file, keys] of await readShardIndex(indexFile)) {
      const shard = await loadOne(file, options);
      const missing = [...keys].find((key) => !shard.tensors.has(key));
      if (missing !== undefined) {
        disposeCheckpoint(shard);
        throw new TorchError(`shard '${file}' lacks tensor '${missing}', which '${indexFile}' assigns to it`);
      }
      for (const [key, t] of shard.tensors) {
        if (keys.has(key)) merged.tensors.set(key, t);
        else t.dispose(); // not the index's copy of this key
      }
      merged.metadata = { ...shard.metadata, ...merged.metadata }; // the first shard's value wins
    }
  } catch (err) {
    disposeCheckpoint(merged);
    throw err;
  }
  return merged;
}

/**
 * [async] Loads the weights of a model folder (or one checkpoint file): model.safetensors,
 * model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json, the first found.
 * Shards are merged, keeping the keys the index assigns to each, in the files' order; metadata is
 * the shards' `__metadata__` merged ({} for .bin). Tensors own their memory, copied out of the
 * files one at a time; `{mmap: true}` leaves them views of the files (see CheckpointOptions).
 */
export async function loadStateDict(location: string, options?: CheckpointOptions): Promise<Checkpoint> {
  checkLoadOptions('loadStateDict', options); // before any I/O; the readers check again, cheaply
  const file = await findCheckpoint(checkPath('loadStateDict(location)', location));
  return file.endsWith('.index.json') ? loadSharded(file, options ?? {}) : loadOne(file, options ?? {});
}
