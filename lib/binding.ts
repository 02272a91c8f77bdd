// The one place that touches the raw addon: its typed contract, and loading it with clear
// errors. Everything else imports `native` from here.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BusyError, TorchError } from './errors';
import { checkLibtorch, explainLoadFailure } from './prebuild';
import type { DType } from './dtype';

/** An at::Tensor owned by the addon; freed by dispose() or by GC. */
export interface NativeTensor {
  dispose(): void;
  isDisposed(): boolean;
}
type T = NativeTensor;
/** A module (sub)tree owned by the addon. */
export interface NativeModule {
  readonly __module: unique symbol;
}
type M = NativeModule;
type Opt<X> = X | null | undefined;
type Scalar = number | boolean;

export interface TensorMeta {
  shape: number[];
  dtype: DType;
  device: string;
  requiresGrad: boolean;
  isLeaf: boolean;
}

/** A checkpoint as the addon returns it: parallel arrays keep the file's key order. */
export interface NativeStateDict {
  keys: string[];
  tensors: T[];
  metadata: Record<string, string>;
}

export interface NativeSafetensorsHeader {
  entries: { name: string; dtype: DType; shape: number[]; dataOffsets: [number, number] }[];
  metadata: Record<string, string>;
  dataStart: number;
}

export interface Binding {
  addonVersion: string;
  setErrorClass(ctor: new (message: string) => Error, busy?: new (message: string) => Error): void;
  // reading
  meta(t: T): TensorMeta;
  numel(t: T): number;
  data(t: T): ArrayBuffer;
  item(t: T): number | boolean;
  liveTensorCount(): number;
  /** V8's external-memory count (napi_adjust_external_memory), which tensor handles adjust. */
  externalMemory(): number;
  // creation
  fromBuffer(data: ArrayBufferView, shape: number[], srcDtype: DType, dtype?: Opt<DType>, device?: Opt<string>): T;
  zeros(shape: number[], dtype?: Opt<DType>, device?: Opt<string>): T;
  ones(shape: number[], dtype?: Opt<DType>, device?: Opt<string>): T;
  empty(shape: number[], dtype?: Opt<DType>, device?: Opt<string>): T;
  randn(shape: number[], dtype?: Opt<DType>, device?: Opt<string>): T;
  rand(shape: number[], dtype?: Opt<DType>, device?: Opt<string>): T;
  full(shape: number[], value: Scalar, dtype?: Opt<DType>, device?: Opt<string>): T;
  arange(start: number, end: number, step: number, dtype?: Opt<DType>, device?: Opt<string>): T;
  randint(low: number, high: number, shape: number[], dtype?: Opt<DType>, device?: Opt<string>): T;
  eye(n: number, m?: Opt<number>, dtype?: Opt<DType>, device?: Opt<string>): T;
  // elementwise
  neg(t: T): T; sqrt(t: T): T; rsqrt(t: T): T; exp(t: T): T; log(t: T): T; abs(t: T): T;
  relu(t: T): T; tanh(t: T): T; sigmoid(t: T): T; contiguous(t: T): T; clone(t: T): T; detach(t: T): T;
  add(a: T, b: T | Scalar): T; sub(a: T, b: T | Scalar): T; mul(a: T, b: T | Scalar): T;
  div(a: T, b: T | Scalar): T; pow(a: T, b: T | Scalar): T;
  eq(a: T, b: T | Scalar): T; ne(a: T, b: T | Scalar): T; lt(a: T, b: T | Scalar): T;
  le(a: T, b: T | Scalar): T; gt(a: T, b: T | Scalar): T; ge(a: T, b: T | Scalar): T;
  add_(a: T, b: T | Scalar): void; sub_(a: T, b: T | Scalar): void; mul_(a: T, b: T | Scalar): void;
  div_(a: T, b: T | Scalar): void; copy_(a: T, b: T | Scalar): void;
  maximum(a: T, b: T): T; minimum(a: T, b: T): T; matmul(a: T, b: T): T; bmm(a: T, b: T): T;
  clamp(t: T, min: Opt<number>, max: Opt<number>): T;
  // reductions
  sum(t: T, dims: Opt<number[]>, keepdim: boolean): T;
  mean(t: T, dims: Opt<number[]>, keepdim: boolean): T;
  max(t: T, dim: Opt<number>, keepdim: boolean): T | [T, T];
  min(t: T, dim: Opt<number>, keepdim: boolean): T | [T, T];
  argmax(t: T, dim: Opt<number>, keepdim: boolean): T;
  argmin(t: T, dim: Opt<number>, keepdim: boolean): T;
  softmax(t: T, dim: number): T;
  logSoftmax(t: T, dim: number): T;
  // shape
  reshape(t: T, shape: number[]): T; view(t: T, shape: number[]): T; permute(t: T, dims: number[]): T;
  transpose(t: T, d0: number, d1: number): T; squeeze(t: T, dim: Opt<number>): T; unsqueeze(t: T, dim: number): T;
  expand(t: T, shape: number[]): T; flatten(t: T, start: number, end: number): T;
  cat(ts: T[], dim: number): T; stack(ts: T[], dim: number): T;
  split(t: T, size: number | number[], dim: number): T[]; chunk(t: T, chunks: number, dim: number): T[];
  narrow(t: T, dim: number, start: number, length: number): T; select(t: T, dim: number, index: number): T;
  indexSelect(t: T, dim: number, index: T): T; gather(t: T, dim: number, index: T): T;
  maskedFill(t: T, mask: T, value: Scalar): T; where(cond: T, a: T | Scalar, b: T | Scalar): T;
  topk(t: T, k: number, dim: number, largest: boolean): [T, T];
  sort(t: T, dim: number, descending: boolean): [T, T];
  cumsum(t: T, dim: number): T;
  multinomial(probs: T, numSamples: number, replacement: boolean): T;
  scatter(t: T, dim: number, index: T, src: T | Scalar): T;
  // nn
  linear(x: T, weight: T, bias: Opt<T>): T;
  embedding(weight: T, indices: T, paddingIdx: Opt<number>): T;
  layerNorm(x: T, shape: number[], weight: Opt<T>, bias: Opt<T>, eps: number): T;
  gelu(t: T, approximate: 'none' | 'tanh'): T;
  dropout(t: T, p: number, train: boolean): T;
  crossEntropy(input: T, target: T, weight: Opt<T>, reduction: string, ignoreIndex: number, labelSmoothing: number): T;
  mseLoss(input: T, target: T, reduction: string): T;
  bceWithLogits(input: T, target: T, reduction: string): T;
  to(t: T, dtype: Opt<DType>, device: Opt<string>): T;
  // runtime and autograd
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  versions(): { libtorch: string; parallel: string; mkldnn: boolean; openblasCore: string | null; openblasThreads: number | null };
  emptyCache(): void;
  memoryStats(): { allocatedBytes: number; cachedBytes: number };
  setGradEnabled(enabled: boolean): void;
  isGradEnabled(): boolean;
  enterInferenceMode(): void;
  exitInferenceMode(): void;
  isInferenceMode(): boolean;
  setRequiresGrad(t: T, value: boolean): void;
  grad(t: T): T | null;
  setGrad(t: T, grad: T | null): void;
  backward(t: T, gradient: Opt<T>, retainGraph: boolean): void;
  backwardAsync(t: T, gradient: Opt<T>, retainGraph: boolean): Promise<void>;
  matmulAsync(a: T, b: T): Promise<T>;
  // checkpoint files (native/io)
  loadSafetensors(path: string, dtype: Opt<DType>, device: Opt<string>): Promise<NativeStateDict>;
  loadSafetensorsSync(path: string, dtype: Opt<DType>, device: Opt<string>): NativeStateDict;
  readSafetensorsHeader(path: string): NativeSafetensorsHeader;
  saveSafetensors(path: string, keys: string[], tensors: T[], metadata: Record<string, string>): Promise<void>;
  saveSafetensorsSync(path: string, keys: string[], tensors: T[], metadata: Record<string, string>): void;
  loadTorchBin(path: string, dtype: Opt<DType>, device: Opt<string>): Promise<NativeStateDict>;
  loadTorchBinSync(path: string, dtype: Opt<DType>, device: Opt<string>): NativeStateDict;
  // ... with mmap: tensors view the memory-mapped file instead of owning copies (the default)
  loadSafetensors(path: string, dtype: Opt<DType>, device: Opt<string>, mmap: boolean): Promise<NativeStateDict>;
  loadSafetensorsSync(path: string, dtype: Opt<DType>, device: Opt<string>, mmap: boolean): NativeStateDict;
  loadTorchBin(path: string, dtype: Opt<DType>, device: Opt<string>, mmap: boolean): Promise<NativeStateDict>;
  loadTorchBinSync(path: string, dtype: Opt<DType>, device: Opt<string>, mmap: boolean): NativeStateDict;
  /** renameat2(RENAME_EXCHANGE); false where the kernel or file system cannot exchange. */
  exchangePaths(a: string, b: string): boolean;
  // modules
  moduleNamedParameters(m: M, removeDuplicate?: boolean): [string, T][];
  moduleNamedBuffers(m: M): [string, T][];
  moduleChildNames(m: M): string[];
  moduleNamedModules(m: M): [string, string][];
  moduleGetSubmodule(m: M, path: string): M;
  moduleRepr(m: M): string;
  moduleType(m: M): string;
  moduleTrain(m: M, on: boolean): void;
  moduleIsTraining(m: M): boolean;
  moduleRequiresGrad(m: M, on: boolean): void;
  moduleLoadParameters(m: M, weights: Record<string, T>, initStd: number): string[];
  /** Throws BusyError while async work is in flight on the model (a change made from JS follows). */
  moduleCheckIdle(m: M, operation: string): void;
  moduleIsIdle(m: M): boolean;
  /** A shared hold on the model across several async calls (a whole generate()); see moduleRelease. */
  moduleHold(m: M, operation: string): NativeLease;
  moduleRelease(lease: NativeLease): void;
  // models
  createModel(family: 'bert' | 'opt', head: string, config: Record<string, unknown>, dtype?: Opt<DType>, device?: Opt<string>): M;
  modelForward(m: M, inputs: NativeModelInputs): NativeModelOutputs;
  modelForwardAsync(m: M, inputs: NativeModelInputs): Promise<NativeModelOutputs>;
  moduleTo(m: M, dtype: Opt<DType>, device: Opt<string>): void;
  generationCache(): NativeCache;
  /** [rows, length] of a cache (0, 0 before its first step). */
  generationCacheShape(cache: NativeCache): [number, number];
  /** Keeps the given rows, in order, and drops the first dropLeft time steps; BusyError while a step runs on it. */
  generationCacheSelect(cache: NativeCache, rows: number[], dropLeft: number): void;
  /** Appends other's rows, left-padding the shorter in time; BusyError while a step runs on either. */
  generationCacheAppend(cache: NativeCache, other: NativeCache): void;
  // peft
  loraInject(m: M, path: string, adapter: string, settings: { r: number; alpha: number; dropout: number; useRslora: boolean; init: string; fanInFanOut: boolean }): void;
  modulesToSave(m: M, path: string, adapter: string): void;
  loraSetActive(m: M, adapters: string[]): void;
  loraSetDisabled(m: M, disabled: boolean): void;
  loraMerge(m: M, adapters: string[], safe: boolean): number;
  loraUnmerge(m: M): void;
  loraUnload(m: M, merge: boolean, adapters: string[]): void;
  loraDeleteAdapter(m: M, adapter: string): void;
  loraMergedLayers(m: M): number;
  loraAddWeighted(m: M, target: string, adapters: string[], weights: number[], options: { combinationType: string; density: number | null; majoritySignMethod: string; svdClamp: number | null; svdFullMatrices: boolean }): void;
  peftAdapterNames(m: M): string[];
  peftAdapterMemory(m: M, adapter: string): number;
  generationStepAsync(m: M, cache: NativeCache, inputIds: T, attentionMask: T, adapterNames?: string[] | null): Promise<T>;
  // random number generators (native/random.cc)
  generatorCreate(seed: number | null): NativeGenerator;
  generatorRandperm(g: NativeGenerator, n: number): T;
  rngGetState(g: NativeGenerator | null): T;
  rngSetState(g: NativeGenerator | null, state: T): void;
  drawGlobalSeed(): string;
  // optimizers, schedules, clipping (native/optim)
  optimizerCreate(kind: 'adamw' | 'sgd', groups: NativeParamGroup[]): NativeOptimizer;
  optimizerStep(o: NativeOptimizer): void;
  optimizerStepAsync(o: NativeOptimizer): Promise<void>;
  optimizerZeroGrad(o: NativeOptimizer, setToNone: boolean): void;
  optimizerDispose(o: NativeOptimizer): void;
  optimizerGetLr(o: NativeOptimizer): number[];
  optimizerSetLr(o: NativeOptimizer, group: number, lr: number): void;
  optimizerState(o: NativeOptimizer): { keys: string[]; tensors: T[] };
  optimizerLoadState(o: NativeOptimizer, keys: string[], tensors: T[]): void;
  schedulerCreate(o: NativeOptimizer, spec: NativeScheduleSpec): NativeScheduler;
  schedulerStep(s: NativeScheduler): void;
  schedulerState(s: NativeScheduler): { lastEpoch: number; baseLrs: number[]; lastLr: number[] };
  schedulerLoad(s: NativeScheduler, baseLrs: number[], lastEpoch: number): void;
  scheduleFactor(spec: NativeScheduleSpec, step: number): number;
  clipGradNorm(params: T[], maxNorm: number, normType: number, errorIfNonfinite: boolean): T;
  // the fused training step (native/train)
  trainStepAsync(m: M, inputs: NativeModelInputs, options: NativeStepOptions): Promise<NativeStepResult>;
  // torch.distributed's process group and collectives (native/distributed)
  distInitAsync(spec: NativeGroupSpec): Promise<void>;
  distDestroy(): void;
  distInfo(): { rank: number; worldSize: number; backend: 'gloo' | 'nccl' } | null;
  distBackends(): ('gloo' | 'nccl')[];
  distAllReduceAsync(t: T, op: string): Promise<T>;
  distBroadcastAsync(t: T, src: number): Promise<T>;
  /** The ranks' tensors stacked along a new first dimension. */
  distAllGatherAsync(t: T): Promise<T>;
  distReduceScatterAsync(inputs: T[], op: string): Promise<T>;
  distBarrierAsync(): Promise<void>;
  distBroadcastTensorsAsync(tensors: T[], src: number): Promise<void>;
  gradSyncCreate(params: T[], bucketCapBytes: number, firstBucketCapBytes: number): NativeGradSync;
  gradSyncDispose(s: NativeGradSync): void;
  gradSyncInfo(s: NativeGradSync): { bytesPerSync: number; buckets: number };
}

