/**
 * Finding a model folder: a local directory as given, or a hub id ("bert-base-cased",
 * "facebook/opt-125m") looked up in the local HuggingFace cache that huggingface_hub fills,
 * <cache>/models--ORG--NAME/snapshots/<commit>/. Nothing is downloaded: these machines have no
 * network, so a missing model is an error that says where it looked.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface ResolveModelDirOptions {
  /** Branch, tag or commit to use from the cache (default "main"). */
  revision?: string;
}

/** Python's os.path.expanduser for "~" and "~/...": a quoted HF_HOME='~/hf' reaches us unexpanded. */
function expandUser(dir: string): string {
  return dir === '~' || dir.startsWith('~/') ? path.join(os.homedir(), dir.slice(1)) : dir;
}

/** The cache folders huggingface_hub and transformers use, most specific first, without repeats. */
export function hubCacheDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  // huggingface_hub's constants: HF_HOME = expanduser(HF_HOME or $XDG_CACHE_HOME/huggingface).
  const home = env.HF_HOME ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'huggingface');
  const dirs = [env.HF_HUB_CACHE, env.HUGGINGFACE_HUB_CACHE, env.TRANSFORMERS_CACHE, path.join(home, 'hub')];
  return [...new Set(dirs.filter((d): d is string => typeof d === 'string' && d !== '').map((d) => path.resolve(expandUser(d))))];
}

/** Hub ids are "name" or "org/name" of letters, digits, "-", "_" and "."; anything else is a path. */
const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The snapshot folder for `revision` in one repo cache folder, or undefined. */
function snapshotIn(repoDir: string, revision: string): string | undefined {
  const snapshots = path.join(repoDir, 'snapshots');
  if (!isDirectory(snapshots)) return undefined;
  const ref = path.join(repoDir, 'refs', revision);
  if (fs.existsSync(ref)) {
    const commit = fs.readFileSync(ref, 'utf8').trim();
    const dir = path.join(snapshots, commit);
    if (isDirectory(dir)) return dir;
  }
  // A commit hash given as revision is a snapshot folder of its own.
  if (isDirectory(path.join(snapshots, revision))) return path.join(snapshots, revision);
  if (revision !== 'main') return undefined;
  // No refs/main (a cache copied by hand): take the most recently written snapshot.
  const all = fs.readdirSync(snapshots).map((n) => path.join(snapshots, n)).filter(isDirectory);
  all.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return all[0];
}

/**
 * A local folder as it is, else the cached snapshot of a hub id. Throws an error naming every
 * place it looked when neither exists.
 */
export function resolveModelDir(dirOrId: string, options: ResolveModelDirOptions = {}): string {
  if (typeof dirOrId !== 'string' || dirOrId === '') {
    throw new TypeError(`resolveModelDir(): expected a model folder or hub id, got ${dirOrId === '' ? 'an empty string' : typeof dirOrId}`);
  }
  const local = path.resolve(dirOrId);
  if (isDirectory(local)) return local;
  const looked = [local];
  if (HUB_ID.test(dirOrId)) {
    const revision = options.revision ?? 'main';
    const repoName = `models--${dirOrId.replace('/', '--')}`;
    for (const cache of hubCacheDirs()) {
      const repoDir = path.join(cache, repoName);
      looked.push(path.join(repoDir, 'snapshots', revision === 'main' ? '<refs/main>' : revision));
      const found = snapshotIn(repoDir, revision);
      if (found) return found;
    }
  }
  throw new Error(
    `Cannot find model '${dirOrId}': no such folder and no copy in the local HuggingFace cache ` +
      `(HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). Looked in:\n  ${looked.join('\n  ')}\n` +
      'This machine cannot download models: copy the model folder here and pass its path.',
  );
}
