// torch.distributed for node-peft: c10d process groups (Gloo, NCCL) with torch's rendezvous,
// collectives on Tensors, data parallel training for the Trainer, and the launcher.
export { initProcessGroup, destroyProcessGroup, isInitialized, getRank, getWorldSize, getBackend, getLocalRank, barrier, initFromEnvironment } from './process-group';
export type { InitProcessGroupOptions, Backend } from './options';
export { allReduce, broadcast, allGather, reduceScatter, REDUCE_OPS } from './collectives';
export type { ReduceOp } from './collectives';
export { DistributedDataParallel, syncModuleStates } from './data-parallel';
export type { DataParallelOptions } from './data-parallel';
export { launch } from './launch';
export type { LaunchOptions, LaunchResult } from './launch';
export { DistributedError } from './errors';
