// transformers' DefaultFlowCallback and EarlyStoppingCallback, the CallbackHandler, resolveSteps
// and trainer_state.json's fields (lib/train/callbacks.ts, state.ts), driven step by step: which
// steps log, evaluate, save and stop, as transformers 4.29's callbacks decide, written out here.
import fs from 'fs';
import path from 'path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrainingArguments } from '../../lib';
import { CallbackHandler, DefaultFlowCallback, EarlyStoppingCallback, resolveSteps, type CallbackEvent } from '../../lib/train/callbacks';
import { TrainerControl, TrainerState } from '../../lib/train/state';
import { tmpDir } from './helpers';

function flow(argsIn: Record<string, unknown>, maxSteps: number, steps: { logging: number; eval: number; save: number }) {
  const args = new TrainingArguments({ outputDir: tmpDir(), ...argsIn });
  const state = Object.assign(new TrainerState(), { maxSteps, loggingSteps: steps.logging, evalSteps: steps.eval, saveSteps: steps.save });
  const cb = new DefaultFlowCallback();
  const flags: Record<string, number[]> = { log: [], evaluate: [], save: [], stop: [] };
  for (let step = 1; step <= maxSteps; step++) {
    const control = new TrainerControl();
    state.globalStep = step;
    cb.onStepEnd({ args, state, control });
    if (control.shouldLog) flags.log.push(step);
    if (control.shouldEvaluate) flags.evaluate.push(step);
    if (control.shouldSave) flags.save.push(step);
    if (control.shouldTrainingStop) flags.stop.push(step);
  }
  return flags;
}

describe('DefaultFlowCallback', () => {
  it('logs, evaluates and saves every N steps and stops at maxSteps', () => {
    const f = flow({ loggingSteps: 2, evaluationStrategy: 'steps', evalSteps: 3, saveStrategy: 'steps', saveSteps: 4 }, 8, { logging: 2, eval: 3, save: 4 });
    expect(f).toEqual({ log: [2, 4, 6, 8], evaluate: [3, 6], save: [4, 8], stop: [8] });
  });

  it('logs the first step with loggingFirstStep, holds evaluation until evalDelay, and neither evaluates nor saves under "no"', () => {
    expect(flow({ loggingFirstStep: true, loggingSteps: 4, evaluationStrategy: 'steps', evalSteps: 2, evalDelay: 4, saveStrategy: 'no' }, 6, { logging: 4, eval: 2, save: 2 }))
      .toEqual({ log: [1, 4], evaluate: [4, 6], save: [], stop: [6] });
    expect(flow({ loggingStrategy: 'no', evaluationStrategy: 'no', saveStrategy: 'steps', saveSteps: 3 }, 3, { logging: 1, eval: 1, save: 0 }))
      .toEqual({ log: [], evaluate: [], save: [], stop: [3] });
  });

  it('on an epoch end logs, evaluates (once past evalDelay epochs) and saves under the "epoch" strategies only', () => {
    const cb = new DefaultFlowCallback();
    const at = (argsIn: Record<string, unknown>, epoch: number | null) => {
      const control = new TrainerControl();
      const state = Object.assign(new TrainerState(), { epoch });
      cb.onEpochEnd({ args: new TrainingArguments({ outputDir: tmpDir(), ...argsIn }), state, control });
      return [control.shouldLog, control.shouldEvaluate, control.shouldSave];
    };
    expect(at({ loggingStrategy: 'epoch', evaluationStrategy: 'epoch', saveStrategy: 'epoch' }, 1)).toEqual([true, true, true]);
    expect(at({ loggingStrategy: 'epoch', evaluationStrategy: 'epoch', saveStrategy: 'epoch', evalDelay: 2 }, 1)).toEqual([true, false, true]);
    expect(at({ evaluationStrategy: 'epoch', evalDelay: 2 }, 2)).toEqual([false, true, false]);
    expect(at({ evaluationStrategy: 'epoch', evalDelay: 1 }, null)).toEqual([false, false, false]);
    expect(at({ loggingStrategy: 'steps', evaluationStrategy: 'steps', saveStrategy: 'steps' }, 1)).toEqual([false, false, false]);
  });
});

