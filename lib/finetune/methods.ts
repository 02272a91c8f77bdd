// How much of a model trains: everything (full), the last N encoder/decoder layers plus the head
// (topN, everything else frozen), or a LoRA adapter (PEFT; the base frozen).
import { LoraConfig, TaskType } from '../peft/config';
import { getPeftModel, trainableParametersLine, type PeftModel } from '../peft/peft-model';
import type { PreTrainedModel } from '../models/pretrained';
import type { Task } from './task';

export type Method = 'full' | 'lora' | `top${number}`;

/** 'full', 'lora' or 'topN' (N >= 1); anything else is an error naming the allowed forms. */
export function parseMethod(value: string, option = '--method'): Method {
  if (value === 'full' || value === 'lora' || /^top[1-9]\d*$/.test(value)) return value as Method;
  throw new Error(`${option} ${JSON.stringify(value)}: expected full, lora or topN (top1, top2, ...)`);
}

export interface LoraOptions {
  r?: number;
  alpha?: number;
  dropout?: number;
  /** Module names, a regex string, or 'all-linear'; default PEFT's per model type. */
  targetModules?: string[] | string;
  layersToTransform?: number[];
  useRslora?: boolean;
  modulesToSave?: string[];
}

// The layer stack and the head that topN unfreezes. OPT's lm_head is tied to the input
// embeddings (vocab x hidden), so unfreezing it would train the embeddings too: its "head" is
// the final LayerNorm instead.
const STACKS: Record<string, { layers: string; head: string[] }> = {
  bert: { layers: 'bert.encoder.layer', head: ['classifier'] },
  opt: { layers: 'model.decoder.layers', head: ['model.decoder.final_layer_norm'] },
};

/** Freezes the model but for its last `n` layers and its head. */
export function unfreezeTop(model: PreTrainedModel, n: number): void {
  const stack = STACKS[model.config.modelType];
  if (!stack) throw new Error(`top${n}: no layer stack known for model_type '${model.config.modelType}'`);
  const layers = model.getSubmodule(stack.layers).childNames();
  if (n > layers.length) throw new Error(`top${n}: the model has only ${layers.length} layers; use top1..top${layers.length} or full`);
  model.requiresGrad_(false);
  for (const name of layers.slice(layers.length - n)) model.getSubmodule(`${stack.layers}.${name}`).requiresGrad_(true);
  const modules = new Set(model.namedModules().map(([name]) => name));
  for (const head of stack.head) if (modules.has(head)) model.getSubmodule(head).requiresGrad_(true);
}

export interface Prepared {
  model: PreTrainedModel | PeftModel;
  peft: PeftModel | null;
  trainable: number;
  all: number;
}

/** PEFT's print_trainable_parameters line, for any method. */
export const trainableLine = trainableParametersLine;

function counts(model: PreTrainedModel): { trainable: number; all: number } {
  return { trainable: model.numParameters({ onlyTrainable: true }), all: model.numParameters() };
}

/** Applies a method to a freshly loaded model (every parameter trainable, as fromPretrained leaves it). */
export function applyMethod(model: PreTrainedModel, task: Task, method: Method, lora: LoraOptions = {}): Prepared {
  if (method === 'full') return { model, peft: null, ...counts(model) };
  if (method !== 'lora') {
    unfreezeTop(model, Number(method.slice(3)));
    return { model, peft: null, ...counts(model) };
  }
  const config = new LoraConfig({
    taskType: task === 'causal-lm' ? TaskType.CAUSAL_LM : TaskType.SEQ_CLS,
    r: lora.r ?? 8, loraAlpha: lora.alpha ?? 8, loraDropout: lora.dropout ?? 0,
    ...(lora.targetModules !== undefined ? { targetModules: lora.targetModules } : {}),
    ...(lora.layersToTransform !== undefined ? { layersToTransform: lora.layersToTransform } : {}),
    ...(lora.modulesToSave !== undefined ? { modulesToSave: lora.modulesToSave } : {}),
    useRslora: lora.useRslora ?? false,
  });
  const peft = getPeftModel(model, config);
  return { model: peft, peft, ...peft.getNbTrainableParameters() };
}
