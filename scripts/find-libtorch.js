#!/usr/bin/env node
'use strict';
// One libtorch discovery for both builds: CMakeLists.txt and binding.gyp call this script, so
// cmake-js and node-gyp (npm's install fallback) always link the same libtorch.
// Order: LIBTORCH (a libtorch folder), Torch_DIR, a Python torch installation, the system.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

function configDirIn(root) {
  const candidates = ['share/cmake/Torch', 'lib/cmake/Torch', 'Torch', 'cmake/Torch', ''];
  for (const sub of candidates) {
    const dir = path.join(root, sub);
    if (fs.existsSync(path.join(dir, 'TorchConfig.cmake'))) return dir;
  }
  return null;
}

function fromPython() {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    try {
      const out = execFileSync(py, ['-c', 'import torch; print(torch.utils.cmake_prefix_path)'], {
        stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000,
      }).toString().trim();
      const dir = out && configDirIn(out);
      if (dir) return { dir, source: `Python torch (${py})` };
    } catch { /* no torch in this interpreter */ }
  }
  return null;
}

function fromSystem() {
  const roots = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  for (const root of roots) {
    const dir = path.join(root, 'cmake/Torch');
    if (fs.existsSync(path.join(dir, 'TorchConfig.cmake'))) return { dir, source: 'system (libtorch-dev)' };
  }
  return null;
}

function locateConfigDir() {
  if (process.env.LIBTORCH) {
    const dir = configDirIn(process.env.LIBTORCH);
    if (!dir) throw new Error(`LIBTORCH=${process.env.LIBTORCH} has no TorchConfig.cmake under share/cmake/Torch`);
    return { dir, source: 'LIBTORCH' };
  }
  if (process.env.Torch_DIR) {
    const dir = configDirIn(process.env.Torch_DIR);
    if (!dir) throw new Error(`Torch_DIR=${process.env.Torch_DIR} has no TorchConfig.cmake`);
    return { dir, source: 'Torch_DIR' };
  }
  const found = fromPython() || fromSystem();
  if (found) return found;
  throw new Error([
    'node-peft: no libtorch found. Looked at: $LIBTORCH, $Torch_DIR, python3 -c "import torch", /usr/lib/*/cmake/Torch.',
    'Fix one of:',
    '  Debian/Ubuntu:  apt-get install -y libtorch-dev libopenblas0-pthread',
    '  a libtorch zip: LIBTORCH=/path/to/libtorch npm rebuild node-peft',
    '  PyTorch (pip):  make sure `python3 -c "import torch"` works, then npm rebuild node-peft',
  ].join('\n'));
}

