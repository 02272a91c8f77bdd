// Which task a model folder is for, and loading its model and tokenizer for that task.
import fs from 'fs';
import path from 'path';
import { BertForSequenceClassification } from '../models/bert';
import { PretrainedConfig, type ConfigDict } from '../models/config';
import { OPTForCausalLM } from '../models/opt';
import type { PreTrainedModel } from '../models/pretrained';
import type { DType, Device } from '../dtype';
import { AutoTokenizer, type AnyTokenizer } from '../tokenizers/auto';
import { resolveModelDir } from '../tokenizers/hub';
export { copyTokenizerFiles } from '../tokenizers/files';

export const TASKS = ['sequence-classification', 'causal-lm'] as const;
export type Task = (typeof TASKS)[number];

// transformers' architectures -> the task node-peft trains them for.
const BY_ARCHITECTURE: Record<string, Task> = {
  BertForSequenceClassification: 'sequence-classification',
  OPTForCausalLM: 'causal-lm',
};
// Other heads (bert-base-cased is a BertForMaskedLM checkpoint): the task node-peft offers for the family.
const BY_MODEL_TYPE: Record<string, Task> = { bert: 'sequence-classification', opt: 'causal-lm' };

/** The task of a config: its architectures where they name a head node-peft trains, else its model_type's. */
export function inferTask(config: PretrainedConfig): Task {
  const archs = config.get<string[] | undefined>('architectures') ?? [];
  for (const a of archs) if (BY_ARCHITECTURE[a]) return BY_ARCHITECTURE[a];
  const byType = BY_MODEL_TYPE[config.modelType];
  if (!byType) throw new Error(`cannot tell the task of a '${config.modelType}' model: pass --task (${TASKS.join(' or ')})`);
  return byType;
}

/** The task of a model folder or hub id, or the given one after checking it fits the model type. */
export function taskOf(modelDir: string, task?: Task): Task {
  const config = PretrainedConfig.fromPretrained(resolveModelDir(modelDir));
  const inferred = inferTask(config);
  if (task !== undefined && task !== inferred && BY_MODEL_TYPE[config.modelType] !== task) {
    throw new Error(`--task ${task} does not fit a '${config.modelType}' model (node-peft trains ${config.modelType} for ${BY_MODEL_TYPE[config.modelType]})`);
  }
  return task ?? inferred;
}

export interface LabelNames {
  id2label: Record<number, string>;
  label2id: Record<string, number>;
}

export interface LoadModelOptions {
  labels?: LabelNames;
  /** The number of classes when no label names are known (e.g. taken from an adapter's classifier). */
  numLabels?: number;
  dtype?: DType;
  device?: Device;
  /** transformers' warnings about newly initialised weights (a fresh classifier head). */
  warn?: boolean;
}

/** The model of a task: BertForSequenceClassification with the data's labels, or OPTForCausalLM. */
export async function loadTaskModel(dir: string, task: Task, o: LoadModelOptions = {}): Promise<PreTrainedModel> {
  const common = { warn: o.warn ?? true, ...(o.dtype ? { dtype: o.dtype } : {}), ...(o.device ? { device: o.device } : {}) };
  if (task === 'causal-lm') return OPTForCausalLM.fromPretrained(dir, common);
  const config: ConfigDict = {};
  if (o.labels) Object.assign(config, { id2label: o.labels.id2label, label2id: o.labels.label2id });
  const numLabels = o.labels ? Object.keys(o.labels.id2label).length : o.numLabels;
  // A classifier saved for another number of classes gets a new head (transformers'
  // ignore_mismatched_sizes, with its warning); any other mismatch stays an error.
  const saved = PretrainedConfig.fromPretrained(resolveModelDir(dir));
  const newHead = numLabels !== undefined && saved.get<string[] | undefined>('architectures')?.includes('BertForSequenceClassification') && saved.numLabels !== numLabels;
  return BertForSequenceClassification.fromPretrained(dir, { ...common, config, ...(numLabels ? { numLabels } : {}), ...(newHead ? { ignoreMismatchedSizes: true } : {}) });
}

export function hasTokenizer(dir: string): boolean {
  return ['tokenizer.json', 'vocab.txt', 'vocab.json', 'encoder.json'].some((f) => fs.existsSync(path.join(dir, f)));
}

/** The tokenizer: --tokenizer if given, else the first of `dirs` that holds tokenizer files. */
export async function loadTokenizerFor(explicit: string | undefined, dirs: string[]): Promise<{ tokenizer: AnyTokenizer; dir: string }> {
  if (explicit) return { tokenizer: await AutoTokenizer.fromPretrained(explicit), dir: resolveModelDir(explicit) };
  const found = dirs.map((d) => { try { return resolveModelDir(d); } catch { return null; } }).find((d): d is string => d !== null && hasTokenizer(d));
  if (!found) throw new Error(`no tokenizer files (tokenizer.json, vocab.txt, vocab.json or encoder.json) in ${dirs.join(' or ')}: pass --tokenizer DIR`);
  return { tokenizer: await AutoTokenizer.fromPretrained(found), dir: found };
}