describe('resolveSteps', () => {
  it('takes a ratio below 1 of the total steps, rounded up, and a count as it is', () => {
    expect(resolveSteps(0.25, 10)).toBe(3);
    expect(resolveSteps(0.5, 10)).toBe(5);
    expect(resolveSteps(1, 10)).toBe(1);
    expect(resolveSteps(7, 10)).toBe(7);
    expect(resolveSteps(0, 10)).toBe(0);
  });
});

describe('CallbackHandler', () => {
  it('calls the hook on every callback in order, awaiting each, skipping callbacks without it, and returns the control', async () => {
    const seen: string[] = [];
    const control = new TrainerControl();
    const handler = new CallbackHandler([
      { onLog: async () => { await new Promise((r) => setTimeout(r, 5)); seen.push('a'); } },
      {},
      { onLog(this: { name: string }) { seen.push(this.name); }, name: 'b' } as never,
    ]);
    handler.add({ onLog: (e) => { seen.push('c'); e.control.shouldSave = true; } });
    const out = await handler.call('onLog', { control } as unknown as CallbackEvent);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(out).toBe(control);
    expect(control.shouldSave).toBe(true);
  });
});

describe('EarlyStoppingCallback', () => {
  afterEach(() => { vi.restoreAllMocks(); });
  const args = (o: Record<string, unknown>) => new TrainingArguments({ outputDir: tmpDir(), evaluationStrategy: 'steps', evalSteps: 1, saveStrategy: 'steps', saveSteps: 1, loadBestModelAtEnd: true, metricForBestModel: 'loss', ...o });

  /** The evaluations after which training is told to stop; bestMetric follows the best value so far, as the Trainer keeps it. */
  function run(cb: EarlyStoppingCallback, a: TrainingArguments, values: number[], key = 'eval_loss'): number[] {
    const state = new TrainerState();
    const stops: number[] = [];
    values.forEach((v, i) => {
      const control = new TrainerControl();
      cb.onEvaluate({ args: a, state, control, metrics: { [key]: v } });
      if (control.shouldTrainingStop) stops.push(i);
      const better = a.greaterIsBetter ? v > (state.bestMetric ?? -Infinity) : v < (state.bestMetric ?? Infinity);
      if (better) state.bestMetric = v;
    });
    return stops;
  }

  it('stops after `patience` evaluations without improvement of a loss (lower is better), counting again after an improvement', () => {
    expect(run(new EarlyStoppingCallback(2), args({}), [1.0, 0.9, 0.95, 0.8, 0.85, 0.85])).toEqual([5]);
    expect(run(new EarlyStoppingCallback(1), args({}), [1.0, 1.0])).toEqual([1]);  // equal is no improvement
  });

  it('takes a higher value as better with greaterIsBetter, and an improvement within threshold as none', () => {
    expect(run(new EarlyStoppingCallback(1), args({ metricForBestModel: 'eval_f1' }), [0.5, 0.6, 0.55], 'eval_f1')).toEqual([2]);
    expect(run(new EarlyStoppingCallback(1, 0.05), args({}), [1.0, 0.97, 0.9])).toEqual([1]);
    expect(run(new EarlyStoppingCallback(2, 0.05), args({}), [1.0, 0.97, 0.9, 0.89])).toEqual([]);
  });

  it('warns and stays off when the metric is missing, and refuses a run without best-model tracking or evaluation', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(run(new EarlyStoppingCallback(1), args({ metricForBestModel: 'accuracy' }), [1, 1, 1], 'eval_loss')).toEqual([]);
    expect(warn).toHaveBeenCalledWith('early stopping required metricForBestModel, but did not find eval_accuracy so early stopping is disabled');
    const begin = (o: Record<string, unknown>) => () => new EarlyStoppingCallback().onTrainBegin({ args: args(o) } as CallbackEvent);
    expect(begin({ loadBestModelAtEnd: false })).toThrow('EarlyStoppingCallback requires loadBestModelAtEnd: true');
    expect(begin({ metricForBestModel: null, loadBestModelAtEnd: false })).toThrow('requires loadBestModelAtEnd');
    expect(begin({})).not.toThrow();
  });
});

