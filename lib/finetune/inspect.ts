// What a folder holds, for `node-peft inspect`: a model (config, parameter counts by module,
// module tree), a LoRA adapter (its config, target modules and layers, parameter counts), a
// Trainer checkpoint (its trainer state, plus the model or adapter in it), and the file sizes.
import fs from 'fs';
import path from 'path';
import { readSafetensorsHeader } from '../io/safetensors';
import { AutoModel } from '../models/auto';
import { BertForMaskedLM, BertForSequenceClassification, BertModel } from '../models/bert';
import { PretrainedConfig } from '../models/config';
import { OPTForCausalLM, OPTModel } from '../models/opt';
import type { PreTrainedModel } from '../models/pretrained';
import { resolveModelDir } from '../tokenizers/hub';
import { loadForUse } from './load';
import { trainableLine } from './methods';

export interface Inspection {
  dir: string;
  /** A model or a LoRA adapter; trainerState tells a checkpoint or run folder. */
  kind: 'model' | 'adapter';
  files: [string, number][];
  config: Record<string, unknown>;
  /** Parameters by module (two levels deep) and in total. */
  parameters: { total: number; byModule: [string, number][] } | null;
  lora: { r: unknown; alpha: unknown; targets: string[]; layers: number[]; modulesToSave: string[] } | null;
  trainerState: { globalStep: number; epoch: number | null; bestMetric: number | null; lastLog: Record<string, number>[] } | null;
  /** PyTorch's module repr (model, or base + adapter); only when asked. */
  tree: string | null;
  trainable: string | null;
}

const CLASSES: Record<string, { fromPretrained(dir: string, o?: object): Promise<PreTrainedModel> }> = {
  BertForSequenceClassification, BertForMaskedLM, BertModel, OPTForCausalLM, OPTModel,
};

function fileSizes(dir: string): [string, number][] {
  const size = (p: string): number => (fs.statSync(p).isDirectory() ? fs.readdirSync(p).reduce((s, f) => s + size(path.join(p, f)), 0) : fs.statSync(p).size);
  return fs.readdirSync(dir).sort().map((f) => [fs.statSync(path.join(dir, f)).isDirectory() ? `${f}/` : f, size(path.join(dir, f))]);
}

/** Parameters per module path cut to `depth` parts, from a safetensors header (nothing loaded). */
function countParameters(file: string, strip = '', depth = 2): Inspection['parameters'] {
  const groups = new Map<string, number>();
  let total = 0;
  for (const [key, e] of readSafetensorsHeader(file).tensors) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const name = key.startsWith(strip) ? key.slice(strip.length) : key;
    // The module a tensor belongs to (its name without the parameter's), cut to `depth` parts.
    const group = name.split('.').slice(0, -1).slice(0, depth).join('.') || name;
    groups.set(group, (groups.get(group) ?? 0) + n);
    total += n;
  }
  return { total, byModule: [...groups] };
}

function loraFacts(dir: string, config: Record<string, unknown>): NonNullable<Inspection['lora']> {
  const file = path.join(dir, 'adapter_model.safetensors');
  const keys = fs.existsSync(file) ? [...readSafetensorsHeader(file).tensors.keys()] : [];
  const targets = [...new Set(keys.filter((k) => k.includes('.lora_A.')).map((k) => k.replace(/^base_model\.model\./, '').replace(/\.lora_A\..*$/, '')))].sort();
  const layers = [...new Set(targets.map((t) => /\.(?:layer|layers)\.(\d+)\./.exec(t)?.[1]).filter((x): x is string => x !== undefined).map(Number))].sort((a, b) => a - b);
  const modulesToSave = [...new Set(keys.filter((k) => !k.includes('.lora_')).map((k) => k.replace(/^base_model\.model\./, '').replace(/\.(weight|bias)$/, '')))].sort();
  return { r: config.r, alpha: config.lora_alpha, targets, layers, modulesToSave };
}

function trainerStateOf(dir: string): Inspection['trainerState'] {
  const file = path.join(dir, 'trainer_state.json');
  if (!fs.existsSync(file)) return null;
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { globalStep: s.global_step, epoch: s.epoch, bestMetric: s.best_metric, lastLog: (s.log_history ?? []).slice(-3) };
}

/** The model class the config's architectures name (else AutoModel). */
async function loadAny(dir: string): Promise<PreTrainedModel> {
  const arch = (PretrainedConfig.fromPretrained(dir).get<string[] | undefined>('architectures') ?? [])[0];
  return (CLASSES[arch] ?? AutoModel).fromPretrained(dir, { warn: false });
}

/** [async] Inspects a model, adapter or checkpoint folder; `tree` loads the model for its module tree (with `base` for an adapter). */
export async function inspectFolder(dirOrId: string, o: { tree?: boolean; base?: string } = {}): Promise<Inspection> {
  const dir = resolveModelDir(dirOrId);
  const isAdapter = fs.existsSync(path.join(dir, 'adapter_config.json'));
  if (!isAdapter && !fs.existsSync(path.join(dir, 'config.json'))) throw new Error(`${dirOrId}: neither a model folder (config.json) nor a LoRA adapter (adapter_config.json)`);
  const config = JSON.parse(fs.readFileSync(path.join(dir, isAdapter ? 'adapter_config.json' : 'config.json'), 'utf8')) as Record<string, unknown>;
  const weights = path.join(dir, isAdapter ? 'adapter_model.safetensors' : 'model.safetensors');
  const trainerState = trainerStateOf(dir);
  const out: Inspection = {
    dir, kind: isAdapter ? 'adapter' : 'model', files: fileSizes(dir), config,
    parameters: fs.existsSync(weights) ? countParameters(weights, isAdapter ? 'base_model.model.' : '', isAdapter ? 3 : 2) : null,
    lora: isAdapter ? loraFacts(dir, config) : null, trainerState, tree: null, trainable: null,
  };
  if (!o.tree) return out;
  if (!isAdapter) {
    const model = await loadAny(dir);
    out.tree = String(model);
    if (!out.parameters) out.parameters = { total: model.numParameters(), byModule: [] };
    return out;
  }
  const base = o.base ?? (config.base_model_name_or_path as string | undefined);
  if (!base) throw new Error(`${dirOrId}: adapter_config.json names no base model: pass --model DIR to show the tree`);
  const loaded = await loadForUse({ model: base, adapter: dir });
  out.tree = String(loaded.base);
  // As PEFT prints it while training: the adapter's parameters against all of the model's.
  out.trainable = trainableLine({ trainable: out.parameters?.total ?? 0, all: loaded.base.numParameters() });
  return out;
}
