// node-peft: LoRA fine-tuning of language models from Node.js, on libtorch.
export { Tensor } from './tensor';
export type { Scalar, Operand, NestedArray } from './tensor';
export { TorchError, DisposedError } from './errors';
export { DTYPES } from './dtype';
export type { DType, Device, TypedArray } from './dtype';
export * from './creation';
export { tidy, keep, noGrad, enableGrad, inferenceMode, isGradEnabled } from './scope';
export { setNumThreads, getNumThreads, manualSeed, cuda, liveTensorCount, versions, memoryStats, emptyCache } from './runtime';
export type { Versions } from './runtime';
export * as F from './functional';
export * from './tokenizers';
export { Module } from './nn/module';
export type { ModuleTree } from './nn/module';
export * from './models';
export type { GenerationOptions } from './generation/generate';
export * from './peft';
export * from './data';
