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

export function versions(): { nodePeft: string; libtorch: string; mkldnn: boolean; openblasCoretype: string | null; parallel: string } {
  const v = native.versions();
  return { nodePeft: native.addonVersion, libtorch: v.libtorch, mkldnn: v.mkldnn, openblasCoretype: blasSetup.coretype, parallel: v.parallel };
}
