// Sharding under a process group: DistributedSampler's orders equal torch 1.13's (printed by
// torch.utils.data.DistributedSampler with the same seeds), ShardSampler's and
// IterableDatasetShard's rounds as transformers cuts them.
import { describe, expect, it } from 'vitest';
import { shardStream } from '../../lib/train/batches';
import { DistributedSampler, distributedIndices, ShardSampler } from '../../lib/train/sampler';

describe('DistributedSampler', () => {
  it('gives the shards torch 1.13 gives, epoch after epoch (randperm seeded with seed + epoch)', () => {
    // torch: DistributedSampler(range(10), num_replicas=3, rank=r, seed=42); set_epoch(0), set_epoch(1)
    const expected = [[[2, 8, 0, 7], [8, 0, 6, 3]], [[6, 4, 9, 2], [4, 5, 7, 8]], [[1, 5, 3, 6], [9, 1, 2, 4]]];
    for (let rank = 0; rank < 3; rank++) {
      const s = new DistributedSampler(10, { worldSize: 3, rank, seed: 42 });
      expect([s.nextEpoch(), s.nextEpoch()]).toEqual(expected[rank]);
      expect(s.numSamples).toBe(4);
    }
  });

  it('pads by repeating from the start, as often as needed, without shuffling too', () => {
    // torch: DistributedSampler(range(7), num_replicas=4, shuffle=False): [0,4] [1,5] [2,6] [3,0]
    expect([0, 1, 2, 3].map((rank) => new DistributedSampler(7, { worldSize: 4, rank, seed: 0, shuffle: false }).nextEpoch())).toEqual([[0, 4], [1, 5], [2, 6], [3, 0]]);
    // torch: DistributedSampler(range(3), num_replicas=8, seed=5): ranks 0..3 get [2] [1] [0] [2]
    expect([0, 1, 2, 3].map((rank) => new DistributedSampler(3, { worldSize: 8, rank, seed: 5 }).nextEpoch())).toEqual([[2], [1], [0], [2]]);
  });

  it('shards are disjoint and together cover the epoch (plus the padding)', () => {
    const order = [5, 3, 9, 0, 1, 8, 2, 7, 6, 4, 10];
    const shards = [0, 1, 2, 3].map((r) => distributedIndices(order, 4, r));
    expect(shards.map((s) => s.length)).toEqual([3, 3, 3, 3]);
    expect(shards.flat().sort((a, b) => a - b)).toEqual([...order, 5].sort((a, b) => a - b));
  });
});

describe('evaluation and stream shards', () => {
  it('ShardSampler gives rank r batches r, r + world, ... of the data in order, padded from the start', () => {
    // 7 rows, batches of 2, 2 ranks: rounds [0 1 | 2 3] [4 5 | 6 0]
    expect(new ShardSampler(7, 2, 2, 0).nextEpoch()).toEqual([0, 1, 4, 5]);
    expect(new ShardSampler(7, 2, 2, 1).nextEpoch()).toEqual([2, 3, 6, 0]);
    expect(new ShardSampler(7, 2, 2, 1).numSamples).toBe(4);
  });

  it('shardStream cuts rounds of world × batch rows and fills the last one from the first round', async () => {
    async function* rows() { for (let i = 0; i < 11; i++) yield { inputIds: [i] }; }
    const take = async (rank: number) => { const out: number[] = []; for await (const r of shardStream(rows(), 2, 2, rank)) out.push(r.inputIds![0]); return out; };
    // rounds of 4: [0 1 | 2 3] [4 5 | 6 7] [8 9 | 10 + 0]
    expect(await take(0)).toEqual([0, 1, 4, 5, 8, 9]);
    expect(await take(1)).toEqual([2, 3, 6, 7, 10, 0]);
  });
});
