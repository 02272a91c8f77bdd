// Putting back together what the ranks evaluated in ShardSampler order (rank r had batches r,
// r + worldSize, ...): transformers' per-step _nested_gather, done once at the end. Shapes past
// the first dimension may differ between ranks (sequence lengths); they are padded first.
import { cat, full, tensor } from '../creation';
import { noGrad } from '../scope';
import type { Tensor } from '../tensor';
import { allGather, allReduce } from './collectives';

/** [async] `local` padded with `padValue` along dims >= 1 to the largest size any rank has. */
async function padToCommonShape(local: Tensor, padValue: number): Promise<Tensor> {
  if (local.shape.length < 2) return local.clone();  // the same rank on every rank (one model)
  const dims = tensor(local.shape.slice(1), { dtype: 'int64' });
  await allReduce(dims, { op: 'max' });
  const target = [local.shape[0], ...(Array.from(dims.toTypedArray() as BigInt64Array, Number))];
  dims.dispose();
  if (target.every((d, i) => d === local.shape[i])) return local.clone();
  const out = full(target, padValue, { dtype: local.dtype });
  noGrad(() => {
    let view = out;
    const views: Tensor[] = [];
    local.shape.forEach((d, i) => {
      if (i > 0) views.push((view = view.narrow(i, 0, d)));
    });
    view.copy_(local);
    views.forEach((v) => v.dispose());
  });
  return out;
}

/**
 * [async] Every rank's `local` rows (batches of batchSize in ShardSampler order) in the data's
 * order, the padding rows at the end dropped: the first `n` rows.
 */
export async function gatherShardedRows(local: Tensor, batchSize: number, n: number, padValue = -100): Promise<Tensor> {
  const padded = await padToCommonShape(local, padValue);
  const parts = await allGather(padded);
  padded.dispose();
  const rounds = Math.ceil(local.shape[0] / batchSize);
  const pieces: Tensor[] = [];
  for (let k = 0; k < rounds; k++) {
    for (const p of parts) pieces.push(p.narrow(0, k * batchSize, Math.min(batchSize, p.shape[0] - k * batchSize)));
  }
  const all = cat(pieces, 0);
  [...pieces, ...parts].forEach((t) => t.dispose());
  const out = all.narrow(0, 0, Math.min(n, all.shape[0])).clone();
  all.dispose();
  return out;
}
