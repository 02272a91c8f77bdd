import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { F } from '../../lib';

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('native errors become TorchError with the caller in the stack', () => {
  it('shape mismatch', () => {
    const err = caught(() => torch.ones([2, 3]).matmul(torch.ones([2, 3])));
    expect(err).toBeInstanceOf(torch.TorchError);
    expect(err.message).toMatch(/2x3 and 2x3/);
    expect(err.stack).toMatch(/errors\.test\.ts/);
    expect(err.stack).not.toMatch(/Exception raised from/);
  });

  it('broadcast mismatch', () => {
    expect(() => torch.ones([2, 3]).add(torch.ones([4]))).toThrow(/size of tensor a \(3\) must match the size of tensor b \(4\)/);
  });

  it('bad dtype for an op', () => {
    expect(() => F.crossEntropy(torch.ones([2, 3]), torch.ones([2]))).toThrow(torch.TorchError);
    expect(() => F.embedding(torch.ones([2]), torch.ones([4, 2]))).toThrow(/Long, Int/);
  });

  it('out-of-range index and dim', () => {
    expect(() => torch.arange(3).select(0, 5)).toThrow(/out of range|index 5/);
    expect(() => torch.arange(3).sum(2)).toThrow(/Dimension out of range/);
    expect(() => F.embedding(torch.tensor([7n]), torch.ones([4, 2]))).toThrow(/index out of range/);
    expect(() => torch.arange(3).indexSelect(0, torch.tensor([9n]))).toThrow(torch.TorchError);
  });

  it('view of a non-contiguous tensor', () => {
    expect(() => torch.ones([2, 3]).T.view(6)).toThrow(/view size is not compatible/);
  });

  it('disposed tensors throw DisposedError, in TS and at the native boundary', () => {
    const a = torch.ones([2]);
    a.dispose();
    expect(a.isDisposed).toBe(true);
    expect(() => a.add(1)).toThrow(torch.DisposedError);
    expect(() => torch.ones([2]).add(a)).toThrow(torch.DisposedError);
    expect(() => a.shape).toThrow(/disposed/);
    expect(String(a)).toBe('tensor(<disposed>)');
    a.dispose();
  });

  it('item() of a many-element tensor, and cuda on a CPU-only build', () => {
    expect(() => torch.ones([3]).item()).toThrow(/3 elements/);
    if (!torch.cuda.isAvailable()) expect(() => torch.ones([1]).to('cuda')).toThrow(torch.TorchError);
  });

  it('async failures reject with TorchError and the caller in the stack', async () => {
    const err = await torch.matmulAsync(torch.ones([2, 3]), torch.ones([2, 3])).catch((e: Error) => e);
    expect(err).toBeInstanceOf(torch.TorchError);
    expect((err as Error).message).toMatch(/2x3 and 2x3/);
    expect((err as Error).stack).toMatch(/errors\.test\.ts/);
  });

  it('wrong argument types are TypeErrors naming the argument', () => {
    expect(() => torch.ones([2]).add('x' as never)).toThrow(/add\(other\): expected a Tensor, number or boolean, received "x"/);
    expect(() => torch.ones([2]).sum(0.5)).toThrow(/sum\(dim\): expected an integer, received 0.5/);
    expect(() => torch.ones([2]).to('float8' as never)).toThrow(/to\(dtype\)/);
    expect(() => F.dropout(torch.ones([2]), 2)).toThrow(/dropout\(p\)/);
  });
});
