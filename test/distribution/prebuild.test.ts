import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { checkLibtorch, explainLoadFailure, loadedLibtorch, sameRelease, versionOfLibrary } from '../../lib/prebuild';

const ROOT = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-dist-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text = ''): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const hasCc = spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status === 0;

/** A real dlopen failure: a .node that needs `needs` (built as a stub, then removed or emptied). */
function failingAddon(name: string, stub: string, needs: string): Error {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const cc = (args: string[]) => execFileSync('cc', args, { cwd: dir, stdio: 'pipe' });
  fs.writeFileSync(path.join(dir, 'lib.c'), 'int torch_symbol = 1;\n');
  fs.writeFileSync(path.join(dir, 'addon.c'), 'extern int torch_symbol;\nint *use = &torch_symbol;\n');
  cc(['-shared', '-fPIC', '-o', stub, 'lib.c', `-Wl,-soname,${stub}`]);
  cc(['-shared', '-fPIC', '-o', 'addon.node', 'addon.c', `-L${dir}`, `-l:${stub}`, `-Wl,-rpath,${dir}`]);
  if (needs === 'missing') fs.rmSync(path.join(dir, stub));
  else cc(['-shared', '-fPIC', '-o', stub, '-x', 'c', '/dev/null', `-Wl,-soname,${stub}`]);
  try {
    require(path.join(dir, 'addon.node'));
  } catch (err) {
    return err as Error;
  }
  throw new Error('the addon loaded');
}

describe('libtorch version of a shared library', () => {
  it('reads the Debian file name', () => {
    expect(versionOfLibrary('/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13.0')).toBe('1.13.0');
    expect(versionOfLibrary('/opt/lib/libc10.so.2.5')).toBe('2.5');
  });

  it('reads torch/version.py of a pip installation', () => {
    const lib = write('site-packages/torch/lib/libtorch_cpu.so');
    write('site-packages/torch/version.py', "__version__ = '2.11.0+cu130'\ngit_version = 'abc'\n");
    expect(versionOfLibrary(lib)).toBe('2.11.0+cu130');
  });

  it('reads build-version of a libtorch zip, or its version.h', () => {
    expect(versionOfLibrary(write('zip/libtorch/lib/libtorch_cpu.so'))).toBeNull();
    write('zip/libtorch/include/torch/csrc/api/include/torch/version.h',
      '#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 4\n#define TORCH_VERSION_PATCH 1\n');
    expect(versionOfLibrary(path.join(tmp, 'zip/libtorch/lib/libtorch_cpu.so'))).toBe('2.4.1');
    write('zip/libtorch/build-version', '2.4.1+cpu\n');
    expect(versionOfLibrary(path.join(tmp, 'zip/libtorch/lib/libtorch_cpu.so'))).toBe('2.4.1+cpu');
  });

  it('compares releases by major.minor', () => {
    expect(sameRelease('1.13.0', '1.13.1')).toBe(true);
    expect(sameRelease('2.5.1', '2.5.1+cu124')).toBe(true);
    expect(sameRelease('2.5.1', '2.6.0')).toBe(false);
    expect(sameRelease('2.1.0', '2.10.0')).toBe(false);
  });
});

describe('the libtorch this process loaded', () => {
  it('is found in /proc/self/maps and matches what the addon was compiled with', () => {
    const loaded = loadedLibtorch();
    expect(loaded).not.toBeNull();
    expect(loaded!.file).toMatch(/libtorch_cpu\.so/);
    expect(sameRelease(loaded!.version!, torch.versions().libtorch)).toBe(true);
    expect(checkLibtorch(torch.versions().libtorch, undefined)).toBeNull();
  });

  it('prefers libtorch_cpu among the mapped libraries', () => {
    const maps = [
      '7f00-7f01 r-xp 00000000 fe:01 1 /usr/lib/x86_64-linux-gnu/libc10.so.1.13.0',
      '7f02-7f03 r-xp 00000000 fe:01 2 /opt/torch/lib/libtorch_cpu.so',
      '7f04-7f05 r--p 00000000 00:00 0 [heap]',
    ].join('\n');
    expect(loadedLibtorch(maps)).toEqual({ file: '/opt/torch/lib/libtorch_cpu.so', version: null });
    expect(loadedLibtorch('7f04-7f05 r--p 00000000 00:00 0 [heap]')).toBeNull();
  });
});

