// Adapter state dicts in PEFT's key format: "base_model.model." + module path, with the adapter
// name removed (…query.lora_A.weight, classifier.weight for a modules_to_save copy).
import type { Tensor } from '../tensor';
import type { LoraConfig } from './config';

export const PREFIX = 'base_model.model.';

const isLoraParam = (name: string, adapter: string) => name.includes(`.lora_A.${adapter}.`) || name.includes(`.lora_B.${adapter}.`);
const isSavedCopy = (name: string, adapter: string) => name.includes(`.modules_to_save.${adapter}.`) || name.startsWith(`modules_to_save.${adapter}.`);

/** The model's parameters (names relative to the transformers model) that belong to an adapter. */
export function adapterParameterNames(names: string[], adapter: string): string[] {
  return names.filter((n) => isLoraParam(n, adapter) || isSavedCopy(n, adapter));
}

/** Model parameter name -> the key PEFT writes for it. */
export function toPeftKey(name: string, adapter: string): string {
  return PREFIX + name.replace(`.modules_to_save.${adapter}.`, '.').replace(`.lora_A.${adapter}.`, '.lora_A.').replace(`.lora_B.${adapter}.`, '.lora_B.');
}

export function adapterStateDict(params: [string, Tensor][], adapter: string, config: LoraConfig): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const loraLayers = new Set(params.filter(([n]) => isLoraParam(n, adapter)).map(([n]) => n.split('.lora_')[0]));
  for (const [name, t] of params) {
    const bias = name.endsWith('.bias') && !isSavedCopy(name, adapter) && !isLoraParam(name, adapter);
    const include = isLoraParam(name, adapter) || isSavedCopy(name, adapter) ||
      (bias && config.bias === 'all') ||
      (bias && config.bias === 'lora_only' && loraLayers.has(name.replace(/\.base_layer\.bias$/, '')));
    if (include) out.set(toPeftKey(name, adapter), t);
  }
  return out;
}

/**
 * A key from an adapter file -> the model parameter it fills. `wrapped` are the module paths
 * with a modules_to_save copy; `names` all parameter names of the model.
 */
export function fromPeftKey(key: string, adapter: string, wrapped: Set<string>, names: Set<string>): string {
  let name = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
  name = name.replace(/\.lora_A\.weight$/, `.lora_A.${adapter}.weight`).replace(/\.lora_B\.weight$/, `.lora_B.${adapter}.weight`);
  // A wrapped module's tensors are saved under its own path (bert.pooler.dense.weight) and live
  // in its copy (bert.pooler.modules_to_save.default.dense.weight), as PEFT maps them.
  const owner = [...wrapped].filter((w) => name.startsWith(`${w}.`)).sort((a, b) => b.length - a.length)[0];
  if (owner !== undefined) return `${owner}.modules_to_save.${adapter}.${name.slice(owner.length + 1)}`;
  const dot = name.lastIndexOf('.');
  const module = name.slice(0, dot);
  // Biases saved with bias='all' by PEFT versions without base_layer.
  if (!names.has(name) && names.has(`${module}.base_layer.${name.slice(dot + 1)}`)) return `${module}.base_layer.${name.slice(dot + 1)}`;
  return name;
}
