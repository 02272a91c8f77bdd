import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { F } from '../../lib';

type Fn = (...xs: torch.Tensor[]) => torch.Tensor;

/**
 * Compares backward() with central finite differences in float64. The output is reduced with
 * fixed random weights so that every output element contributes a different amount.
 */
function gradcheck(fn: Fn, shapes: number[][], eps = 1e-6, tol = 1e-6): void {
  torch.manualSeed(7);
  const data = shapes.map((s) => torch.randn(s, { dtype: 'float64' }).toTypedArray() as Float64Array);
  const make = (arrays: Float64Array[], grad: boolean) =>
    arrays.map((a, i) => torch.tensor(a, { shape: shapes[i], requiresGrad: grad }));
  const probe = fn(...make(data, false));
  const weights = torch.randn(probe.shape, { dtype: 'float64' });
  const scalar = (xs: torch.Tensor[]) => fn(...xs).mul(weights).sum();

  const inputs = make(data, true);
  scalar(inputs).backward();
  inputs.forEach((x, k) => {
    const analytic = x.grad!.toTypedArray() as Float64Array;
    for (let i = 0; i < data[k].length; i++) {
      const plus = data.map((a) => a.slice());
      const minus = data.map((a) => a.slice());
      plus[k][i] += eps;
      minus[k][i] -= eps;
      const numeric = ((scalar(make(plus, false)).item() as number) - (scalar(make(minus, false)).item() as number)) / (2 * eps);
      expect(Math.abs(numeric - analytic[i]), `input ${k} element ${i}`).toBeLessThan(tol * Math.max(1, Math.abs(numeric)));
    }
  });
}

describe('autograd against finite differences (float64)', () => {
  it('matmul', () => gradcheck((a, b) => a.matmul(b), [[3, 4], [4, 2]]));
  it('linear with bias', () => gradcheck((x, w, b) => F.linear(x, w, b), [[2, 3], [4, 3], [4]]));
  it('softmax', () => gradcheck((x) => x.softmax(-1), [[2, 5]]));
  it('logSoftmax', () => gradcheck((x) => x.logSoftmax(1), [[3, 4]]));
  it('layerNorm with weight and bias', () => gradcheck((x, w, b) => F.layerNorm(x, [4], w, b, 1e-5), [[3, 4], [4], [4]], 1e-6, 1e-5));
  it('gelu', () => gradcheck((x) => x.gelu(), [[10]]));
  it('crossEntropy', () => {
    const target = torch.tensor([2, 0, 1], { dtype: 'int64' });
    gradcheck((x) => F.crossEntropy(x, target), [[3, 4]]);
  });
  it('broadcasting arithmetic and reductions', () => gradcheck((a, b) => a.mul(b).add(a.div(b.abs().add(1))).mean(0), [[3, 4], [4]]));
});

describe('autograd mechanics', () => {
  it('accumulates gradients until zeroGrad', () => {
    const w = torch.tensor([1, 2, 3], { requiresGrad: true });
    w.mul(2).sum().backward();
    w.mul(2).sum().backward();
    expect(w.grad!.toArray()).toEqual([4, 4, 4]);
    w.zeroGrad();
    expect(w.grad).toBeNull();
  });

  it('retainGraph allows a second backward through the same graph', () => {
    const w = torch.tensor([3], { requiresGrad: true });
    const y = w.pow(2).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(w.grad!.toArray()).toEqual([12]);
  });

  it('backward with an explicit gradient for a non-scalar output', () => {
    const w = torch.tensor([1, 2], { requiresGrad: true });
    w.mul(w).backward(torch.tensor([1, 10]));
    expect(w.grad!.toArray()).toEqual([2, 40]);
  });

  it('noGrad records no graph; enableGrad re-enables inside it', () => {
    const w = torch.ones([2], { requiresGrad: true });
    const y = torch.noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(torch.isGradEnabled()).toBe(true);
    const z = torch.noGrad(() => torch.enableGrad(() => w.mul(2)));
    expect(z.requiresGrad).toBe(true);
  });

  it('inferenceMode records nothing and restores the mode afterwards', () => {
    const w = torch.ones([2], { requiresGrad: true });
    const y = torch.inferenceMode(() => w.mul(3));
    expect(y.requiresGrad).toBe(false);
    expect(w.mul(3).requiresGrad).toBe(true);
  });

  it('detach cuts the graph; isLeaf tells leaves from results', () => {
    const w = torch.ones([2], { requiresGrad: true });
    expect(w.isLeaf).toBe(true);
    expect(w.mul(2).isLeaf).toBe(false);
    expect(w.mul(2).detach().requiresGrad).toBe(false);
  });

  it('backwardAsync computes the same gradient off the event loop', async () => {
    const w = torch.tensor([1, 2, 3], { requiresGrad: true });
    await w.pow(3).sum().backwardAsync();
    expect(w.grad!.toArray()).toEqual([3, 12, 27]);
  });

  it('async work queued inside noGrad keeps noGrad on the worker thread', async () => {
    const a = torch.ones([2, 2], { requiresGrad: true });
    const r = await torch.noGrad(() => torch.matmulAsync(a, a));
    expect(r.requiresGrad).toBe(false);
    const g = await torch.matmulAsync(a, a);
    expect(g.requiresGrad).toBe(true);
  });
});
