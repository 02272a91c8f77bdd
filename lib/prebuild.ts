// Which libtorch the native addon was built for, which one this process actually loaded, and what
// to tell the user when they differ or the addon does not load. No addon dependency: this runs
// before (or instead of) a successful load.
import fs from 'fs';
import path from 'path';

/** Written next to a prebuilt binary by scripts/prebuild.js (prebuilds/<platform>-<arch>/libtorch.json). */
export const RECORD_FILE = 'libtorch.json';

export interface LibtorchRecord {
  /** TORCH_VERSION of the headers the binary was compiled with, e.g. "1.13.0". */
  version: string;
  cuda: boolean;
  /** How scripts/find-libtorch.js found it, e.g. "system (libtorch-dev)". */
  source: string;
  libDir: string;
  /** The binary's DT_NEEDED libtorch sonames, e.g. ["libc10.so.1.13", "libtorch_cpu.so.1.13"]. */
  needed: string[];
  napi: number;
  node: string;
  builtAt: string;
}

export interface LoadedLibtorch {
  file: string;
  version: string | null;
}

const ROOT = path.resolve(__dirname, '..');
const TORCH_LIB = /\/(libtorch_cpu|libtorch|libc10)\.so(?:\.(\d+\.\d+(?:\.\d+)?))?$/;

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The release of a libtorch shared library, from the cheapest evidence that exists: the file name
 * (Debian: libtorch_cpu.so.1.13.0), torch/version.py (pip), build-version (libtorch zip), or the
 * version.h installed next to it.
 */
export function versionOfLibrary(file: string): string | null {
  const m = TORCH_LIB.exec(file);
  if (m?.[2]) return m[2];
  const dir = path.dirname(file);
  const py = readText(path.join(dir, '../version.py'));
  const fromPy = py && /__version__\s*=\s*['"]([^'"]+)['"]/.exec(py);
  if (fromPy) return fromPy[1];
  const zip = readText(path.join(dir, '../build-version'));
  if (zip && /^\d+\.\d+/.test(zip.trim())) return zip.trim();
  const header = readText(path.join(dir, '../include/torch/csrc/api/include/torch/version.h'));
  const num = (name: string) => header && new RegExp(`#define ${name} (\\d+)`).exec(header)?.[1];
  const [major, minor, patch] = [num('TORCH_VERSION_MAJOR'), num('TORCH_VERSION_MINOR'), num('TORCH_VERSION_PATCH')];
  return major && minor ? `${major}.${minor}.${patch ?? 0}` : null;
}

/** The libtorch mapped into this process (Linux: /proc/self/maps), or null when none or unknown. */
export function loadedLibtorch(maps: string | null = readText('/proc/self/maps')): LoadedLibtorch | null {
  if (!maps) return null;
  const files = new Set(maps.split('\n').map((l) => l.slice(l.indexOf('/'))).filter((f) => TORCH_LIB.test(f)));
  // libtorch_cpu holds the ATen kernels; libc10 alone (unusual) still tells the release.
  const ordered = [...files].sort((a, b) => rank(a) - rank(b));
  if (ordered.length === 0) return null;
  return { file: ordered[0], version: versionOfLibrary(ordered[0]) };
}

function rank(file: string): number {
  const name = TORCH_LIB.exec(file)?.[1];
  return name === 'libtorch_cpu' ? 0 : name === 'libtorch' ? 1 : 2;
}

/** libtorch keeps its C++ ABI within a minor release (1.13.0 and 1.13.1 interoperate; 2.5 and 2.6 do not). */
export function sameRelease(a: string, b: string): boolean {
  const mm = (v: string) => v.replace(/[+].*$/, '').split('.').slice(0, 2).join('.');
  return mm(a) === mm(b);
}

/** The record next to a prebuilt binary, or null (source builds have none). */
export function readRecord(addonFile: string | undefined): LibtorchRecord | null {
  if (!addonFile) return null;
  const text = readText(path.join(path.dirname(addonFile), RECORD_FILE));
  try {
    return text ? (JSON.parse(text) as LibtorchRecord) : null;
  } catch {
    return null;
  }
}

