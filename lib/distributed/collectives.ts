// torch.distributed's collectives on Tensors, as Promises (issued in call order on every rank,
// waited for off the event loop). allReduce and broadcast work in place, as in PyTorch.
import { native } from '../binding';
import { withCallerStack } from '../errors';
import { handleOf, wrap, type Tensor } from '../tensor';
import { expectInt, expectOneOf, expectOptions, invalid } from '../validate';
import { DistributedError } from './errors';
import { getBackend, getWorldSize } from './process-group';

export type ReduceOp = 'sum' | 'avg' | 'product' | 'min' | 'max';
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'avg', 'product', 'min', 'max'];
const FLOATS = new Set(['float32', 'float64', 'float16', 'bfloat16']);

function checkTensor(name: string, t: unknown): Tensor {
  handleOf(t, name);
  const tensor = t as Tensor;
  if (getBackend() === 'nccl' && !tensor.device.startsWith('cuda')) throw new DistributedError(`${name}: the NCCL backend takes CUDA tensors, this one is on ${tensor.device} (use backend 'gloo' for CPU tensors)`);
  return tensor;
}

function checkOp(name: string, op: unknown, t: Tensor): ReduceOp {
  const o = expectOneOf(`${name}.op`, op ?? 'sum', REDUCE_OPS);
  if (o === 'avg' && !FLOATS.has(t.dtype)) invalid(`${name}.op`, "'avg' on a floating-point tensor", `'avg' on ${t.dtype}`);
  return o;
}

/** [async] Reduces `tensor` over all ranks in place ('avg': the sum divided by the world size); resolves to it. */
export async function allReduce(tensor: Tensor, options: { op?: ReduceOp } = {}): Promise<Tensor> {
  const t = checkTensor('allReduce(tensor)', tensor);
  const op = checkOp('allReduce', expectOptions('allReduce', options, ['op']).op, t);
  wrap(await withCallerStack(native.distAllReduceAsync(handleOf(t), op))).dispose();
  return t;
}

/** [async] Copies rank `src`'s `tensor` into every rank's `tensor`; resolves to it. */
export async function broadcast(tensor: Tensor, options: { src?: number } = {}): Promise<Tensor> {
  const t = checkTensor('broadcast(tensor)', tensor);
  const src = expectInt('broadcast.src', expectOptions('broadcast', options, ['src']).src ?? 0, 0);
  if (src >= getWorldSize()) invalid('broadcast.src', `a rank below the world size ${getWorldSize()}`, src);
  wrap(await withCallerStack(native.distBroadcastAsync(handleOf(t), src))).dispose();
  return t;
}

/** [async] Every rank's `tensor` (same shape and dtype on all), in rank order. */
export async function allGather(tensor: Tensor): Promise<Tensor[]> {
  const t = checkTensor('allGather(tensor)', tensor);
  const stacked = wrap(await withCallerStack(native.distAllGatherAsync(handleOf(t))));
  const parts = Array.from({ length: stacked.shape[0] }, (_, r) => {
    const view = stacked.select(0, r);
    const copy = view.clone();
    view.dispose();
    return copy;
  });
  stacked.dispose();
  return parts;
}

/**
 * [async] inputs[r] of every rank reduced into one tensor on rank r. On Gloo (which has no
 * reduce_scatter in torch 1.13) it runs as an all-reduce of all inputs: same result, more bytes.
 */
export async function reduceScatter(inputs: Tensor[], options: { op?: ReduceOp } = {}): Promise<Tensor> {
  if (!Array.isArray(inputs) || inputs.length !== getWorldSize()) invalid('reduceScatter(inputs)', `an array of ${getWorldSize()} tensors (one per rank)`, inputs);
  const ts = inputs.map((t, i) => checkTensor(`reduceScatter(inputs[${i}])`, t));
  if (ts.some((t) => t.shape.join() !== ts[0].shape.join() || t.dtype !== ts[0].dtype)) invalid('reduceScatter(inputs)', 'tensors of one shape and dtype', ts.map((t) => `${t.dtype}[${t.shape}]`));
  const op = checkOp('reduceScatter', expectOptions('reduceScatter', options, ['op']).op, ts[0]);
  return wrap(await withCallerStack(native.distReduceScatterAsync(ts.map((t) => handleOf(t)), op)));
}
