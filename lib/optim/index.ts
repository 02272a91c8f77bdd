// Optimizers, learning-rate schedules and gradient clipping (torch.optim and transformers' names).
export { Optimizer } from './optimizer';
export type { Params, ParamGroup, ParamGroupInput, OptimizerStateDict } from './optimizer';
export { AdamW } from './adamw';
export type { AdamWOptions } from './adamw';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { clipGradNorm } from './clip';
export type { ClipGradNormOptions } from './clip';
export { LRScheduler, getScheduler, scheduleFactor, SCHEDULER_TYPES } from './scheduler';
export type { SchedulerType, SchedulerOptions } from './scheduler';
