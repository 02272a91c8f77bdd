// Callbacks with transformers' event names. A callback is any object with some of these methods;
// DefaultFlowCallback decides when to log, evaluate and save, EarlyStoppingCallback stops on a
// stalled metric.
import type { TrainingArguments } from './training-args';
import type { LogEntry, TrainerControl, TrainerState } from './state';

export interface CallbackEvent {
  args: TrainingArguments;
  state: TrainerState;
  control: TrainerControl;
  /** onLog: the entry just logged; onEvaluate: the metrics. */
  logs?: LogEntry;
  metrics?: Record<string, number>;
}

type Hook = (event: CallbackEvent) => void | Promise<void>;

/** transformers' TrainerCallback: every method optional. */
export interface TrainerCallback {
  onInitEnd?: Hook;
  onTrainBegin?: Hook;
  onTrainEnd?: Hook;
  onEpochBegin?: Hook;
  onEpochEnd?: Hook;
  onStepBegin?: Hook;
  onSubstepEnd?: Hook;
  onStepEnd?: Hook;
  onEvaluate?: Hook;
  onPredict?: Hook;
  onSave?: Hook;
  onLog?: Hook;
}

export type CallbackEventName = keyof TrainerCallback;

export class CallbackHandler {
  constructor(readonly callbacks: TrainerCallback[]) {}

  add(callback: TrainerCallback): void { this.callbacks.push(callback); }

  /** Calls `event` on every callback in order; they may change `control`. */
  async call(event: CallbackEventName, e: CallbackEvent): Promise<TrainerControl> {
    for (const cb of this.callbacks) {
      const hook = cb[event];
      if (typeof hook === 'function') await hook.call(cb, e);
    }
    return e.control;
  }
}

/** The steps interval for logging/eval/save: a count, or a ratio of the total steps (< 1). */
export function resolveSteps(value: number, maxSteps: number): number {
  return value > 0 && value < 1 ? Math.ceil(maxSteps * value) : value;
}

/** transformers' DefaultFlowCallback. */
export class DefaultFlowCallback implements TrainerCallback {
  onStepEnd({ args, state, control }: CallbackEvent): void {
    if (state.globalStep === 1 && args.loggingFirstStep) control.shouldLog = true;
    if (args.loggingStrategy === 'steps' && state.globalStep % state.loggingSteps === 0) control.shouldLog = true;
    if (args.evaluationStrategy === 'steps' && state.globalStep % state.evalSteps === 0 && args.evalDelay <= state.globalStep) control.shouldEvaluate = true;
    if (args.saveStrategy === 'steps' && state.saveSteps > 0 && state.globalStep % state.saveSteps === 0) control.shouldSave = true;
    if (state.globalStep >= state.maxSteps) control.shouldTrainingStop = true;
  }

  onEpochEnd({ args, state, control }: CallbackEvent): void {
    if (args.loggingStrategy === 'epoch') control.shouldLog = true;
    if (args.evaluationStrategy === 'epoch' && args.evalDelay <= (state.epoch ?? 0)) control.shouldEvaluate = true;
    if (args.saveStrategy === 'epoch') control.shouldSave = true;
  }
}

/**
 * transformers' EarlyStoppingCallback: stops when metricForBestModel has not improved (by more
 * than threshold) for `patience` evaluations. Needs loadBestModelAtEnd and metricForBestModel.
 */
export class EarlyStoppingCallback implements TrainerCallback {
  #bad = 0;
  constructor(readonly patience = 1, readonly threshold = 0) {}

  onTrainBegin({ args }: CallbackEvent): void {
    if (!args.loadBestModelAtEnd) throw new Error('EarlyStoppingCallback requires loadBestModelAtEnd: true');
    if (!args.metricForBestModel) throw new Error('EarlyStoppingCallback requires metricForBestModel');
    if (args.evaluationStrategy === 'no') throw new Error("EarlyStoppingCallback requires an evaluationStrategy other than 'no'");
  }

  onEvaluate({ args, state, control, metrics }: CallbackEvent): void {
    const name = args.metricForBestModel!.startsWith('eval_') ? args.metricForBestModel! : `eval_${args.metricForBestModel}`;
    const value = metrics?.[name];
    if (value === undefined) {
      console.warn(`early stopping required metricForBestModel, but did not find ${name} so early stopping is disabled`);
      return;
    }
    const better = args.greaterIsBetter ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
    const improved = state.bestMetric === null || (better(value, state.bestMetric) && Math.abs(value - state.bestMetric) > this.threshold);
    this.#bad = improved ? 0 : this.#bad + 1;
    if (this.#bad >= this.patience) control.shouldTrainingStop = true;
  }
}