describe('a libtorch mismatch', () => {
  const loaded = { file: '/site-packages/torch/lib/libtorch_cpu.so', version: '2.6.0' };

  it('is an error that names both versions and the rebuild commands', () => {
    const err = checkLibtorch('2.5.1', path.join(ROOT, 'prebuilds/linux-x64/node-peft.glibc.node'), loaded, {});
    expect(err?.message).toContain('libtorch mismatch: the prebuilt binary prebuilds/linux-x64/node-peft.glibc.node was built against libtorch 2.5.1');
    expect(err?.message).toContain('this process loaded libtorch 2.6.0 (/site-packages/torch/lib/libtorch_cpu.so)');
    expect(err?.message).toContain('- build it against the libtorch you have: npm rebuild node-peft');
    expect(err?.message).toContain('LIBTORCH=/path/to/libtorch npm rebuild node-peft');
  });

  it('is not raised for a patch release, an unknown version or NODE_PEFT_SKIP_LIBTORCH_CHECK=1', () => {
    expect(checkLibtorch('2.6.1', undefined, loaded, {})).toBeNull();
    expect(checkLibtorch('2.5.1', undefined, { file: loaded.file, version: null }, {})).toBeNull();
    expect(checkLibtorch('2.5.1', undefined, loaded, { NODE_PEFT_SKIP_LIBTORCH_CHECK: '1' })).toBeNull();
  });
});

describe('explaining a failed load', () => {
  const record = { version: '1.13.0', cuda: false, source: 'system (libtorch-dev)', libDir: '/usr/lib/x86_64-linux-gnu',
    needed: ['libtorch_cpu.so.1.13', 'libc10.so.1.13'], napi: 8, node: '20.20.2', builtAt: '' };
  const prebuilt = write('pkg/prebuilds/linux-x64/node-peft.glibc.node');
  write('pkg/prebuilds/linux-x64/libtorch.json', JSON.stringify(record));

  it.skipIf(!hasCc)('a missing libtorch .so: says what the prebuild needs, what is installed, and how to rebuild', () => {
    const err = failingAddon('missing', 'libtorch_cpu.so.99', 'missing');
    expect(err.message).toMatch(/libtorch_cpu\.so\.99: cannot open shared object file/);
    const msg = explainLoadFailure(err, prebuilt).message;
    expect(msg).toContain('was built against libtorch 1.13.0 (CPU, system (libtorch-dev); needs libtorch_cpu.so.1.13, libc10.so.1.13)');
    expect(msg).toContain('libtorch_cpu.so is not installed or not on the loader path');
    expect(msg).toMatch(/libtorch found for a source build now: (libtorch \d|none)/);
    expect(msg).toContain('- build it against the libtorch you have: npm rebuild node-peft');
    expect(msg).toContain('apt-get install -y libtorch-dev');
  });

  it.skipIf(!hasCc)('an undefined symbol: says another libtorch release was found', () => {
    const err = failingAddon('symbol', 'libc10.so.99', 'empty');
    expect(err.message).toContain('undefined symbol: torch_symbol');
    const msg = explainLoadFailure(err, prebuilt).message;
    expect(msg).toContain('another release than the one it was built against');
    expect(msg).toContain('LIBTORCH=/path/to/libtorch npm rebuild node-peft');
  });

  it('no binary at all: says how to build one', () => {
    const msg = explainLoadFailure(new Error('No native build was found for platform=linux arch=x64')).message;
    expect(msg).toContain('npm rebuild node-peft (needs g++, make, python3 and libtorch');
  });
});

describe('the install step (scripts/install.js)', () => {
  const reason = (env: Record<string, string>) => {
    const code = 'process.stdout.write(JSON.stringify(require("./scripts/install.js").reasonToBuild()))';
    const out = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    return { value: JSON.parse(out.stdout) as string | null, log: out.stderr };
  };

  it('keeps a binary that loads and matches the installed libtorch', () => {
    const r = reason({ npm_command: 'install', npm_config_build_from_source: '', LIBTORCH: '', Torch_DIR: '' });
    expect(r.value).toBeNull();
    expect(r.log).toMatch(/node-peft: using \S+\.node \(libtorch \d+\.\d+\.\d+\); no compilation needed/);
  });

  it('builds from source for npm rebuild, --build-from-source and a chosen libtorch', () => {
    expect(reason({ npm_command: 'rebuild' }).value).toContain('`npm rebuild` builds from source');
    expect(reason({ npm_command: 'install', npm_config_build_from_source: 'true' }).value).toContain('--build-from-source');
    expect(reason({ npm_command: 'install', LIBTORCH: '/opt/libtorch' }).value).toBe('LIBTORCH=/opt/libtorch is set: building against that libtorch');
  });
});
