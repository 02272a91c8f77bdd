// Distributed data parallel for the Trainer (torch's DistributedDataParallel): the module's
// parameters and buffers broadcast from rank 0 once, then the trainable parameters' gradients
// averaged over the ranks inside each training step, in buckets launched during the backward
// (native/distributed/grad_sync.cc). With LoRA only the adapters' gradients cross the wire.
import { native, type NativeGradSync } from '../binding';
import { withCallerStack } from '../errors';
import { handleOf, type Tensor } from '../tensor';
import { getWorldSize } from './process-group';

export interface DataParallelOptions {
  /** torch's bucket_cap_mb: the size of the later gradient buckets, in MiB. Default 25. */
  bucketCapMb?: number;
  /** The first bucket's size (torch: 1 MiB), small so the first all-reduce starts early. */
  firstBucketCapMb?: number;
}

export class DistributedDataParallel {
  #handle: NativeGradSync | null;
  readonly worldSize: number;
  /** Bytes each rank all-reduces per optimizer step (the trainable gradients plus a 1-element flag). */
  readonly bytesPerStep: number;
  readonly buckets: number;

  private constructor(handle: NativeGradSync, worldSize: number) {
    this.#handle = handle;
    this.worldSize = worldSize;
    const info = native.gradSyncInfo(handle);
    this.bytesPerStep = info.bytesPerSync;
    this.buckets = info.buckets;
  }

  /**
   * [async] Broadcasts `states` (every parameter and buffer) from rank 0 and hooks the gradients
   * of `trainable`. Every rank must call it with the same tensors in the same order.
   */
  static async create(states: Tensor[], trainable: Tensor[], options: DataParallelOptions = {}): Promise<DistributedDataParallel> {
    const worldSize = getWorldSize();
    await syncModuleStates(states);
    const mib = (x: number) => Math.round(x * 1024 * 1024);
    const handle = native.gradSyncCreate(trainable.map((t) => handleOf(t, 'a trainable parameter')), mib(options.bucketCapMb ?? 25), mib(options.firstBucketCapMb ?? 1));
    return new DistributedDataParallel(handle, worldSize);
  }

  /** The native handle the training step takes (null after dispose). */
  get handle(): NativeGradSync | null { return this.#handle; }

  /** Removes the gradient hooks; the model trains locally again. */
  dispose(): void {
    if (this.#handle) native.gradSyncDispose(this.#handle);
    this.#handle = null;
  }

  [Symbol.dispose](): void { this.dispose(); }
}

/** [async] Copies rank 0's values of `tensors` into every rank's (DDP's _sync_module_states). */
export function syncModuleStates(tensors: Tensor[], src = 0): Promise<void> {
  return withCallerStack(native.distBroadcastTensorsAsync(tensors.map((t) => handleOf(t)), src));
}
