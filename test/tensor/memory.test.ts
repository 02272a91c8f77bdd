import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

describe('native memory', () => {
  it('dispose() and `using` free tensors at once', () => {
    const before = torch.liveTensorCount();
    const a = torch.zeros([1000]);
    expect(torch.liveTensorCount()).toBe(before + 1);
    a.dispose();
    expect(torch.liveTensorCount()).toBe(before);
    {
      using b = torch.ones([10]);
      using s = b.sum();
      expect(s.item()).toBe(10);
    }
    expect(torch.liveTensorCount()).toBe(before);
  });

  it('tidy() disposes intermediates and keeps what it returns', () => {
    const before = torch.liveTensorCount();
    const x = torch.ones([4]);
    const { y, kept } = torch.tidy(() => {
      const a = x.mul(2);
      const b = a.add(1);
      const k = torch.keep(b.mul(0));
      return { y: b.sum(), kept: [k] };
    });
    expect(y.item()).toBe(12);
    expect(kept[0].isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
    expect(torch.liveTensorCount()).toBe(before + 3);
  });

  it('10,000 ops in a loop keep RSS flat (tidy)', () => {
    const w = torch.randn([256, 256]);
    const step = () => torch.tidy(() => w.matmul(w).relu().sum().item());
    for (let i = 0; i < 500; i++) step();
    const baseline = rssMiB();
    const live = torch.liveTensorCount();
    for (let i = 0; i < 2500; i++) step(); // 4 ops each
    expect(torch.liveTensorCount()).toBe(live);
    // 10,000 results of 256 KiB each would be 2.5 GiB if any leaked.
    expect(rssMiB() - baseline).toBeLessThan(64);
  });

  it('tensors left to the garbage collector are freed once the event loop turns', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest runs with --expose-gc').toBeTypeOf('function');
    const live = torch.liveTensorCount();
    (() => {
      for (let i = 0; i < 200; i++) torch.zeros([1024, 256]); // 1 MiB each, never disposed
    })();
    expect(torch.liveTensorCount()).toBeGreaterThanOrEqual(live + 200);
    gc!();
    // Node runs N-API finalizers from the event loop, after the collection.
    await new Promise((resolve) => setImmediate(resolve));
    expect(torch.liveTensorCount()).toBeLessThan(live + 20);
  });

  it('V8 is told the native bytes: an async loop that never disposes stays bounded', async () => {
    const baseline = rssMiB();
    for (let i = 0; i < 2000; i++) {
      torch.zeros([1024, 256]).add(1); // 2 MiB of native memory per iteration, left to GC
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // Without external-memory accounting V8 sees tiny wrappers and would let 4 GiB pile up.
    expect(rssMiB() - baseline).toBeLessThan(1024);
  });
});
