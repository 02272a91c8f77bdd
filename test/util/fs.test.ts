// writeDirAtomic: a folder is replaced as a whole, whatever interrupts the write (issue #12, 4a).
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsHooks, writeDirAtomic } from '../../lib/util/fs';

const ROOT = path.resolve(__dirname, '../..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-fs-'));

/** Every file under `dir` with its content, by relative path. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Names beside `dir` that start with its name (staging and old folders). */
const siblings = (dir: string) => fs.readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`${path.basename(dir)}.`));

function writeFiles(files: Record<string, string>): (staging: string) => Promise<void> {
  return async (staging) => {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(staging, name)), { recursive: true });
      fs.writeFileSync(path.join(staging, name), content);
    }
  };
}

/** A PID that no process has any more. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

const exchange = fsHooks.exchangePaths;
afterEach(() => {
  fsHooks.exchangePaths = exchange;
});

describe('writeDirAtomic', () => {
  it('creates a missing folder (and its parents) complete, leaving no staging folder', async () => {
    const dir = path.join(tmp(), 'a', 'ckpt');
    await writeDirAtomic(dir, writeFiles({ 'config.json': '{}', 'sub/x.txt': 'x' }));
    expect(tree(dir)).toEqual({ 'config.json': '{}', 'sub/x.txt': 'x' });
    expect(siblings(dir)).toEqual([]);
  });

  it('replaces a folder, keeping files the write does not produce and dropping interrupted saves\' temp files', async () => {
    const dir = path.join(tmp(), 'ckpt');
    await writeDirAtomic(dir, writeFiles({ 'config.json': 'old', 'model.safetensors': 'old', 'tokenizer.json': 'tok', 'other/adapter.json': 'o' }));
    fs.writeFileSync(path.join(dir, 'model.safetensors.tmp-999999-0a1b2c3d'), 'garbage');
    fs.writeFileSync(path.join(dir, '.config.json.tmp-999999-deadbeef'), 'garbage');
    await writeDirAtomic(dir, writeFiles({ 'config.json': 'new', 'model.safetensors': 'new', 'other/weights': 'w' }));
    expect(tree(dir)).toEqual({ 'config.json': 'new', 'model.safetensors': 'new', 'tokenizer.json': 'tok', 'other/adapter.json': 'o', 'other/weights': 'w' });
    expect(siblings(dir)).toEqual([]);
  });

  it('an exception in write leaves the folder untouched and no staging folder behind', async () => {
    const dir = path.join(tmp(), 'ckpt');
    await writeDirAtomic(dir, writeFiles({ 'config.json': 'old' }));
    const failing = async (staging: string) => {
      fs.writeFileSync(path.join(staging, 'config.json'), 'half');
      throw new Error('disk full');
    };
    await expect(writeDirAtomic(dir, failing)).rejects.toThrow('disk full');
    expect(tree(dir)).toEqual({ 'config.json': 'old' });
    expect(siblings(dir)).toEqual([]);
  });

  it('SIGINT during write leaves the folder untouched and no staging folder behind, and the process dies of SIGINT', async () => {
    const dir = path.join(tmp(), 'ckpt');
    await writeDirAtomic(dir, writeFiles({ 'config.json': 'old' }));
    const script = `
      const { writeDirAtomic } = require(${JSON.stringify(path.join(ROOT, 'dist/util/fs'))});
      writeDirAtomic(${JSON.stringify(dir)}, async (staging) => {
        require('fs').writeFileSync(staging + '/config.json', 'half');
        console.log('writing');
        await new Promise((resolve) => setTimeout(resolve, 30000));
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('writing') && resolve()));
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    expect([code, signal]).toEqual([null, 'SIGINT']);
    expect(tree(dir)).toEqual({ 'config.json': 'old' });
    expect(siblings(dir)).toEqual([]);
  });

  it('staging and old folders of dead processes are removed at the next write; a live process\'s are left alone', async () => {
    const dir = path.join(tmp(), 'ckpt');
    await writeDirAtomic(dir, writeFiles({ 'config.json': 'old' }));
    const dead = deadPid();
    for (const name of [`ckpt.tmp-${dead}-0badc0de`, `ckpt.old-${dead}-0badc0de`, `ckpt.tmp-${process.ppid}-12345678`]) {
      fs.mkdirSync(path.join(path.dirname(dir), name));
      fs.writeFileSync(path.join(path.dirname(dir), name, 'model.safetensors'), Buffer.alloc(1 << 20));
    }
    await writeDirAtomic(dir, writeFiles({ 'config.json': 'new' }));
    expect(siblings(dir)).toEqual([`ckpt.tmp-${process.ppid}-12345678`]);
    expect(tree(dir)).toEqual({ 'config.json': 'new' });
  });

  it('without RENAME_EXCHANGE the folder is still replaced; a folder lost between the two renames comes back at the next write', async () => {
    fsHooks.exchangePaths = () => false;
    const dir = path.join(tmp(), 'ckpt');
    await writeDirAtomic(dir, writeFiles({ 'config.json': 'old', 'tokenizer.json': 'tok' }));
    await writeDirAtomic(dir, writeFiles({ 'config.json': 'new' }));
    expect(tree(dir)).toEqual({ 'config.json': 'new', 'tokenizer.json': 'tok' });
    expect(siblings(dir)).toEqual([]);
    // A process killed after renaming dir away and before renaming its staging folder in:
    fs.renameSync(dir, `${dir}.old-${deadPid()}-00c0ffee`);
    await writeDirAtomic(dir, writeFiles({ 'model.safetensors': 'w' }));
    expect(tree(dir)).toEqual({ 'config.json': 'new', 'tokenizer.json': 'tok', 'model.safetensors': 'w' });
    expect(siblings(dir)).toEqual([]);
  });

  it('a path that is a file is refused, naming it', async () => {
    const file = path.join(tmp(), 'ckpt');
    fs.writeFileSync(file, 'x');
    await expect(writeDirAtomic(file, writeFiles({}))).rejects.toThrow(`cannot save into '${file}': it exists and is not a folder`);
  });

  it('a symlink to a folder is followed: the folder it points to is replaced, the link stays', async () => {
    const root = tmp();
    const real = path.join(root, 'real');
    await writeDirAtomic(real, writeFiles({ 'config.json': 'old' }));
    fs.symlinkSync(real, path.join(root, 'link'));
    await writeDirAtomic(path.join(root, 'link'), writeFiles({ 'config.json': 'new' }));
    expect(fs.lstatSync(path.join(root, 'link')).isSymbolicLink()).toBe(true);
    expect(tree(real)).toEqual({ 'config.json': 'new' });
  });
});
