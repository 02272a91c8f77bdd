// Training: the Trainer and what it is made of (transformers' names).
export { Trainer } from './trainer';
export type { TrainerOptions, TrainOutput, PredictionOutput } from './trainer';
export { TrainingArguments } from './training-args';
export type { TrainingArgumentsOptions, IntervalStrategy } from './training-args';
export { TrainerState, TrainerControl } from './state';
export type { LogEntry } from './state';
export { DefaultFlowCallback, EarlyStoppingCallback, CallbackHandler } from './callbacks';
export type { TrainerCallback, CallbackEvent, CallbackEventName } from './callbacks';
export { ProgressCallback, JsonlLoggerCallback } from './reporting';
export { dataCollatorWithPadding, dataCollatorForLanguageModeling, disposeBatch } from './collator';
export { dataCollatorForMaskedLM } from './mlm-collator';
export type { MlmOptions, MaskingTokenizer } from './mlm-collator';
export type { Batch, DataCollator, PaddingOptions } from './collator';
export { trainingStep } from './step';
export type { TrainingStepOptions, TrainingStepResult } from './step';
export { NonFiniteLossError } from './loop';
export { getLastCheckpoint } from './checkpoint';
export {
  accuracyScore, precisionRecallFscoreSupport, precisionScore, recallScore, f1Score, confusionMatrix,
  perplexity, argmaxRows, classificationMetrics,
} from './metrics';
export type { EvalPrediction, Average, ZeroDivision, Prf, PrfOptions } from './metrics';
export { pyRound } from './pyround';
export { pretrain } from './pretrain';
export { addBertPooler } from './bert-pooler';
export type { PretrainOptions, PretrainResult } from './pretrain';
