import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { F } from '../../lib';

const t = (data: torch.NestedArray<number>, dtype?: torch.DType) => torch.tensor(data as number[], dtype ? { dtype } : undefined);

function expectClose(actual: torch.Tensor, expected: torch.NestedArray<number>, tol = 1e-6): void {
  const a = ([actual.toArray()] as unknown[]).flat(9) as number[];
  const e = ([expected] as unknown[]).flat(9) as number[];
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(Math.abs(v - e[i]), `element ${i}: ${v} vs ${e[i]}`).toBeLessThanOrEqual(tol));
}

describe('elementwise ops broadcast like libtorch', () => {
  it('arithmetic with tensors and scalars', () => {
    const a = t([[1, 2], [3, 4]]);
    const row = t([10, 20]);
    expect(a.add(row).toArray()).toEqual([[11, 22], [13, 24]]);
    expect(a.sub(1).toArray()).toEqual([[0, 1], [2, 3]]);
    expect(a.mul(t([[2], [3]])).toArray()).toEqual([[2, 4], [9, 12]]);
    expect(a.div(2).toArray()).toEqual([[0.5, 1], [1.5, 2]]);
    expect(a.pow(2).toArray()).toEqual([[1, 4], [9, 16]]);
    expect(a.neg().toArray()).toEqual([[-1, -2], [-3, -4]]);
    expect(t([4, 9]).sqrt().toArray()).toEqual([2, 3]);
    expectClose(t([0, 1]).exp(), [1, Math.E]);
    expectClose(t([1, Math.E]).log(), [0, 1]);
    expect(t([-1, 2]).abs().toArray()).toEqual([1, 2]);
    expect(t([-2, 0.5, 3]).clamp(-1, 1).toArray()).toEqual([-1, 0.5, 1]);
    expect(t([-2, 3]).clamp(0).toArray()).toEqual([0, 3]);
    expect(t([1, 5]).maximum(t([3, 2])).toArray()).toEqual([3, 5]);
    expect(t([1, 5]).minimum(t([3, 2])).toArray()).toEqual([1, 2]);
  });

  it('activations', () => {
    expect(t([-1, 0, 2]).relu().toArray()).toEqual([0, 0, 2]);
    expectClose(t([0, 1]).tanh(), [0, Math.tanh(1)]);
    expectClose(t([0, 2]).sigmoid(), [0.5, 1 / (1 + Math.exp(-2))]);
    // exact GELU: x * Phi(x); Phi(1) = 0.8413447460685429, Phi(-1) = 1 - Phi(1)
    expectClose(t([1, -1, 0]).gelu(), [0.8413447460685429, -(1 - 0.8413447460685429), 0]);
    const x = 0.7;
    const tanhApprox = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expectClose(t([x]).gelu('tanh'), [tanhApprox]);
  });

  it('comparisons and where', () => {
    const a = t([1, 2, 3]);
    expect(a.gt(2).toArray()).toEqual([false, false, true]);
    expect(a.ge(2).toArray()).toEqual([false, true, true]);
    expect(a.lt(t([2, 2, 2])).toArray()).toEqual([true, false, false]);
    expect(a.le(1).toArray()).toEqual([true, false, false]);
    expect(a.eq(2).toArray()).toEqual([false, true, false]);
    expect(a.ne(2).toArray()).toEqual([true, false, true]);
    expect(torch.where(a.gt(1), a, 0).toArray()).toEqual([0, 2, 3]);
    expect(torch.where(a.gt(1), t([9, 9, 9]), a).toArray()).toEqual([1, 9, 9]);
    expect(a.maskedFill(a.eq(2), -1).toArray()).toEqual([1, -1, 3]);
  });
});

