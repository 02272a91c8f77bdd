'use strict';
// Shared by the benchmarks: timing, and a matmul baseline measured in the same run.
const torch = require('../dist');

/** Mean seconds per call of an async or sync fn, after one warm-up call. */
async function timeit(fn, { minSeconds = 3, minRuns = 3 } = {}) {
  await fn();
  const start = process.hrtime.bigint();
  let runs = 0;
  let elapsed = 0;
  while (runs < minRuns || elapsed < minSeconds) {
    await fn();
    runs += 1;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return elapsed / runs;
}

/** float32 GFLOP/s of a 2048² matmul, this machine's attainable GEMM rate right now. */
async function matmulGflops() {
  const n = 2048;
  const a = torch.randn([n, n]);
  const b = torch.randn([n, n]);
  const s = await timeit(() => a.matmul(b).dispose(), { minSeconds: 2 });
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / s / 1e9;
}

function header(title) {
  const v = torch.versions();
  console.log(`${title}\nnode-peft ${v.nodePeft}, libtorch ${v.libtorch}, ${torch.getNumThreads()} threads, OpenBLAS kernel ${v.openblasCore}`);
}

module.exports = { torch, timeit, matmulGflops, header };
