// Learning-rate schedules with transformers' names and values (optimization.py's get_scheduler):
// a LambdaLR over the optimizer. The schedule runs natively, so the fused training step advances
// it without a call back into JS.
import { native, type NativeScheduleSpec, type NativeScheduler } from '../binding';
import { expectInt, expectNumber, expectOneOf, expectOptions, invalid } from '../validate';
import type { Optimizer } from './optimizer';

export const SCHEDULER_TYPES = ['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'inverse_sqrt'] as const;
export type SchedulerType = (typeof SCHEDULER_TYPES)[number];

export interface SchedulerOptions {
  numWarmupSteps?: number;
  numTrainingSteps?: number;
  /** cosine: waves (default 0.5); cosine_with_restarts: hard restarts (default 1). */
  numCycles?: number;
  /** polynomial: power (default 1.0) and final lr (default 1e-7). */
  power?: number;
  lrEnd?: number;
  /** inverse_sqrt: time scale (default numWarmupSteps, or 10,000 without warmup). */
  timescale?: number;
}

const OPTIONS = ['numWarmupSteps', 'numTrainingSteps', 'numCycles', 'power', 'lrEnd', 'timescale'] as const;
const NEEDS_WARMUP: SchedulerType[] = ['constant_with_warmup', 'inverse_sqrt', 'linear', 'cosine', 'cosine_with_restarts', 'polynomial'];
const NEEDS_TOTAL: SchedulerType[] = ['linear', 'cosine', 'cosine_with_restarts', 'polynomial'];

function toSpec(name: unknown, options: SchedulerOptions | undefined, lrInit: number): NativeScheduleSpec {
  const type = expectOneOf('scheduler name', name, SCHEDULER_TYPES);
  const o = expectOptions(`getScheduler('${type}')`, options, OPTIONS);
  // transformers' get_scheduler: "<name> requires `num_warmup_steps`, please provide that argument."
  if (NEEDS_WARMUP.includes(type) && o.numWarmupSteps === undefined) invalid(`getScheduler('${type}').numWarmupSteps`, 'the number of warmup steps (this schedule requires it)', undefined);
  if (NEEDS_TOTAL.includes(type) && o.numTrainingSteps === undefined) invalid(`getScheduler('${type}').numTrainingSteps`, 'the number of training steps (this schedule requires it)', undefined);
  const spec: NativeScheduleSpec = {
    type,
    warmupSteps: o.numWarmupSteps === undefined ? 0 : expectInt('numWarmupSteps', o.numWarmupSteps, 0),
    trainingSteps: o.numTrainingSteps === undefined ? 0 : expectInt('numTrainingSteps', o.numTrainingSteps, 0),
    lrInit,
  };
  if (o.numCycles !== undefined) spec.numCycles = expectNumber('numCycles', o.numCycles);
  if (o.power !== undefined) spec.power = expectNumber('power', o.power);
  if (o.lrEnd !== undefined) spec.lrEnd = expectNumber('lrEnd', o.lrEnd);
  if (o.timescale !== undefined) spec.timescale = expectInt('timescale', o.timescale, 1);
  if (type === 'polynomial' && !(lrInit > (spec.lrEnd ?? 1e-7))) {
    throw new RangeError(`getScheduler('polynomial'): lrEnd (${spec.lrEnd ?? 1e-7}) must be smaller than the initial lr (${lrInit})`);
  }
  return spec;
}

export class LRScheduler {
  readonly type: SchedulerType;
  readonly #handle: NativeScheduler;

  /** As LambdaLR: takes each group's lr as its initial lr and sets the lr of step 0 at once. */
  constructor(readonly optimizer: Optimizer, type: SchedulerType, options?: SchedulerOptions) {
    const spec = toSpec(type, options, optimizer.defaults.lr as number);
    this.type = spec.type as SchedulerType;
    this.#handle = native.schedulerCreate(optimizer.handle, spec);
  }

  /** @internal The native handle, for the training step. */
  get handle(): NativeScheduler { return this.#handle; }

  /** Advances one step and sets each group's lr. */
  step(): void { native.schedulerStep(this.#handle); }
  /** Each group's lr after the last step (transformers logs the first group's). */
  getLastLr(): number[] { return native.schedulerState(this.#handle).lastLr; }
  get lastEpoch(): number { return native.schedulerState(this.#handle).lastEpoch; }

  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    const { lastEpoch, baseLrs } = native.schedulerState(this.#handle);
    return { lastEpoch, baseLrs };
  }

  loadStateDict(state: { lastEpoch: number; baseLrs: number[] }): void {
    expectInt('loadStateDict.lastEpoch', state.lastEpoch, 0);
    if (!Array.isArray(state.baseLrs)) invalid('loadStateDict.baseLrs', 'an array of learning rates', state.baseLrs);
    native.schedulerLoad(this.#handle, state.baseLrs.map((lr, i) => expectNumber(`baseLrs[${i}]`, lr)), state.lastEpoch);
  }
}

/** transformers' get_scheduler(name, optimizer, num_warmup_steps, num_training_steps, ...). */
export function getScheduler(name: SchedulerType, optimizer: Optimizer, options?: SchedulerOptions): LRScheduler {
  return new LRScheduler(optimizer, name, options);
}

/** The schedule's lr multiplier at `step` (lr = initial lr × factor), without an optimizer. */
export function scheduleFactor(name: SchedulerType, step: number, options?: SchedulerOptions & { lr?: number }): number {
  const { lr, ...rest } = options ?? {};
  return native.scheduleFactor(toSpec(name, rest, lr ?? 1), expectInt('step', step, 0));
}
