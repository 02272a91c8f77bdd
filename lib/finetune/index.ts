// Fine-tuning jobs, as the command line runs them and as a library call: one run (fineTune), a
// sweep over methods and ranks (runSweep), and using what they produce (evaluate, predict,
// generate, merge, inspect).
export { fineTune, summaryRows, peakRssBytes } from './run';
export type { FineTuneSpec, FineTuneResult, FineTuneHooks } from './run';
export { runPretrain, pretrainFiles, pretrainSummaryRows } from './pretrain';
export type { PretrainSpec, PretrainRunResult } from './pretrain';
export { runSweep, sweepRuns } from './sweep';
export type { SweepSpec, SweepRun, SweepResult } from './sweep';
export { applyMethod, parseMethod, unfreezeTop, trainableLine } from './methods';
export type { Method, LoraOptions, Prepared } from './methods';
export { inferTask, taskOf, loadTaskModel, loadTokenizerFor, copyTokenizerFiles, TASKS } from './task';
export type { Task, LabelNames } from './task';
export { loadTaskData } from './data';
export type { DataOptions, TaskData } from './data';
export { loadForUse } from './load';
export type { LoadForUseOptions, LoadedModel } from './load';
export { evaluateModel } from './evaluate';
export type { EvaluateOptions, Evaluation } from './evaluate';
export { predictLabels, readTexts } from './predict';
export type { PredictOptions } from './predict';
export type { Prediction } from './inference';
export { generateText } from './generate';
export type { TextGenerationOptions } from './generate';
export { mergeAdapter } from './merge';
export type { MergeOptions } from './merge';
export { inspectFolder } from './inspect';
export type { Inspection } from './inspect';
export { sigintGuard, SIGINT_EXIT_CODE } from './signals';
