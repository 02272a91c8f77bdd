// Which modules an adapter targets, with current PEFT's rules: a list entry matches a module
// whose name equals it or ends with "." + entry; a string is a regex that must match the whole
// name; 'all-linear' takes every Linear but the output head; layersToTransform keeps only the
// given layer indexes.
import type { LoraConfig } from './config';

/** PEFT's default target modules per model type. */
export const DEFAULT_TARGETS: Record<string, string[]> = {
  bert: ['query', 'value'],
  opt: ['q_proj', 'v_proj'],
};

const LAYER_PATTERNS = ['layers', 'h', 'block', 'blocks', 'layer'];
const OUTPUT_HEADS = ['lm_head', 'classifier', 'score'];

function matchesEntry(name: string, spec: string[] | string): boolean {
  if (typeof spec === 'string') return new RegExp(`^(?:${spec})$`).test(name);
  return spec.some((t) => name === t || name.endsWith(`.${t}`));
}

function layerIndex(name: string, patterns: string[] | string | null): number | null {
  const list = patterns === null ? LAYER_PATTERNS : typeof patterns === 'string' ? [patterns] : patterns;
  for (const p of list) {
    const m = new RegExp(`^.*\\.${p}\\.(\\d+)\\.`).exec(name);
    if (m) return Number(m[1]);
  }
  return null;
}

export interface ModuleInfo {
  name: string;
  type: string;
}

const linear = (m: ModuleInfo) => m.type === 'Linear' || m.type === 'lora.Linear';

/** Modules inside a modules_to_save wrapper (its original or a copy): no adapter goes there. */
function insideWrapper(modules: ModuleInfo[]): (m: ModuleInfo) => boolean {
  const wrappers = modules.filter((m) => m.type === 'ModulesToSaveWrapper').map((m) => `${m.name}.`);
  return (m) => wrappers.some((w) => m.name.startsWith(w));
}

/**
 * PEFT's _check_target_module_exists: "Adapters should never match on modules to save modules",
 * so a target equal to or inside a modules_to_save entry (matched as PEFT's regex does) is left out.
 */
function inModulesToSave(name: string, modulesToSave: string[] | null): boolean {
  return (modulesToSave ?? []).some((m) => new RegExp(`^(?:.*\\.)?(?:${m})(?:\\..*)?$`).test(name));
}

/** Names of the modules to wrap; throws when none match, naming what was asked for. */
export function findTargets(config: LoraConfig, modules: ModuleInfo[], modelType: string): string[] {
  let spec = config.targetModules ?? DEFAULT_TARGETS[modelType];
  if (!spec) throw new Error(`Please specify targetModules in LoraConfig: there is no default for model type '${modelType}'`);
  const wrapped = insideWrapper(modules);
  let candidates = modules.filter((m) => m.name !== '' && !wrapped(m));
  if (spec === 'all-linear') {
    candidates = candidates.filter((m) => linear(m) && !OUTPUT_HEADS.some((h) => m.name === h || m.name.endsWith(`.${h}`)));
    spec = candidates.map((m) => m.name);
  }
  const layers = config.layersToTransform === null ? null : [config.layersToTransform].flat();
  const chosen = candidates.filter((m) => {
    if (!matchesEntry(m.name, spec!)) return false;
    if (config.excludeModules !== null && matchesEntry(m.name, config.excludeModules)) return false;
    if (layers === null) return true;
    const index = layerIndex(m.name, config.layersPattern);
    return index !== null && layers.includes(index);
  });
  if (chosen.length === 0) {
    const asked = typeof spec === 'string' ? spec : `{${spec.map((s) => `'${s}'`).join(', ')}}`;
    throw new Error(`Target modules ${asked} not found in the base model. Please check the target modules and try again.`);
  }
  const kept = chosen.filter((m) => !inModulesToSave(m.name, config.modulesToSave));
  if (kept.length === 0) {
    throw new Error('No modules were targeted for adaptation. This might be caused by a combination of mismatched target modules and excluded modules. Please check your `target_modules` and `exclude_modules` configuration. You may also have only targeted modules that are marked to be saved (`modules_to_save`).');
  }
  return checkSupported(kept);
}

function checkSupported(chosen: ModuleInfo[]): string[] {
  const unsupported = chosen.filter((m) => !linear(m) && m.type !== 'ModulesToSaveWrapper');
  if (unsupported.length > 0) {
    throw new Error(`Target module ${unsupported[0].name} (${unsupported[0].type}) is not supported: LoRA applies to Linear layers`);
  }
  return chosen.map((m) => m.name);
}

/**
 * modules_to_save: PEFT matches by name suffix. Modules already inside a wrapper and modules
 * inside another chosen one are left out (the outer copy holds them already).
 */
export function findModulesToSave(names: string[], modules: ModuleInfo[]): string[] {
  const wrapped = insideWrapper(modules);
  const matched = modules.filter((m) => m.name !== '' && !wrapped(m) && names.some((n) => m.name === n || m.name.endsWith(`.${n}`)));
  return matched.filter((m) => !matched.some((outer) => m.name.startsWith(`${outer.name}.`))).map((m) => m.name);
}

/** rank_pattern / alpha_pattern lookup: a key matching the end of the module name wins. */
export function patternValue(pattern: Record<string, number>, name: string, fallback: number): number {
  for (const [key, value] of Object.entries(pattern)) {
    if (new RegExp(`(^|.*\\.)(?:${key})$`).test(name)) return value;
  }
  return fallback;
}
