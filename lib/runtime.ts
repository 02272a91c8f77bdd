// Process-wide settings: threads, seeds, devices and versions.
import os from 'os';
import { blasSetup, native } from './binding';
import { invalid } from './validate';

/**
 * The most intra-op threads setNumThreads accepts: 4 per available core. More only oversubscribe
 * the cores, and OpenMP starts every one of them (1e5 threads took minutes to create).
 */
export const maxNumThreads = (): number => 4 * Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/** Intra-op threads libtorch uses (node-peft starts with one per available core). */
export function setNumThreads(n: number): void {
  const max = maxNumThreads();
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    invalid('setNumThreads(n)', `an integer in [1, ${max}] (4 x the ${max / 4} available cores)`, n);
  }
  native.setNumThreads(n);
}
export const getNumThreads = (): number => native.getNumThreads();

/**
 * Seeds libtorch's generators (CPU and CUDA) so that randn, dropout, init are reproducible.
 * PyTorch's manual_seed takes 0 .. 2^64 - 1 (and maps negative seeds onto that range); a JS
 * number holds integers exactly only up to 2^53 - 1, so larger seeds (2 ** 64 among them) would
 * silently become other seeds and are refused, as are negative ones.
 */
export function manualSeed(seed: number | bigint): void {
  native.manualSeed(checkSeed('manualSeed(seed)', seed));
}

/** A seed manualSeed accepts, as a number; `name` is what errors call it. */
export function checkSeed(name: string, seed: unknown): number {
  const value = typeof seed === 'bigint' ? Number(seed) : seed;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(name, 'an integer in [0, 2^53 - 1] (Number.MAX_SAFE_INTEGER)', seed);
  }
  return value;
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
