// Process-wide settings: threads, seeds, devices and versions.
import { blasSetup, native } from './binding';
import { expectInt } from './validate';

/** Intra-op threads libtorch uses (node-peft starts with one per available core). */
export function setNumThreads(n: number): void {
  native.setNumThreads(expectInt('setNumThreads(n)', n, 1));
}
export const getNumThreads = (): number => native.getNumThreads();

/** Seeds libtorch's generators (CPU and CUDA) so that randn, dropout, init are reproducible. */
export function manualSeed(seed: number): void {
  native.manualSeed(expectInt('manualSeed(seed)', seed, 0));
}

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
};

/** Tensors alive in native memory (not yet disposed or collected); for leak tests. */
export const liveTensorCount = (): number => native.liveTensorCount();

export interface Versions {
  nodePeft: string;
  libtorch: string;
  mkldnn: boolean;
  /** The kernel OpenBLAS runs (null when libtorch uses another BLAS). */
  openblasCore: string | null;
  openblasThreads: number | null;
  /** Why node-peft set or left OPENBLAS_CORETYPE, and what it was before. */
  openblasSetup: { coretype: string | null; original: string | null; reason: string };
  parallel: string;
}

export function versions(): Versions {
  const v = native.versions();
  return { nodePeft: native.addonVersion, ...v, openblasSetup: { ...blasSetup } };
}

/**
 * Native CPU memory: bytes held by live tensors of 64 KiB and more, and bytes of freed blocks
 * kept for reuse (at most NODE_PEFT_CPU_CACHE_MB, default 2048).
 */
export const memoryStats = (): { allocatedBytes: number; cachedBytes: number } => native.memoryStats();
/** Returns cached CPU blocks to the OS. */
export const emptyCache = (): void => native.emptyCache();
