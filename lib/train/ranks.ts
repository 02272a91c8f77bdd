// What the training loop exchanges between ranks under a process group: the logged loss
// (transformers logs the mean over ranks) and, at a checkpoint, every rank's RNG state and
// running loss, so that rank 0 can write them all and each rank resumes its own.
import { native } from '../binding';
import { tensor } from '../creation';
import { allGather, allReduce } from '../distributed/collectives';
import { getWorldSize } from '../distributed/process-group';
import { wrap, type Tensor } from '../tensor';

/** [async] The mean of `value` over the ranks, in float32 as transformers' gathered tr_loss.mean(). */
export async function meanOverRanks(value: number): Promise<number> {
  const t = tensor([value], { dtype: 'float32' });
  await allReduce(t, { op: 'sum' });
  const sum = t.item() as number;
  t.dispose();
  return Math.fround(sum / getWorldSize());
}

export interface RankState {
  /** Each rank's CPU generator state, by rank. */
  rngStates: Tensor[];
  /** Each rank's loss accumulated since the last log, by rank. */
  trLosses: number[];
}

/** [async] Every rank's RNG state and running loss (all ranks call it at the same checkpoint). */
export async function gatherRankState(trLoss: number): Promise<RankState> {
  const rng = wrap(native.rngGetState(null));
  const rngStates = await allGather(rng);
  rng.dispose();
  const loss = tensor([trLoss], { dtype: 'float64' });
  const losses = await allGather(loss);
  loss.dispose();
  const trLosses = losses.map((t) => {
    const v = t.item() as number;
    t.dispose();
    return v;
  });
  return { rngStates, trLosses };
}
