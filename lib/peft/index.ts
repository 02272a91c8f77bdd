export { LoraConfig, TaskType } from './config';
export type { LoraConfigOptions } from './config';
export { PeftModel, getPeftModel, readAdapter, trainableParametersLine } from './peft-model';
export type { AdapterFiles, LoadAdapterOptions, SaveOptions } from './peft-model';
export { DEFAULT_TARGETS } from './targets';
export { COMBINATION_TYPES } from './weighted-adapter';
export type { CombinationType, WeightedAdapterOptions } from './weighted-adapter';