describe('TrainerState', () => {
  it("writes transformers' trainer_state.json fields and reads them back, defaults for missing numbers", () => {
    const s = Object.assign(new TrainerState(), { epoch: 1.5, globalStep: 30, maxSteps: 40, loggingSteps: 5, evalSteps: 10, saveSteps: 20, numTrainEpochs: 2, totalFlos: 123, bestMetric: 0.4, bestModelCheckpoint: 'out/checkpoint-20', logHistory: [{ loss: 1, step: 5 }] });
    const json = s.toJSON();
    expect(json).toEqual({
      best_metric: 0.4, best_model_checkpoint: 'out/checkpoint-20', epoch: 1.5, eval_steps: 10, global_step: 30, is_hyper_param_search: false,
      is_local_process_zero: true, is_world_process_zero: true, log_history: [{ loss: 1, step: 5 }], logging_steps: 5, max_steps: 40,
      num_train_epochs: 2, save_steps: 20, total_flos: 123, trial_name: null, trial_params: null,
    });
    const file = path.join(tmpDir(), 'trainer_state.json');
    fs.writeFileSync(file, JSON.stringify(json));
    expect(TrainerState.load(file).toJSON()).toEqual(json);
    const d = TrainerState.fromJSON({ log_history: [], epoch: null, best_metric: null });
    expect([d.epoch, d.globalStep, d.maxSteps, d.loggingSteps, d.evalSteps, d.saveSteps, d.numTrainEpochs, d.totalFlos, d.bestMetric, d.bestModelCheckpoint]).toEqual([null, 0, 0, 500, 500, 500, 0, 0, null, null]);
    expect(TrainerState.fromJSON({ log_history: [] }).epoch).toBe(0);
  });

  it('names the file and key of a wrong field, and an unreadable file', () => {
    expect(() => TrainerState.fromJSON({ log_history: [], global_step: '3' }, 'x/trainer_state.json')).toThrow(`x/trainer_state.json: 'global_step' should be a number, found "3"`);
    expect(() => TrainerState.fromJSON({ log_history: [], best_metric: 'a' })).toThrow(`trainer_state.json: 'best_metric' should be a number, found "a"`);
    expect(() => TrainerState.fromJSON({}, 'y.json')).toThrow(`y.json: 'log_history' should be an array`);
    const bad = path.join(tmpDir(), 'trainer_state.json');
    fs.writeFileSync(bad, '{');
    expect(() => TrainerState.load(bad)).toThrow(new RegExp(`^cannot read the trainer state ${bad}: `));
  });
});

describe('TrainerControl', () => {
  it('clears the step flags on a new step, the epoch flag on a new epoch, the stop flag on a new training', () => {
    const c = Object.assign(new TrainerControl(), { shouldTrainingStop: true, shouldEpochStop: true, shouldSave: true, shouldEvaluate: true, shouldLog: true });
    c.newStep();
    expect([c.shouldSave, c.shouldEvaluate, c.shouldLog, c.shouldEpochStop, c.shouldTrainingStop]).toEqual([false, false, false, true, true]);
    c.newEpoch();
    expect([c.shouldEpochStop, c.shouldTrainingStop]).toEqual([false, true]);
    c.newTraining();
    expect(c.shouldTrainingStop).toBe(false);
    const fresh = new TrainerControl();
    expect([fresh.shouldTrainingStop, fresh.shouldEpochStop, fresh.shouldSave, fresh.shouldEvaluate, fresh.shouldLog]).toEqual([false, false, false, false, false]);
  });
});
