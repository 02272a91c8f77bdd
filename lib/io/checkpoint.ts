// What every checkpoint reader shares: the options, the result type, and turning the addon's
// parallel arrays into a Map of Tensors.
import type { NativeStateDict } from '../binding';
import { checkDevice, checkDtype, type Device, type DType } from '../dtype';
import { Tensor, wrap } from '../tensor';
import { expectBool, expectOptions, invalid } from '../validate';

export interface CheckpointOptions {
  /** Cast floating-point tensors to this dtype (integer and bool tensors keep theirs, as in transformers). */
  dtype?: DType;
  /** Move tensors to this device. */
  device?: Device;
  /**
   * Zero-copy: CPU tensors are views of the memory-mapped file instead of owning a copy of their
   * bytes (default false). Loading is then instant and costs no memory of its own, but the
   * tensors follow the file: truncating it kills the process (SIGBUS) at the next read, and
   * rewriting it in place changes them. Only for files nothing will touch while the tensors live.
   */
  mmap?: boolean;
}

/** A loaded checkpoint: tensors in file order, and the safetensors `__metadata__` ({} for .bin). */
export interface Checkpoint {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export function checkPath(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) invalid(name, 'a file path', value);
  return value;
}

export function checkLoadOptions(name: string, options: CheckpointOptions | undefined): { dtype: DType | null; device: Device | null; mmap: boolean } {
  const o = expectOptions(name, options, ['dtype', 'device', 'mmap']);
  return {
    dtype: o.dtype === undefined ? null : checkDtype(`${name}(dtype)`, o.dtype),
    device: o.device === undefined ? null : checkDevice(`${name}(device)`, o.device),
    mmap: o.mmap === undefined ? false : expectBool(`${name}(mmap)`, o.mmap),
  };
}

export function toCheckpoint(raw: NativeStateDict): Checkpoint {
  const tensors = new Map<string, Tensor>();
  raw.keys.forEach((key, i) => tensors.set(key, wrap(raw.tensors[i])));
  return { tensors, metadata: raw.metadata };
}

/** Frees every tensor of a checkpoint now (they are otherwise freed by the garbage collector). */
export function disposeCheckpoint(checkpoint: Checkpoint): void {
  for (const t of checkpoint.tensors.values()) t.dispose();
}
