// V8 is told the bytes of each CPU storage once, however many handles view it (issue #12, item
// 2b). Before, each handle reported its view's logical size: zeros([1]).expand([2**58]) asked V8
// to account 2^60 bytes, which napi_adjust_external_memory answers with a fatal check (the whole
// process aborts), and every view or re-fetched parameter counted its storage again.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { native } from '../../lib/binding';

const external = () => native.externalMemory();
const MiB = 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc!;
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** V8's counter is shared with Node itself: allow it a little drift of its own. */
function expectGrowth(before: number, bytes: number): void {
  expect(Math.abs(external() - before - bytes), `external memory grew by ${external() - before}, expected ${bytes}`).toBeLessThan(1024);
}

describe('external memory reported to V8', () => {
  it('zeros([1]).expand([2**58]) counts as its 4-byte storage (was a fatal V8 check)', () => {
    const before = external();
    const one = torch.zeros([1]);
    const huge = one.expand([2 ** 58]);
    expect(huge.shape).toEqual([2 ** 58]);
    expectGrowth(before, 4);
    huge.dispose();
    one.dispose();
    expectGrowth(before, 0);
  });

  it('views of one storage count once, and the bytes go with the last handle, whichever it is', () => {
    const before = external();
    const w = torch.zeros([1024, 1024]);
    expectGrowth(before, 4 * MiB);
    const views = [w.transpose(0, 1), w.view([-1]), w.expand([4, 1024, 1024]), w.narrow(0, 0, 10), w.detach()];
    expectGrowth(before, 4 * MiB);
    w.dispose(); // the first handle goes; the views still hold the storage
    expectGrowth(before, 4 * MiB);
    views.slice(1).forEach((v) => v.dispose());
    expectGrowth(before, 4 * MiB);
    views[0].dispose();
    expectGrowth(before, 0);
  });

  it("a model's parameters, handed out again by every namedParameters(), are counted once", () => {
    const model = torch.BertModel.fromConfig(new torch.BertConfig({ vocab_size: 1000, hidden_size: 64, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 128, max_position_embeddings: 32 }));
    const before = external();
    const first = model.namedParameters();
    const bytes = first.reduce((sum, [, p]) => sum + p.numel * 4, 0);
    expectGrowth(before, bytes);
    const again = [model.namedParameters(), model.namedParameters(), [...model.stateDict()]];
    expectGrowth(before, bytes);
    [first, ...again].flat().forEach(([, p]) => p.dispose());
    expectGrowth(before, 0);
  });

  it('handles left to the garbage collector take their storage back from V8 when finalized', async () => {
    gc();
    await settle(); // earlier tests' garbage goes first
    const before = external();
    (() => {
      const w = torch.zeros([256, 1024]);
      for (let i = 0; i < 10; i++) w.view([-1]); // handles never disposed
    })();
    expectGrowth(before, MiB);
    gc();
    await settle(); // Node runs N-API finalizers from the event loop
    expect(external() - before).toBeLessThan(64 * 1024); // (the collection may free V8's own external bytes too)
  });

  it('dispose() twice is harmless; a disposed tensor refuses use', () => {
    const t = torch.ones([3]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.sum()).toThrow(torch.DisposedError);
  });
});
