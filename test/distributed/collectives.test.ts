// Collectives over 3 Gloo ranks (separate processes on loopback) against values worked out by
// hand: rank r contributes [r + 1, 2(r + 1)].
import { describe, expect, it } from 'vitest';
import { jsonLines, runRanks } from './helpers';

describe('collectives over 3 processes', () => {
  it('all-reduce (every op), broadcast, all-gather, reduce-scatter and barrier give the values computed by hand', async () => {
    const results = await runRanks('collectives.js', 3);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const outs = results.map((r) => jsonLines(r.stdout)[0]);
    for (const [rank, o] of outs.entries()) {
      expect(o.rank).toBe(rank);
      expect(o.world).toBe(3);
      expect(o.sum).toEqual([6, 12]);                   // 1+2+3, 2+4+6
      expect(o.avg).toEqual([2, 4]);
      expect(o.product).toEqual([6, 48]);               // 1·2·3, 2·4·6
      expect(o.min).toEqual([1, 2]);
      expect(o.max).toEqual([3, 6]);
      expect(o.int64).toEqual([3, 300]);                // 0+1+2, 3 × 100
      expect(o.transposed).toEqual([6, 12, 18, 24]);    // [[1,2],[3,4]] × (1+2+3), written back through the view
      expect(o.broadcast).toEqual([20, 21]);            // rank 2's [20, 21]
      expect(o.allGather).toEqual([[0, 0], [1, -1], [2, -2]]);  // JSON writes -0 as 0
      // Rank r receives sum over ranks q of (10q + r) = 30 + 3r, and the max 20 + r.
      expect(o.reduceScatter).toEqual([30 + 3 * rank, 30 + 3 * rank]);
      expect(o.reduceScatterMax).toEqual([20 + rank, 20 + rank]);
    }
  }, 120_000);
});
