import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { isMainThread } from 'worker_threads';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib';
import { preferFastBlas, preferPassiveOpenMP, blasSetup } from '../lib/binding';

const AVX512 = new Set(['avx2', 'fma', 'avx512f', 'avx512dq', 'avx512bw', 'avx512vl']);

describe('runtime', () => {
  it('uses every available core for intra-op threads, and setNumThreads changes it', () => {
    const os = require('os') as typeof import('os');
    expect(torch.getNumThreads()).toBe(os.availableParallelism());
    torch.setNumThreads(1);
    expect(torch.getNumThreads()).toBe(1);
    torch.setNumThreads(os.availableParallelism());
    expect(() => torch.setNumThreads(0)).toThrow(/setNumThreads\(n\): expected an integer in \[1, /);
  });

  it('reports versions; CUDA is available exactly when it counts at least one device', () => {
    const v = torch.versions();
    expect(v.libtorch).toMatch(/^\d+\.\d+/);
    expect(v.nodePeft).toBe(require('../package.json').version);
    const count = torch.cuda.deviceCount();
    expect(Number.isInteger(count) && count >= 0).toBe(true);
    expect(torch.cuda.isAvailable()).toBe(count > 0);
    // scripts/gpu-check.sh runs the suite with NODE_PEFT_DEVICE=cuda, on a machine that has a GPU.
    if ((process.env.NODE_PEFT_DEVICE ?? 'cpu').startsWith('cuda')) expect(count).toBeGreaterThan(0);
  });

  it('reports the OpenBLAS kernel in use: null without OpenBLAS, else the one node-peft set', () => {
    const openblas = /libopenblas/.test(fs.readFileSync('/proc/self/maps', 'utf8'));
    const v = torch.versions();
    expect(v.openblasCore !== null).toBe(openblas);
    if (!openblas) return; // e.g. a pip PyTorch with MKL
    // This process: what preferFastBlas chose (or found) before libtorch loaded. (In a worker
    // thread, as under StrykerJS, process.env is the thread's own copy, which OpenBLAS never reads.)
    if (isMainThread) expect(v.openblasCore).toBe(blasSetup.coretype ?? v.openblasCore);
    // A fresh process with a kernel forced by NODE_PEFT_OPENBLAS_CORETYPE runs that kernel.
    const code = 'process.stdout.write(String(require("./dist").versions().openblasCore))';
    const run = (env: Record<string, string>) => spawnSync(process.execPath, ['-e', code], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8', env: { ...process.env, ...env } }).stdout;
    expect(run({ NODE_PEFT_OPENBLAS_CORETYPE: 'Haswell' })).toBe('Haswell');
    expect(run({ NODE_PEFT_OPENBLAS_CORETYPE: 'Sandybridge' })).toBe('Sandybridge');
  });

  it('chooses the fastest OpenBLAS kernel the CPU supports unless told otherwise', () => {
    const run = (env: NodeJS.ProcessEnv, flags = AVX512) => { preferFastBlas(env, flags); return env.OPENBLAS_CORETYPE; };
    expect(run({})).toBe('SkylakeX');
    expect(run({ OPENBLAS_CORETYPE: 'Haswell' })).toBe('SkylakeX');
    expect(run({ OPENBLAS_CORETYPE: 'Cooperlake' })).toBe('Cooperlake');
    expect(run({}, new Set(['avx2', 'fma']))).toBe('Haswell');
    expect(run({}, new Set())).toBeUndefined();
    expect(run({ OPENBLAS_CORETYPE: 'Prescott', NODE_PEFT_OPENBLAS_CORETYPE: 'keep' })).toBe('Prescott');
    expect(run({ NODE_PEFT_OPENBLAS_CORETYPE: 'Zen' })).toBe('Zen');
  });

  it('makes OpenMP workers wait passively unless the environment says otherwise', () => {
    const env: NodeJS.ProcessEnv = {};
    preferPassiveOpenMP(env);
    expect(env.OMP_WAIT_POLICY).toBe('PASSIVE');
    const set: NodeJS.ProcessEnv = { OMP_WAIT_POLICY: 'ACTIVE' };
    preferPassiveOpenMP(set);
    expect(set.OMP_WAIT_POLICY).toBe('ACTIVE');
  });

  it('the caching allocator reuses freed blocks and emptyCache returns them', () => {
    torch.emptyCache();
    const a = torch.zeros([1024, 256]); // 1 MiB
    const held = torch.memoryStats().allocatedBytes;
    expect(held).toBeGreaterThanOrEqual(1 << 20);
    a.dispose();
    expect(torch.memoryStats().cachedBytes).toBeGreaterThanOrEqual(1 << 20);
    const b = torch.ones([1024, 256]);
    expect(torch.memoryStats().cachedBytes).toBe(0);
    expect(b.sum().item()).toBe(1024 * 256);
    b.dispose();
    torch.emptyCache();
    expect(torch.memoryStats().cachedBytes).toBe(0);
  });
});