describe('linear algebra', () => {
  it('matmul, bmm and linear agree with hand computation', () => {
    const a = t([[1, 2], [3, 4]]);
    const b = t([[5, 6], [7, 8]]);
    expect(a.matmul(b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(torch.stack([a, b]).bmm(torch.stack([b, a])).toArray()).toEqual([[[19, 22], [43, 50]], [[23, 34], [31, 46]]]);
    // linear(x, W, b) = x W^T + b
    expect(F.linear(a, b, t([1, -1])).toArray()).toEqual([[18, 22], [40, 52]]);
    expect(F.linear(a, b).toArray()).toEqual(a.matmul(b.T).toArray());
  });

  it('float32 matmul on the fast BLAS path matches float64 within 1e-4 relative', () => {
    torch.manualSeed(0);
    const a = torch.randn([256, 512]);
    const b = torch.randn([512, 128]);
    const exact = a.double().matmul(b.double());
    const err = a.matmul(b).double().sub(exact).abs().max().item() as number;
    const scale = exact.abs().max().item() as number;
    expect(err / scale).toBeLessThan(1e-5);
  });

  it('matmulAsync resolves to the same result', async () => {
    const a = torch.randn([64, 32]);
    const b = torch.randn([32, 16]);
    const r = await torch.matmulAsync(a, b);
    expect(r.sub(a.matmul(b)).abs().max().item()).toBe(0);
  });
});

describe('reductions', () => {
  const a = t([[1, 5, 3], [4, 2, 6]]);
  it('sum, mean, max, min, argmax with dim and keepdim', () => {
    expect(a.sum().item()).toBe(21);
    expect(a.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(a.sum(1, true).toArray()).toEqual([[9], [12]]);
    expect(a.sum([0, 1]).item()).toBe(21);
    expect(a.mean().item()).toBe(3.5);
    expect(a.mean(1).toArray()).toEqual([3, 4]);
    expect(a.max().item()).toBe(6);
    expect(a.min().item()).toBe(1);
    const { values, indices } = a.max(1);
    expect(values.toArray()).toEqual([5, 6]);
    expect(indices.toArray()).toEqual([1, 2]);
    expect(a.min(0, true).values.toArray()).toEqual([[1, 2, 3]]);
    expect(a.argmax().item()).toBe(5);
    expect(a.argmax(0).toArray()).toEqual([1, 0, 1]);
    expect(a.argmin(1, true).toArray()).toEqual([[0], [1]]);
  });

  it('softmax and logSoftmax: rows sum to one, log matches', () => {
    const s = a.softmax(1);
    expectClose(s.sum(1), [1, 1]);
    const e = [1, 5, 3].map(Math.exp);
    const z = e.reduce((x, y) => x + y);
    expectClose(s.narrow(0, 0, 1), [e.map((v) => v / z)]);
    expectClose(a.logSoftmax(1), s.log().toArray() as number[][], 1e-5);
  });
});

describe('shape ops', () => {
  const a = torch.arange(6);
  it('reshape, view, permute, transpose, squeeze, unsqueeze, expand, flatten', () => {
    expect(a.reshape(2, 3).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(a.view([3, 2]).shape).toEqual([3, 2]);
    expect(a.reshape(2, 3).T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(a.reshape(1, 2, 3).permute(2, 0, 1).shape).toEqual([3, 1, 2]);
    expect(a.reshape(2, 3).transpose(0, 1).contiguous().view(6).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(a.reshape(1, 6, 1).squeeze().shape).toEqual([6]);
    expect(a.reshape(1, 6, 1).squeeze(0).shape).toEqual([6, 1]);
    expect(a.unsqueeze(0).shape).toEqual([1, 6]);
    expect(t([1, 2]).unsqueeze(1).expand(2, 3).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(a.reshape(2, 3).flatten().toArray()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('cat, stack, split, chunk, narrow, select', () => {
    expect(torch.cat([t([1]), t([2, 3])]).toArray()).toEqual([1, 2, 3]);
    expect(torch.stack([t([1, 2]), t([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(a.split(4).map((x) => x.toArray())).toEqual([[0, 1, 2, 3], [4, 5]]);
    expect(a.split([1, 5]).map((x) => x.shape)).toEqual([[1], [5]]);
    expect(a.chunk(3).map((x) => x.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(a.narrow(0, 2, 3).toArray()).toEqual([2, 3, 4]);
    expect(a.reshape(2, 3).select(1, -1).toArray()).toEqual([2, 5]);
  });

  it('indexSelect, gather and embedding lookup', () => {
    const m = t([[1, 2], [3, 4], [5, 6]]);
    const idx = torch.tensor([2, 0], { dtype: 'int64' });
    expect(m.indexSelect(0, idx).toArray()).toEqual([[5, 6], [1, 2]]);
    expect(m.gather(1, torch.tensor([[1], [0], [1]], { dtype: 'int64' })).toArray()).toEqual([[2], [3], [6]]);
    expect(F.embedding(torch.tensor([[0, 2]], { dtype: 'int64' }), m).toArray()).toEqual([[[1, 2], [5, 6]]]);
  });
});

describe('nn functions', () => {
  it('layerNorm normalizes the last dims, then scales and shifts', () => {
    const x = t([[1, 2, 3, 4]]);
    const mean = 2.5;
    const std = Math.sqrt(((1.5 ** 2 + 0.5 ** 2) * 2) / 4 + 1e-5);
    expectClose(F.layerNorm(x, 4), [[1, 2, 3, 4].map((v) => (v - mean) / std)], 1e-5);
    const w = t([2, 2, 2, 2]);
    const b = t([1, 1, 1, 1]);
    expectClose(F.layerNorm(x, [4], w, b, 1e-12), [[1, 2, 3, 4].map((v) => (2 * (v - mean)) / Math.sqrt(1.25) + 1)], 1e-5);
  });

  it('dropout: identity in eval, zeroes and rescales in training', () => {
    const x = torch.ones([10000]);
    expect(F.dropout(x, 0.5, false).sum().item()).toBe(10000);
    const y = F.dropout(x, 0.25, true);
    const kept = y.ne(0).sum().item() as number;
    expect(Math.abs(kept / 10000 - 0.75)).toBeLessThan(0.03);
    expectClose(y.max(), 1 / 0.75, 1e-6);
  });

  it('crossEntropy with ignoreIndex and reductions matches -log softmax', () => {
    const logits = t([[2, 0, 0], [0, 1, 0], [0, 0, 3]]);
    const target = torch.tensor([0, 2, -100], { dtype: 'int64' });
    const logp = logits.logSoftmax(1).toArray() as number[][];
    const l0 = -logp[0][0];
    const l1 = -logp[1][2];
    expectClose(F.crossEntropy(logits, target), (l0 + l1) / 2, 1e-6);
    expectClose(F.crossEntropy(logits, target, { reduction: 'sum' }), l0 + l1, 1e-6);
    expectClose(F.crossEntropy(logits, target, { reduction: 'none' }), [l0, l1, 0], 1e-6);
    expect(Number.isNaN(F.crossEntropy(logits, torch.tensor([1, 1, 1], { dtype: 'int64' }), { ignoreIndex: 1 }).item())).toBe(true);
  });

  it('mseLoss and BCE with logits', () => {
    expectClose(F.mseLoss(t([1, 2]), t([3, 2])), 2);
    expectClose(F.mseLoss(t([1, 2]), t([3, 2]), 'sum'), 4);
    const p = 1 / (1 + Math.exp(-0.5));
    expectClose(F.binaryCrossEntropyWithLogits(t([0.5]), t([1])), -Math.log(p), 1e-6);
  });

  it('to(dtype/device), clone and detach', () => {
    const x = t([1.7, -1.7]);
    expect(x.to('int64').toArray()).toEqual([1, -1]);
    expect(x.to({ dtype: 'float64', device: 'cpu' }).dtype).toBe('float64');
    expect(x.cpu().device).toBe('cpu');
    const c = x.clone();
    expect(c.toArray()).toEqual(x.toArray());
    expect(x.detach().requiresGrad).toBe(false);
  });
});

describe('in-place ops', () => {
  it('add_, sub_, mul_, div_, copy_ and zero_ change the tensor itself', () => {
    const a = t([1, 2, 3]);
    expect(a.add_(1).toArray()).toEqual([2, 3, 4]);
    a.mul_(t([1, 2, 3])).sub_(1).div_(2);
    expect(a.toArray()).toEqual([0.5, 2.5, 5.5]);
    a.copy_(t([7]));
    expect(a.toArray()).toEqual([7, 7, 7]);
    expect(a.zero_().toArray()).toEqual([0, 0, 0]);
  });

  it('refuses in-place updates of a leaf that requires grad outside noGrad', () => {
    const w = torch.ones([2], { requiresGrad: true });
    expect(() => w.add_(1)).toThrow(/leaf Variable that requires grad/);
    torch.noGrad(() => w.add_(1));
    expect(w.toArray()).toEqual([2, 2]);
  });
});

describe('selection and sampling', () => {
  it('topk, sort, cumsum and scatter', () => {
    const a = t([3, 1, 4, 1, 5]);
    const top = a.topk(2);
    expect(top.values.toArray()).toEqual([5, 4]);
    expect(top.indices.toArray()).toEqual([4, 2]);
    expect(a.topk(1, 0, false).values.toArray()).toEqual([1]);
    expect(a.sort(0, true).values.toArray()).toEqual([5, 4, 3, 1, 1]);
    expect(a.cumsum(0).toArray()).toEqual([3, 4, 8, 9, 14]);
    expect(a.scatter(0, torch.tensor([0n, 4n]), 0).toArray()).toEqual([0, 1, 4, 1, 0]);
    expect(a.scatter(0, torch.tensor([1n]), t([9])).toArray()).toEqual([3, 9, 4, 1, 5]);
  });

  it('multinomial follows the probabilities and the seed', () => {
    const probs = t([[0, 1, 0], [0.5, 0, 0.5]]);
    torch.manualSeed(3);
    const draws = probs.multinomial(200, true);
    const rows = draws.toArray() as number[][];
    expect(rows[0].every((v) => v === 1)).toBe(true);
    expect(rows[1].every((v) => v === 0 || v === 2)).toBe(true);
    torch.manualSeed(3);
    expect(probs.multinomial(200, true).toArray()).toEqual(rows);
  });
});