function findHeader(includeDirs, rel) {
  for (const dir of includeDirs) {
    const file = path.join(dir, rel);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

function describe() {
  const { dir, source } = locateConfigDir();
  // TorchConfig.cmake sits at <prefix>/share/cmake/Torch (pip, zip) or <libdir>/cmake/Torch (Debian).
  const up = path.resolve(dir, '../../..');
  const prefix = fs.existsSync(path.join(up, 'include/ATen')) ? up : '/usr';
  const includeDirs = [path.join(prefix, 'include'), path.join(prefix, 'include/torch/csrc/api/include')];
  const libDir = fs.existsSync(path.join(prefix, 'lib/libtorch.so')) ? path.join(prefix, 'lib') : path.resolve(dir, '../..');
  const versionFile = findHeader(includeDirs, 'torch/version.h');
  const text = versionFile ? fs.readFileSync(versionFile, 'utf8') : '';
  const num = (name) => (text.match(new RegExp(`#define ${name} (\\d+)`)) || [])[1];
  const version = [num('TORCH_VERSION_MAJOR'), num('TORCH_VERSION_MINOR'), num('TORCH_VERSION_PATCH')].join('.');
  const cuda = fs.existsSync(path.join(libDir, 'libtorch_cuda.so'));
  return { configDir: dir, source, prefix, includeDirs, libDir, version, cuda };
}

// Where CUDA's and NCCL's headers may be: a CUDA toolkit, or the pip wheels PyTorch depends on.
function cudaIncludeCandidates(t) {
  const dirs = [process.env.CUDA_HOME, process.env.CUDA_PATH, '/usr/local/cuda'].filter(Boolean).map((d) => path.join(d, 'include'));
  const site = path.resolve(t.prefix, '..');  // <site-packages>/torch -> <site-packages>
  for (const pkg of ['nccl', 'cuda_runtime']) dirs.push(path.join(site, 'nvidia', pkg, 'include'));
  return [...dirs, '/usr/include'];
}

/**
 * The c10d backends this build can compile: Gloo when Gloo's headers are there (libgloo-dev on
 * Debian), NCCL when the libtorch has CUDA and both nccl.h and the CUDA runtime headers are
 * found. NODE_PEFT_NCCL=0 or =1 forces the NCCL decision.
 */
function distributed(t) {
  const incs = [...t.includeDirs, '/usr/include'];
  const gloo = Boolean(findHeader(incs, 'gloo/algorithm.h') && findHeader(incs, 'torch/csrc/distributed/c10d/ProcessGroupGloo.hpp'));
  const cudaIncs = cudaIncludeCandidates(t);
  const ncclDir = cudaIncs.find((d) => fs.existsSync(path.join(d, 'nccl.h')));
  const cudaDir = cudaIncs.find((d) => fs.existsSync(path.join(d, 'cuda_runtime_api.h')));
  const wanted = process.env.NODE_PEFT_NCCL;
  const nccl = wanted === '0' ? false : Boolean(t.cuda && findHeader(incs, 'torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp') && ((ncclDir && cudaDir) || wanted === '1'));
  const defines = [...(gloo ? ['USE_C10D_GLOO'] : []), ...(nccl ? ['USE_C10D_NCCL', 'NODE_PEFT_NCCL'] : [])];
  const includeDirs = nccl ? [...new Set([ncclDir, cudaDir].filter((d) => d && d !== '/usr/include'))] : [];
  return { gloo, nccl, defines, includeDirs };
}

function sources() {
  const list = fs.readFileSync(path.join(__dirname, '../native/sources.txt'), 'utf8');
  return list.split('\n').map((s) => s.trim()).filter((s) => s && !s.startsWith('#')).map((s) => `native/${s}`);
}

function main(mode) {
  if (mode === '--sources') return sources().join(' ');
  const t = describe();
  switch (mode) {
    case '--cmake-dir': return t.configDir;
    case '--include': return [...t.includeDirs, ...distributed(t).includeDirs].join(' ');
    case '--defines': return distributed(t).defines.join(' ');
    case '--extra-include': return distributed(t).includeDirs.join(' ');
    case '--libdir': return t.libDir;
    case '--libs': {
      const libs = (t.cuda ? ['torch', 'torch_cpu', 'torch_cuda', 'c10', 'c10_cuda'] : ['torch', 'torch_cpu', 'c10']).map((l) => `-l${l}`);
      // Nothing in the addon names a torch_cuda symbol; with --as-needed (Ubuntu's default) the
      // linker would drop it and CUDA would silently be missing at run time.
      return ['-Wl,--no-as-needed', ...libs, '-Wl,--as-needed'].join(' ');
    }
    case '--version': return t.version;
    case '--json': return JSON.stringify({ ...t, distributed: distributed(t) }, null, 2);
    default: {
      const d = distributed(t);
      const backends = [d.gloo && 'gloo', d.nccl && 'nccl'].filter(Boolean).join(', ') || 'none';
      return `libtorch ${t.version} (${t.cuda ? 'CUDA' : 'CPU'}) from ${t.source}: ${t.configDir}; distributed backends: ${backends}`;
    }
  }
}

if (require.main === module) {
  try {
    process.stdout.write(`${main(process.argv[2])}\n`);
    if (['--include', '--libs', '--libdir'].includes(process.argv[2])) process.stderr.write(`node-peft: ${main()}\n`);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

module.exports = { describe, sources, distributed };
