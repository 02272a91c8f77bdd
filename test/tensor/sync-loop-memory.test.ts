// Synchronous loops that never yield to the event loop (issue #12, item 6): what they dispose is
// freed at once. Before the fix RSS grew by ~32 KiB per 64x64 matmul step (635 MiB over 20,000
// steps, all of it free but unusable inside glibc's heap) and by ~0.8 KiB per disposed handle.
// Each bound is far below the old growth and far above the noise of V8's own heap.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';

const MiB = 2 ** 20;
const rss = () => process.memoryUsage().rss;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** RSS growth in MiB over `iterations` calls of step, after a warm-up of a tenth as many. */
function growth(iterations: number, step: (i: number) => void): number {
  for (let i = 0; i < iterations / 10; i++) step(i);
  gc();
  const before = rss();
  for (let i = 0; i < iterations; i++) step(i);
  return (rss() - before) / MiB;
}

describe('memory of synchronous loops', () => {
  it('20,000 randn/matmul/dispose steps without yielding keep RSS flat (was +635 MiB)', () => {
    const grew = growth(20_000, () => {
      const x = torch.randn([64, 64]);
      const y = x.matmul(x);
      x.dispose();
      y.dispose();
    });
    expect(grew).toBeLessThan(16);
    expect(torch.memoryStats().allocatedBytes).toBeLessThan(MiB); // small blocks are counted, and were all freed
  });

  it('200,000 handles created and disposed without yielding leave nothing behind (each used to wait for the event loop)', () => {
    const live = torch.liveTensorCount();
    const grew = growth(200_000, () => torch.zeros([4]).dispose());
    expect(torch.liveTensorCount()).toBe(live);
    expect(grew).toBeLessThan(16);
  });

  it('a step that keeps one scalar (a loss history) grows RSS by the scalars kept, not by the tensors freed', () => {
    const history: torch.Tensor[] = [];
    const grew = growth(20_000, () => {
      const x = torch.randn([64, 64]);
      const y = x.matmul(x);
      history.push(y.sum()); // small, long-lived allocations between the freed 16 KiB blocks
      x.dispose();
      y.dispose();
    });
    // ~22,000 kept scalars cost ~1.2 KiB each; the freed blocks used to add 32 KiB per step.
    expect(grew).toBeLessThan(64);
    history.forEach((t) => t.dispose());
  });

  it('500 forwardSync + backward + SGD steps of a tiny BERT keep RSS flat (was +23 MiB)', () => {
    const model = torch.BertForSequenceClassification.fromConfig(new torch.BertConfig({
      vocab_size: 100, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, max_position_embeddings: 32, num_labels: 2,
    }));
    model.train();
    const params = model.namedParameters().map(([, p]) => p);
    const inputIds = torch.randint(0, 100, [4, 16]);
    const labels = torch.tensor([0, 1, 0, 1], { dtype: 'int64' });
    const grew = growth(500, () => torch.tidy(() => {
      model.forwardSync({ inputIds, labels }).loss!.backward();
      torch.noGrad(() => params.forEach((p) => {
        p.sub_(p.grad!.mul(0.01));
        p.zeroGrad();
      }));
    }));
    expect(grew).toBeLessThan(8);
  });
});
