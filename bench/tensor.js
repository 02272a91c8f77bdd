#!/usr/bin/env node
'use strict';
// Foundation benchmark: per-call overhead from JS and float32 GEMM throughput through the addon,
// next to the same measurements made in this run by /usr/bin/python3 with Debian's torch at its
// defaults. Run after `npm run build`: node bench/tensor.js
const { execFileSync } = require('child_process');
const { torch, timeit } = require('./common');

const REPS = { overhead: 100000 };

async function nodeFigures() {
  const a = torch.ones([1]);
  const b = torch.ones([1]);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < REPS.overhead; i++) a.add(b).dispose();
  const overheadUs = Number(process.hrtime.bigint() - t0) / 1e3 / REPS.overhead;
  const out = { overheadUs };
  for (const n of [1024, 2048]) {
    const x = torch.randn([n, n]);
    const y = torch.randn([n, n]);
    out[`matmul${n}`] = (2 * n ** 3) / (await timeit(() => x.matmul(y).dispose(), { minSeconds: 1.5 })) / 1e9;
  }
  const [M, K, N] = [2048, 768, 3072];
  const x = torch.randn([M, K], { requiresGrad: true });
  const w = torch.randn([N, K], { requiresGrad: true });
  const bias = torch.randn([N], { requiresGrad: true });
  const g = torch.randn([M, N]);
  out.linearFwdBwd = (6 * M * K * N) / (await timeit(() => torch.tidy(() => {
    torch.F.linear(x, w, bias).backward(g);
    x.zeroGrad(); w.zeroGrad(); bias.zeroGrad();
  }), { minSeconds: 1.5 })) / 1e9;
  return out;
}

const PYTHON = String.raw`
import json, time, torch
def timeit(fn, min_s=1.5):
    fn(); n = 0; t = time.perf_counter()
    while time.perf_counter() - t < min_s:
        fn(); n += 1
    return (time.perf_counter() - t) / n
out = {}
a = torch.ones(1); b = torch.ones(1); t = time.perf_counter()
for _ in range(100000): a + b
out['overheadUs'] = (time.perf_counter() - t) / 100000 * 1e6
for n in (1024, 2048):
    x = torch.randn(n, n); y = torch.randn(n, n)
    out['matmul%d' % n] = 2 * n**3 / timeit(lambda: x @ y) / 1e9
M, K, N = 2048, 768, 3072
x = torch.randn(M, K, requires_grad=True); w = torch.randn(N, K, requires_grad=True)
bias = torch.randn(N, requires_grad=True); g = torch.randn(M, N)
def step():
    torch.nn.functional.linear(x, w, bias).backward(g)
    x.grad = None; w.grad = None; bias.grad = None
out['linearFwdBwd'] = 6 * M * K * N / timeit(step) / 1e9
out['threads'] = torch.get_num_threads()
print(json.dumps(out))
`;

function pythonFigures() {
  try {
    // Python gets the environment as the user had it, before node-peft chose an OpenBLAS kernel.
    const env = { ...process.env };
    const { original } = torch.versions().openblasSetup;
    if (original === null) delete env.OPENBLAS_CORETYPE;
    else env.OPENBLAS_CORETYPE = original;
    const text = execFileSync('/usr/bin/python3', ['-c', PYTHON], { env, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return JSON.parse(text.trim().split('\n').pop());
  } catch (err) {
    return null;
  }
}

async function main() {
  const v = torch.versions();
  console.log(`node-peft ${v.nodePeft}, libtorch ${v.libtorch}, ${torch.getNumThreads()} threads, OpenBLAS kernel ${v.openblasCore} (${v.openblasSetup.reason})`);
  const node = await nodeFigures();
  const py = pythonFigures();
  const rows = [
    ['op call overhead (µs, 1-element add)', 'overheadUs', false],
    ['matmul 1024² float32 (GFLOP/s)', 'matmul1024', true],
    ['matmul 2048² float32 (GFLOP/s)', 'matmul2048', true],
    ['Linear 2048×768→3072 fwd+bwd (GFLOP/s)', 'linearFwdBwd', true],
  ];
  console.log(`python baseline: ${py ? `/usr/bin/python3, torch defaults (${py.threads} threads, OPENBLAS_CORETYPE=${torch.versions().openblasSetup.original ?? 'unset'})` : 'unavailable (install python3-torch)'}`);
  console.log(`${'measure'.padEnd(42)} ${'node-peft'.padStart(10)} ${'python'.padStart(10)} ${'ratio'.padStart(8)}`);
  for (const [label, key, higherIsBetter] of rows) {
    const n = node[key];
    const p = py ? py[key] : NaN;
    const ratio = higherIsBetter ? n / p : p / n;
    console.log(`${label.padEnd(42)} ${n.toFixed(1).padStart(10)} ${(py ? p.toFixed(1) : '-').padStart(10)} ${(py ? `${ratio.toFixed(2)}x` : '-').padStart(8)}`);
  }
  console.log('ratio > 1 means node-peft is faster.');
}

main().catch((err) => { console.error(err); process.exit(1); });
