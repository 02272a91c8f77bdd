// Loading a trained model for use (eval, predict, generate, merge): a model folder, or a base
// model plus a LoRA adapter, with the tokenizer and class names that belong to them.
import fs from 'fs';
import path from 'path';
import { readSafetensorsHeader } from '../io/safetensors';
import type { PreTrainedModel } from '../models/pretrained';
import type { DType, Device } from '../dtype';
import { PeftModel } from '../peft/peft-model';
import type { AnyTokenizer } from '../tokenizers/auto';
import { resolveModelDir } from '../tokenizers/hub';
import { readLabels } from './outputs';
import { loadTaskModel, loadTokenizerFor, taskOf, type LabelNames, type Task } from './task';

export interface LoadForUseOptions {
  /** The model folder or hub id; with an adapter, its base (default: the adapter's base_model_name_or_path). */
  model?: string;
  adapter?: string;
  tokenizer?: string;
  task?: Task;
  dtype?: DType;
  device?: Device;
}

export interface LoadedModel {
  /** What runs: the PeftModel when an adapter is given. */
  model: PreTrainedModel | PeftModel;
  base: PreTrainedModel;
  peft: PeftModel | null;
  tokenizer: AnyTokenizer;
  tokenizerDir: string;
  task: Task;
  labels: LabelNames | null;
  baseDir: string;
}

/** The base model an adapter names in adapter_config.json, when none is given. */
function baseOf(adapter: string): string {
  const file = path.join(adapter, 'adapter_config.json');
  if (!fs.existsSync(file)) throw new Error(`--adapter ${adapter}: no adapter_config.json there (is it a LoRA adapter folder?)`);
  const base = (JSON.parse(fs.readFileSync(file, 'utf8')) as { base_model_name_or_path?: string }).base_model_name_or_path;
  if (!base) throw new Error(`--adapter ${adapter}: adapter_config.json names no base model: pass --model DIR`);
  return base;
}

/** The classes of an adapter's classifier copy (its weight's rows), for a base saved with another head. */
function adapterNumLabels(adapter: string): number | undefined {
  const file = path.join(adapter, 'adapter_model.safetensors');
  if (!fs.existsSync(file)) return undefined;
  const entry = [...readSafetensorsHeader(file).tensors].find(([k]) => /(^|\.)(classifier|score)\.weight$/.test(k));
  return entry ? entry[1].shape[0] : undefined;
}

export async function loadForUse(o: LoadForUseOptions): Promise<LoadedModel> {
  if (!o.model && !o.adapter) throw new Error('no model: pass --model DIR (and --adapter DIR for a LoRA adapter)');
  const baseDir = o.model ?? baseOf(o.adapter!);
  const task = taskOf(baseDir, o.task);
  const labels = task === 'sequence-classification' ? (o.adapter ? readLabels(o.adapter) : null) ?? readLabelsOf(baseDir) : null;
  const numLabels = o.adapter && !labels ? adapterNumLabels(o.adapter) : undefined;
  // With an adapter the classifier comes from it: the base's "newly initialized" warning would mislead.
  const base = await loadTaskModel(baseDir, task, { ...(labels ? { labels } : {}), ...(numLabels ? { numLabels } : {}), dtype: o.dtype, device: o.device, warn: !o.adapter });
  const peft = o.adapter ? await PeftModel.fromPretrained(base, o.adapter) : null;
  const { tokenizer, dir } = await loadTokenizerFor(o.tokenizer, [...(o.adapter ? [o.adapter] : []), baseDir]);
  return { model: peft ?? base, base, peft, tokenizer, tokenizerDir: dir, task, labels, baseDir };
}

function readLabelsOf(dirOrId: string): LabelNames | null {
  return readLabels(resolveModelDir(dirOrId));
}