function describeBinary(addonFile: string | undefined): string {
  if (!addonFile) return 'no binary';
  const rel = path.relative(ROOT, addonFile);
  return rel.startsWith('prebuilds') ? `the prebuilt binary ${rel}` : `the binary built from source (${rel})`;
}

/** What scripts/find-libtorch.js would build against now (only on the failure path: it may run python3). */
function discoverLibtorch(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { describe } = require(path.join(ROOT, 'scripts/find-libtorch.js'));
    const t = describe();
    return `libtorch ${t.version} (${t.cuda ? 'CUDA' : 'CPU'}) from ${t.source}: ${t.libDir}`;
  } catch (err) {
    return `none (${(err as Error).message.split('\n')[0]})`;
  }
}

const REBUILD = [
  'build it against the libtorch you have: npm rebuild node-peft',
  'or against a given one: LIBTORCH=/path/to/libtorch npm rebuild node-peft (Torch_DIR=… works too)',
];

function failure(lines: string[], hints: string[]): Error {
  const err = new Error(`node-peft: ${lines.join('\n')}\nPossible solutions:\n${hints.map((h) => `- ${h}`).join('\n')}`);
  err.name = 'AddonLoadError';
  return err;
}

/**
 * After a successful load: the libtorch release the addon was compiled with (`compiled`, its
 * TORCH_VERSION) must be the one the dynamic loader picked. Returns the error to throw, or null.
 * NODE_PEFT_SKIP_LIBTORCH_CHECK=1 turns the check off.
 */
export function checkLibtorch(compiled: string, addonFile: string | undefined, loaded = loadedLibtorch(),
  env: NodeJS.ProcessEnv = process.env): Error | null {
  if (env.NODE_PEFT_SKIP_LIBTORCH_CHECK === '1' || !loaded?.version || sameRelease(compiled, loaded.version)) return null;
  return failure([
    `libtorch mismatch: ${describeBinary(addonFile)} was built against libtorch ${compiled},`,
    `but this process loaded libtorch ${loaded.version} (${loaded.file}).`,
    'A C++ addon only works with the libtorch release it was compiled against.',
  ], [...REBUILD, `or install libtorch ${compiled.split('.').slice(0, 2).join('.')} again`,
    'NODE_PEFT_SKIP_LIBTORCH_CHECK=1 skips this check (crashes are then likely)']);
}

/** Turns a failed require of the addon into an error that says why and what to run. */
export function explainLoadFailure(err: Error, addonFile?: string): Error {
  const msg = err.message;
  const record = readRecord(addonFile);
  const lines = ['could not load the native addon.', msg.trim()];
  const hints: string[] = [];
  const missingTorch = /(libtorch\w*|libc10\w*)\.so[.\d]*: cannot open shared object file/.exec(msg);
  const undefinedSymbol = /undefined symbol/.test(msg);
  if (record && (missingTorch || undefinedSymbol)) {
    lines.push(`${describeBinary(addonFile)} was built against libtorch ${record.version} (${record.cuda ? 'CUDA' : 'CPU'}, ${record.source}; needs ${record.needed.join(', ') || 'libtorch'}).`);
  }
  if (missingTorch || undefinedSymbol) {
    lines.push(undefinedSymbol ? 'The libtorch found at load time is another release than the one it was built against.'
      : `${missingTorch![1]}.so is not installed or not on the loader path.`);
    lines.push(`libtorch found for a source build now: ${discoverLibtorch()}`);
    hints.push(...REBUILD);
    if (record && !record.cuda) hints.push(`or install the libtorch it was built for: apt-get install -y libtorch-dev (Debian/Ubuntu, libtorch ${record.version})`);
    else if (missingTorch) hints.push('or install libtorch: apt-get install -y libtorch-dev (Debian/Ubuntu)');
  }
  if (/blas|lapack/i.test(msg)) hints.push('OpenBLAS is missing: apt-get install -y libopenblas0-pthread');
  if (/No native build/.test(msg)) {
    hints.push('no prebuilt binary matches this platform and none was built: npm rebuild node-peft (needs g++, make, python3 and libtorch, e.g. apt-get install -y libtorch-dev)');
  }
  if (hints.length === 0) hints.push('reinstall: npm rebuild node-peft');
  return failure(lines, hints);
}
