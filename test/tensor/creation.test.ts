import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';

describe('creation', () => {
  it('infers shape and dtype from nested arrays', () => {
    const t = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(torch.tensor([true, false]).dtype).toBe('bool');
    expect(torch.tensor([1n, 2n]).dtype).toBe('int64');
    expect(torch.tensor(3.5).shape).toEqual([]);
    expect(torch.tensor(3.5).item()).toBe(3.5);
  });

  it('takes typed arrays with a shape, in their own dtype by default', () => {
    const t = torch.tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(torch.tensor(new Float64Array([0.1])).toTypedArray()).toEqual(new Float64Array([0.1]));
    expect(torch.tensor(new BigInt64Array([2n ** 60n])).toTypedArray()[0]).toBe(2n ** 60n);
  });

  it('copies on creation: later changes to the JS array do not reach the tensor', () => {
    const data = new Float32Array([1, 2, 3]);
    const t = torch.tensor(data);
    data[0] = 99;
    expect(t.toArray()).toEqual([1, 2, 3]);
  });

  it('converts between every dtype', () => {
    for (const dtype of torch.DTYPES) {
      const t = torch.tensor([0, 1, 2, 3], { dtype });
      expect(t.dtype).toBe(dtype);
      const back = t.toArray();
      expect(back).toEqual(dtype === 'bool' ? [false, true, true, true] : [0, 1, 2, 3]);
    }
  });

  it('rounds float16 and bfloat16 as libtorch does', () => {
    expect(torch.tensor([1 / 3], { dtype: 'float16' }).toArray()).toEqual([0.333251953125]);
    expect(torch.tensor([1 / 3], { dtype: 'bfloat16' }).toArray()).toEqual([0.333984375]);
  });

  it('makes filled, ranged and random tensors', () => {
    expect(torch.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(torch.ones(3, { dtype: 'int64' }).toArray()).toEqual([1, 1, 1]);
    expect(torch.full([2], 7).toArray()).toEqual([7, 7]);
    expect(torch.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(torch.arange(5).dtype).toBe('int64');
    expect(torch.arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(torch.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(torch.empty([4, 5]).shape).toEqual([4, 5]);
    const r = torch.randint(0, 10, [1000]);
    expect(r.min().item()).toBeGreaterThanOrEqual(0);
    expect(r.max().item()).toBeLessThan(10);
    const u = torch.rand([10000]);
    expect(Math.abs((u.mean().item() as number) - 0.5)).toBeLessThan(0.02);
    const n = torch.randn([10000]);
    expect(Math.abs(n.mean().item() as number)).toBeLessThan(0.05);
    expect(Math.abs((n.pow(2).mean().item() as number) - 1)).toBeLessThan(0.05);
  });

  it('manualSeed makes random tensors reproducible', () => {
    torch.manualSeed(42);
    const a = torch.randn([5]).toArray();
    torch.manualSeed(42);
    expect(torch.randn([5]).toArray()).toEqual(a);
  });

  it('rejects bad input with messages that name the argument', () => {
    expect(() => torch.tensor([[1, 2], [3]])).toThrow(/tensor\(data\[1\]\).*length 2/);
    expect(() => torch.tensor([1, 'a' as unknown as number])).toThrow(/data\[1\].*"a"/);
    expect(() => torch.zeros([2, -1])).toThrow(/zeros: shape\[1\].*>= 0/);
    expect(() => torch.zeros([2], { dtype: 'float8' as torch.DType })).toThrow(/dtype.*'float32'/);
    expect(() => torch.zeros([2], { dtpye: 'float32' } as never)).toThrow(/unknown option 'dtpye'/);
    expect(() => torch.zeros([2], { device: 'tpu' as torch.Device })).toThrow(/device.*'cpu'/);
    expect(() => torch.tensor(new Float32Array(5), { shape: [2, 2] })).toThrow(torch.TorchError);
    expect(() => torch.randint(5, 5, [2])).toThrow(/high/);
  });

  // Expected strings were printed by torch 1.13.1 (/usr/bin/python3) for the same tensors.
  it('prints like PyTorch', () => {
    expect(torch.tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(torch.tensor([0.5, 1.25]).toString()).toBe('tensor([0.5000, 1.2500])');
    expect(torch.tensor([1, 2], { dtype: 'int64' }).toString()).toBe('tensor([1, 2])');
    expect(torch.tensor([1, 2], { dtype: 'float64' }).toString()).toBe('tensor([1., 2.], dtype=torch.float64)');
    expect(torch.tensor([true, false]).toString()).toBe('tensor([ True, False])');
    expect(torch.tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(torch.ones([2], { requiresGrad: true }).toString()).toBe('tensor([1., 1.], requires_grad=True)');
    expect(torch.tensor(2.5).toString()).toBe('tensor(2.5000)');
    expect(torch.arange(8).float().reshape(2, 2, 2).toString()).toBe('tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])');
    expect(torch.zeros([0, 3]).toString()).toBe('tensor([], size=(0, 3))');
    expect(torch.tensor([[0.5, -1.25], [3, 4]]).toString()).toBe('tensor([[ 0.5000, -1.2500],\n        [ 3.0000,  4.0000]])');
    expect(torch.arange(2000).toString()).toBe('tensor([   0,    1,    2,  ..., 1997, 1998, 1999])');
  });
});
