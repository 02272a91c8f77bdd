// Atomic writes. A file: a temp file beside it, fsync, rename, so an interrupted save never leaves
// a half-written file under the final name. A folder (a checkpoint is a set of files that must
// agree, e.g. config.json's num_labels and the classifier's shape in model.safetensors): a staging
// folder beside it, filled and fsynced, then swapped in with one renameat2(RENAME_EXCHANGE), so
// that after a crash at any point the folder holds the complete old or the complete new set.
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { native } from '../binding';

export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
}

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    const handle = await fs.promises.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The temporary files of file-level saves (ours and saveSafetensors'): never part of a checkpoint. */
const TEMP_FILE = /\.tmp-\d+-[0-9a-f]+$/;

/** @internal Replaced by tests to take the fallback path. */
export const fsHooks = { exchangePaths: (a: string, b: string): boolean => native.exchangePaths(a, b) };

/**
 * [async] Replaces the folder `dir` as a whole: `write` fills a fresh staging folder next to it
 * (`<dir>.tmp-<pid>-<random>`, same file system), whose files and folders are then fsynced and
 * which then takes the place of `dir` in one step: rename(2) when `dir` does not exist, else
 * renameat2(RENAME_EXCHANGE) and removal of the old folder. Killed at any point, even by SIGKILL,
 * `dir` is the complete old or the complete new folder.
 *
 * - Files of the old `dir` that `write` does not produce (a tokenizer.json, other adapters'
 *   subfolders) are carried over (hard links, or copies), except temporary files of interrupted
 *   saves (`*.tmp-<pid>-<hex>`).
 * - If `write` throws, or SIGINT/SIGTERM/SIGHUP arrives while no other listener handles it, or the
 *   process calls exit(), the staging folder is removed and `dir` is untouched.
 * - Staging and old folders left by processes that no longer run (SIGKILL, power loss) are
 *   removed at the next write beside them.
 * - Where the kernel or file system cannot exchange (before Linux 3.15, some network and FUSE file
 *   systems), `dir` is renamed to `<dir>.old-<pid>-<random>` and the staging folder to `dir`: a
 *   crash between the two renames leaves no `dir`, and the next write restores the old one.
 */
export async function writeDirAtomic(dir: string, write: (stagingDir: string) => Promise<void>): Promise<void> {
  const target = await resolveFolder(dir);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  await removeStale(target);
  const staging = siblingName(target, 'tmp');
  await fs.promises.mkdir(staging);
  track(staging);
  try {
    await write(staging);
    if (await isFolder(target)) await carryOver(target, staging);
    await syncTree(staging);
    await replace(staging, target);
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true }); // after an exchange: the old folder
    untrack(staging);
  }
}

/** `dir` resolved (through a symlink to its real folder); refuses a path that is not a folder. */
async function resolveFolder(dir: string): Promise<string> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`writeDirAtomic(dir): expected a folder path, got ${JSON.stringify(dir)}`);
  const real = await fs.promises.realpath(dir).catch(() => path.resolve(dir));
  const stat = await fs.promises.stat(real).catch(() => null);
  if (stat && !stat.isDirectory()) throw new Error(`cannot save into '${dir}': it exists and is not a folder; remove it or choose another path`);
  return real;
}

function siblingName(target: string, kind: 'tmp' | 'old'): string {
  return `${target}.${kind}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

const isFolder = (p: string) => fs.promises.lstat(p).then((s) => s.isDirectory(), () => false);

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/**
 * Removes `<target>.tmp-<pid>-*` and `<target>.old-<pid>-*` siblings whose process is gone; when
 * `target` itself is missing (the fallback's two renames were interrupted), the newest old folder
 * becomes `target` again.
 */
async function removeStale(target: string): Promise<void> {
  const parent = path.dirname(target), base = path.basename(target);
  const pattern = /^\.(tmp|old)-(\d+)-[0-9a-f]+$/;
  const stale: { name: string; kind: string; mtime: number }[] = [];
  for (const name of await fs.promises.readdir(parent)) {
    const m = name.startsWith(base) ? pattern.exec(name.slice(base.length)) : null;
    if (!m || Number(m[2]) === process.pid || isRunning(Number(m[2]))) continue;
    const stat = await fs.promises.lstat(path.join(parent, name)).catch(() => null);
    if (stat) stale.push({ name, kind: m[1], mtime: stat.mtimeMs });
  }
  const exists = (p: string) => fs.promises.lstat(p).then(() => true, () => false);
  const restore = (await exists(target)) ? undefined : stale.filter((s) => s.kind === 'old').sort((a, b) => b.mtime - a.mtime)[0];
  if (restore) await fs.promises.rename(path.join(parent, restore.name), target);
  for (const s of stale) if (s !== restore) await fs.promises.rm(path.join(parent, s.name), { recursive: true, force: true });
}

/** Links (or copies) into `to` what `from` holds and `to` does not, folder by folder. */
async function carryOver(from: string, to: string): Promise<void> {
  for (const entry of await fs.promises.readdir(from, { withFileTypes: true })) {
    if (TEMP_FILE.test(entry.name)) continue;
    const src = path.join(from, entry.name), dst = path.join(to, entry.name);
    const existing = await fs.promises.lstat(dst).catch(() => null);
    if (entry.isDirectory()) {
      if (!existing) await fs.promises.mkdir(dst);
      if (!existing || existing.isDirectory()) await carryOver(src, dst);
    } else if (!existing) {
      if (entry.isSymbolicLink()) await fs.promises.symlink(await fs.promises.readlink(src), dst);
      else await fs.promises.link(src, dst).catch(() => fs.promises.copyFile(src, dst));
    }
  }
}

/** fsync every file and folder under `dir`, folders after their contents. */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await syncTree(p);
    else if (entry.isFile()) await syncPath(p);
  }
  await syncPath(dir);
}

async function syncPath(p: string): Promise<void> {
  const handle = await fs.promises.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Puts `staging` in the place of `target`; afterwards `staging` holds the old folder, if any. */
async function replace(staging: string, target: string): Promise<void> {
  if (!(await isFolder(target))) {
    try {
      await fs.promises.rename(staging, target);
      return await syncPath(path.dirname(target));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err; // created meanwhile: exchange instead
    }
  }
  if (!fsHooks.exchangePaths(staging, target)) {
    const old = siblingName(target, 'old');
    await fs.promises.rename(target, old);
    await fs.promises.rename(staging, target);
    await fs.promises.rename(old, staging); // removed by the caller, like an exchanged folder
  }
  await syncPath(path.dirname(target));
}

// ---- staging folders of writes in flight: removed if the process is interrupted ----

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const stagingFolders = new Set<string>();

// The listeners are there only while a write is in flight: signals behave as usual otherwise.
function track(dir: string): void {
  if (stagingFolders.size === 0) install();
  stagingFolders.add(dir);
}

function untrack(dir: string): void {
  if (stagingFolders.delete(dir) && stagingFolders.size === 0) uninstall();
}

function removeStagingFolders(): void {
  for (const dir of stagingFolders) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * On a signal nobody else listens to, remove the staging folders and die of the signal as if we
 * had not been listening (Node restores the default action once the last listener goes). When the
 * application handles the signal itself, its handler decides; 'exit' still cleans up.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  removeStagingFolders();
  stagingFolders.clear();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', removeStagingFolders);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.removeListener('exit', removeStagingFolders);
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}
