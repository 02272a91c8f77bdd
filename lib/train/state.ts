// TrainerState and TrainerControl, with transformers' field names: trainer_state.json written by
// node-peft reads like one written by transformers (and back).
import fs from 'fs';

export type LogEntry = Record<string, number>;

export class TrainerState {
  epoch: number | null = null;
  globalStep = 0;
  maxSteps = 0;
  loggingSteps = 500;
  evalSteps = 500;
  saveSteps = 500;
  numTrainEpochs = 0;
  totalFlos = 0;
  logHistory: LogEntry[] = [];
  bestMetric: number | null = null;
  bestModelCheckpoint: string | null = null;
  isLocalProcessZero = true;
  isWorldProcessZero = true;
  trialName: string | null = null;

  /** trainer_state.json's fields (snake_case), as transformers' TrainerState.save_to_json. */
  toJSON(): Record<string, unknown> {
    return {
      best_metric: this.bestMetric,
      best_model_checkpoint: this.bestModelCheckpoint,
      epoch: this.epoch,
      eval_steps: this.evalSteps,
      global_step: this.globalStep,
      is_hyper_param_search: false,
      is_local_process_zero: this.isLocalProcessZero,
      is_world_process_zero: this.isWorldProcessZero,
      log_history: this.logHistory,
      logging_steps: this.loggingSteps,
      max_steps: this.maxSteps,
      num_train_epochs: this.numTrainEpochs,
      save_steps: this.saveSteps,
      total_flos: this.totalFlos,
      trial_name: this.trialName,
      trial_params: null,
    };
  }

  static fromJSON(dict: Record<string, unknown>, file = 'trainer_state.json'): TrainerState {
    const s = new TrainerState();
    const num = (key: string, fallback: number): number => {
      const v = dict[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number') throw new TypeError(`${file}: '${key}' should be a number, found ${JSON.stringify(v)}`);
      return v;
    };
    if (!Array.isArray(dict.log_history)) throw new TypeError(`${file}: 'log_history' should be an array`);
    s.epoch = dict.epoch === null ? null : num('epoch', 0);
    s.globalStep = num('global_step', 0);
    s.maxSteps = num('max_steps', 0);
    s.loggingSteps = num('logging_steps', 500);
    s.evalSteps = num('eval_steps', 500);
    s.saveSteps = num('save_steps', 500);
    s.numTrainEpochs = num('num_train_epochs', 0);
    s.totalFlos = num('total_flos', 0);
    s.logHistory = dict.log_history as LogEntry[];
    s.bestMetric = dict.best_metric === null || dict.best_metric === undefined ? null : num('best_metric', 0);
    s.bestModelCheckpoint = typeof dict.best_model_checkpoint === 'string' ? dict.best_model_checkpoint : null;
    return s;
  }

  static load(file: string): TrainerState {
    let dict: Record<string, unknown>;
    try {
      dict = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read the trainer state ${file}: ${(err as Error).message}`);
    }
    return TrainerState.fromJSON(dict, file);
  }
}

/** What callbacks ask the training loop to do next (transformers' TrainerControl). */
export class TrainerControl {
  shouldTrainingStop = false;
  shouldEpochStop = false;
  shouldSave = false;
  shouldEvaluate = false;
  shouldLog = false;

  newTraining(): void { this.shouldTrainingStop = false; }
  newEpoch(): void { this.shouldEpochStop = false; }
  newStep(): void {
    this.shouldSave = false;
    this.shouldEvaluate = false;
    this.shouldLog = false;
  }
}
