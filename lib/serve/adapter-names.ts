// Adapter names as clients send them (the `model` field, /v1/adapters/:name), and the folder each
// one is read from. A name is a plain folder name (letters, digits, _ and -: what PeftModel
// accepts), so it cannot name a path outside the adapters folder; symbolic links that lead out of
// it are refused as well.
import fs from 'fs';
import path from 'path';
import { BASE_ADAPTER } from '../models/adapter-names';
import { HttpError, invalidRequest } from './errors';

/** The name clients use for the model without an adapter. */
export const BASE_MODEL = 'base';
/** PEFT's name for "no adapter" in a mixed batch (adapter_names): '__base__'. */
export const NO_ADAPTER = BASE_ADAPTER;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function checkAdapterName(name: unknown, param = 'model'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalidRequest(`${param} must be 'base' or an adapter name of 1 to 64 letters, digits, _ or - (got ${JSON.stringify(name)})`, param);
  }
  if (name === NO_ADAPTER) throw invalidRequest(`'${NO_ADAPTER}' is reserved: ask for model 'base' instead`, param);
  return name;
}

/** [async] The folder of adapter `name` under root, or null when there is none (or it leads outside root). */
export async function adapterDir(root: string | null, name: string): Promise<string | null> {
  if (root === null) return null;
  const dir = path.join(root, checkAdapterName(name));
  try {
    const [realRoot, realDir] = await Promise.all([fs.promises.realpath(root), fs.promises.realpath(dir)]);
    const rel = path.relative(realRoot, realDir);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new HttpError(403, 'invalid_request_error', `adapter '${name}' leads outside the adapters folder (a symbolic link?): refused`, 'model');
    await fs.promises.access(path.join(realDir, 'adapter_config.json'));
    return realDir;
  } catch (err) {
    if (err instanceof HttpError) throw err;
    return null;
  }
}

/** [async] Names of the adapter folders under root (those holding an adapter_config.json). */
export async function listAdapterNames(root: string | null): Promise<string[]> {
  if (root === null) return [];
  const entries = await fs.promises.readdir(root, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => (e.isDirectory() || e.isSymbolicLink()) && NAME.test(e.name) && e.name !== NO_ADAPTER).map((e) => e.name);
  const present = await Promise.all(names.map((n) => adapterDir(root, n).catch(() => null)));
  return names.filter((_, i) => present[i] !== null).sort();
}
