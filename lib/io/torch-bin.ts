// pytorch_model.bin (torch.save's zip format), read by a restricted unpickler that accepts state
// dicts only: no code in the file is ever run, and any other pickled object is refused by name.
import { native } from '../binding';
import { withCallerStack } from '../errors';
import { checkLoadOptions, checkPath, toCheckpoint, type Checkpoint, type CheckpointOptions } from './checkpoint';

/**
 * [async] Loads a state dict saved by torch.save (torch >= 1.6). Every zip entry read is checked
 * against its CRC-32. Tensors own their memory unless {mmap: true}. Metadata is always {}.
 */
export async function loadTorchBin(path: string, options?: CheckpointOptions): Promise<Checkpoint> {
  const o = checkLoadOptions('loadTorchBin', options);
  return toCheckpoint(await withCallerStack(native.loadTorchBin(checkPath('loadTorchBin(path)', path), o.dtype, o.device, o.mmap)));
}

/** [sync] loadTorchBin() on the calling thread. */
export function loadTorchBinSync(path: string, options?: CheckpointOptions): Checkpoint {
  const o = checkLoadOptions('loadTorchBinSync', options);
  return toCheckpoint(native.loadTorchBinSync(checkPath('loadTorchBinSync(path)', path), o.dtype, o.device, o.mmap));
}