/** initProcessGroup's options as the addon takes them (lib/distributed resolves env:// and defaults). */
export interface NativeGroupSpec {
  backend: 'gloo' | 'nccl';
  method: 'tcp' | 'file';
  host?: string;
  port?: number;
  path?: string;
  rank: number;
  worldSize: number;
  timeoutMs: number;
  glooInterfaces: string[];
  glooHostname: string | null;
}

/** Data-parallel gradient averaging over the process group (buckets and autograd hooks). */
export interface NativeGradSync {
  readonly __gradSync: unique symbol;
}

export interface NativeGenerator {
  readonly __generator: unique symbol;
}
export interface NativeOptimizer {
  readonly __optimizer: unique symbol;
}
export interface NativeScheduler {
  readonly __scheduler: unique symbol;
}

/** A parameter group with every hyper-parameter filled in (lib/optim does the defaults). */
export interface NativeParamGroup {
  names: string[];
  params: T[];
  lr: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  amsgrad?: boolean;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

export interface NativeScheduleSpec {
  type: string;
  warmupSteps: number;
  trainingSteps: number;
  numCycles?: number;
  power?: number;
  lrEnd?: number;
  lrInit?: number;
  timescale?: number;
}

export interface NativeStepOptions {
  lossDivisor: number;
  optimizer?: NativeOptimizer | null;
  scheduler?: NativeScheduler | null;
  maxGradNorm?: number;
  /** Data parallel: average the gradients over the ranks at an update (before clipping). */
  gradSync?: NativeGradSync | null;
  /** Data parallel: this rank was asked to stop; every rank learns it at the same update. */
  stopRequested?: boolean;
}

export interface NativeStepResult {
  loss: number;
  scaledLoss: number;
  gradNorm: number | null;
  finite: boolean;
  updated: boolean;
  /** Data parallel: some rank asked to stop after this update. */
  stopRequested: boolean;
  lr: number[];
}

/** A hold on a model (native/nn/guard.h), dropped by moduleRelease or when collected. */
export interface NativeLease {
  readonly __lease: unique symbol;
}

/** A key/value cache for one generation. */
export interface NativeCache {
  readonly __cache: unique symbol;
}

export interface NativeModelInputs {
  inputIds: T;
  attentionMask?: T | null;
  tokenTypeIds?: T | null;
  labels?: T | null;
  outputHiddenStates?: boolean;
  autocast?: DType | null;
  /** false: with labels, compute the loss without materialising logits where the model can. */
  returnLogits?: boolean;
  /** PEFT's adapter_names: the adapter of each row ('__base__': none). */
  adapterNames?: string[] | null;
}

export interface NativeModelOutputs {
  logits: T | null;
  loss: T | null;
  lastHiddenState: T | null;
  poolerOutput: T | null;
  hiddenStates: T[] | null;
}

const ROOT = path.resolve(__dirname, '..');

/** What node-peft chose for OpenBLAS before loading it (see preferFastBlas). */
export const blasSetup: { coretype: string | null; original: string | null; reason: string } = { coretype: null, original: null, reason: '' };

// OpenBLAS kernels, weakest first; DYNAMIC_ARCH builds pick one at load time from OPENBLAS_CORETYPE.
const CORE_RANK = ['Prescott', 'Core2', 'Nehalem', 'Sandybridge', 'Haswell', 'Zen', 'SkylakeX', 'Cooperlake'];

function cpuFlags(): Set<string> {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/**
 * Debian's OpenBLAS 0.3.21 misdetects recent AVX-512 CPUs (or is pinned to an older kernel by the
 * environment) and runs float32 GEMM at a fraction of the machine's speed. OpenBLAS reads
 * OPENBLAS_CORETYPE once, when libtorch loads it, so it has to be set before the addon is required.
 * NODE_PEFT_OPENBLAS_CORETYPE overrides the choice; 'keep' leaves the environment alone.
 */
export function preferFastBlas(env: NodeJS.ProcessEnv = process.env, flags: Set<string> = cpuFlags()): void {
  const forced = env.NODE_PEFT_OPENBLAS_CORETYPE;
  blasSetup.original = env.OPENBLAS_CORETYPE ?? null;
  if (forced === 'keep') {
    Object.assign(blasSetup, { coretype: env.OPENBLAS_CORETYPE ?? null, reason: 'NODE_PEFT_OPENBLAS_CORETYPE=keep' });
    return;
  }
  let best: string | null = forced ?? null;
  if (!best && ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'].every((f) => flags.has(f))) best = 'SkylakeX';
  else if (!best && flags.has('avx2') && flags.has('fma')) best = 'Haswell';
  const current = env.OPENBLAS_CORETYPE;
  if (!best || (!forced && current && CORE_RANK.indexOf(current) >= CORE_RANK.indexOf(best))) {
    Object.assign(blasSetup, { coretype: current ?? null, reason: 'left as found' });
    return;
  }
  env.OPENBLAS_CORETYPE = best;
  Object.assign(blasSetup, { coretype: best, reason: forced ? 'NODE_PEFT_OPENBLAS_CORETYPE' : `CPU flags (was ${current ?? 'unset'})` });
}

/**
 * libgomp's worker threads spin between parallel regions by default; next to OpenBLAS's own
 * threads (or any other load) they take turns on the cores and small ops slow down ~20x
 * (measured: a 2-layer BERT step 460 ms instead of 19 ms on 2 busy cores). libgomp reads
 * OMP_WAIT_POLICY once, when libtorch loads it. An explicit setting is kept.
 */
export function preferPassiveOpenMP(env: NodeJS.ProcessEnv = process.env): void {
  if (env.OMP_WAIT_POLICY === undefined) env.OMP_WAIT_POLICY = 'PASSIVE';
}

/** A positive integer OMP_NUM_THREADS, else null (unset or unusable: the default applies). */
export function threadsFromEnv(value: string | undefined): number | null {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= 1 ? n : null;
}

function load(): Binding {
  preferFastBlas();
  preferPassiveOpenMP();
  let file: string | undefined;
  let addon: Binding;
  try {
    // node-gyp-build: build/Release (a source build) first, then prebuilds/<platform>-<arch>.
    // NODE_PEFT_ADDON names another binary (the AddressSanitizer build of scripts/asan-check.sh).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    file = process.env.NODE_PEFT_ADDON ? path.resolve(process.env.NODE_PEFT_ADDON) : (require('node-gyp-build').resolve(ROOT) as string);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(file) as Binding;
  } catch (err) {
    throw explainLoadFailure(err as Error, file);
  }
  addon.setErrorClass(TorchError, BusyError);
  // libtorch defaults to one intra-op thread on some builds; use the cores this process may run on,
  // or OMP_NUM_THREADS when set (torchrun and `node-peft launch` set it to split the cores).
  addon.setNumThreads(threadsFromEnv(process.env.OMP_NUM_THREADS) ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  // The dynamic loader may have found another libtorch release than the one compiled against.
  const mismatch = checkLibtorch(addon.versions().libtorch, file);
  if (mismatch) throw mismatch;
  return addon;
}

export const native: Binding = load();
