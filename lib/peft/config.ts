// LoraConfig: PEFT's LoraConfig in camelCase with PEFT's current defaults; adapter_config.json
// is read and written with PEFT's snake_case names (fields from other PEFT versions are kept).
import fs from 'fs';
import path from 'path';
import { invalid } from '../validate';

export const TaskType = {
  SEQ_CLS: 'SEQ_CLS',
  SEQ_2_SEQ_LM: 'SEQ_2_SEQ_LM',
  CAUSAL_LM: 'CAUSAL_LM',
  TOKEN_CLS: 'TOKEN_CLS',
  QUESTION_ANS: 'QUESTION_ANS',
  FEATURE_EXTRACTION: 'FEATURE_EXTRACTION',
} as const;
export type TaskType = (typeof TaskType)[keyof typeof TaskType];

/** The LoraConfig fields node-peft implements (a LoraConfig has each of them). */
export interface LoraConfigFields {
  taskType?: TaskType | null;
  r?: number;
  loraAlpha?: number;
  loraDropout?: number;
  targetModules?: string[] | string | null;
  excludeModules?: string[] | string | null;
  layersToTransform?: number[] | number | null;
  layersPattern?: string[] | string | null;
  rankPattern?: Record<string, number>;
  alphaPattern?: Record<string, number>;
  bias?: 'none' | 'all' | 'lora_only';
  modulesToSave?: string[] | null;
  fanInFanOut?: boolean;
  initLoraWeights?: boolean | 'gaussian';
  useRslora?: boolean;
  inferenceMode?: boolean;
  baseModelNameOrPath?: string | null;
  revision?: string | null;
}

/** PEFT options node-peft does not implement: accepted only at PEFT's default (see UNSUPPORTED). */
export interface UnsupportedLoraOptions {
  useDora?: boolean;
  loraBias?: boolean;
  useQalora?: boolean;
  ensureWeightTying?: boolean;
  layerReplication?: [number, number][] | null;
  megatronConfig?: Record<string, unknown> | null;
  loftqConfig?: Record<string, unknown> | null;
  evaConfig?: Record<string, unknown> | null;
  cordaConfig?: Record<string, unknown> | null;
  loraGaConfig?: Record<string, unknown> | null;
  trainableTokenIndices?: number[] | Record<string, number[]> | null;
  aloraInvocationTokens?: number[] | null;
  targetParameters?: string[] | null;
  useBdlora?: Record<string, unknown> | null;
  arrowConfig?: Record<string, unknown> | null;
}

export interface LoraConfigOptions extends LoraConfigFields, UnsupportedLoraOptions {}

// camelCase option -> PEFT's snake_case field, with PEFT's default.
const FIELDS: [keyof LoraConfigFields, string, unknown][] = [
  ['taskType', 'task_type', null],
  ['r', 'r', 8],
  ['loraAlpha', 'lora_alpha', 8],
  ['loraDropout', 'lora_dropout', 0.0],
  ['targetModules', 'target_modules', null],
  ['excludeModules', 'exclude_modules', null],
  ['layersToTransform', 'layers_to_transform', null],
  ['layersPattern', 'layers_pattern', null],
  ['rankPattern', 'rank_pattern', {}],
  ['alphaPattern', 'alpha_pattern', {}],
  ['bias', 'bias', 'none'],
  ['modulesToSave', 'modules_to_save', null],
  ['fanInFanOut', 'fan_in_fan_out', false],
  ['initLoraWeights', 'init_lora_weights', true],
  ['useRslora', 'use_rslora', false],
  ['inferenceMode', 'inference_mode', false],
  ['baseModelNameOrPath', 'base_model_name_or_path', null],
  ['revision', 'revision', null],
];

// Fields current PEFT writes that node-peft does not implement; written with PEFT's defaults so
// that the file has exactly PEFT's field set.
const PEFT_ONLY: Record<string, unknown> = {
  auto_mapping: null,
  layer_replication: null,
  loftq_config: {},
  megatron_config: null,
  megatron_core: 'megatron.core',
  use_dora: false,
};

// Empty lists count through Object.keys too ([] has no keys).
const isOff = (v: unknown) => v === undefined || v === null || v === false || (typeof v === 'object' && Object.keys(v as object).length === 0);

/**
 * LoraConfig fields of current PEFT (0.19) that change what an adapter computes or how it is
 * built, and that node-peft does not implement. At PEFT's default (false, null, {} or []) they are
 * accepted; set, they are refused by name: loading such an adapter as plain LoRA would give
 * other outputs than PEFT without a word. (qalora_group_size and megatron_core only matter with
 * use_qalora / megatron_config; runtime_config is never saved.)
 */
const UNSUPPORTED: [option: string, field: string, feature: string][] = [
  ['useDora', 'use_dora', 'DoRA (weight-decomposed LoRA)'],
  ['loraBias', 'lora_bias', 'a bias on lora_B (lora_bias)'],
  ['useQalora', 'use_qalora', 'QA-LoRA'],
  ['ensureWeightTying', 'ensure_weight_tying', 'adapters tied across tied weights'],
  ['layerReplication', 'layer_replication', 'layer replication'],
  ['megatronConfig', 'megatron_config', 'Megatron parallel LoRA layers'],
  ['loftqConfig', 'loftq_config', 'LoftQ initialisation'],
  ['evaConfig', 'eva_config', 'EVA initialisation'],
  ['cordaConfig', 'corda_config', 'CorDA initialisation'],
  ['loraGaConfig', 'lora_ga_config', 'LoRA-GA initialisation'],
  ['trainableTokenIndices', 'trainable_token_indices', 'trainable token indices'],
  ['aloraInvocationTokens', 'alora_invocation_tokens', 'Activated LoRA (aLoRA)'],
  ['targetParameters', 'target_parameters', 'LoRA on parameters (target_parameters)'],
  ['useBdlora', 'use_bdlora', 'BD-LoRA'],
  ['arrowConfig', 'arrow_config', 'Arrow routing'],
];

function refuseUnsupported(where: string, given: Record<string, unknown>, snakeCase: boolean): void {
  for (const [option, field, feature] of UNSUPPORTED) {
    const value = given[snakeCase ? field : option];
    if (isOff(value)) continue;
    const name = snakeCase ? field : `${option} (${field})`;
    const fix = snakeCase
      ? 'use an adapter trained without it, or merge it into the base model with Python PEFT (merge_and_unload) and load the merged model'
      : `leave ${option} unset (PEFT's default)`;
    throw new Error(`${where}: ${name} is set to ${JSON.stringify(value)}, but node-peft does not implement ${feature}; loading it as plain LoRA would give other outputs than PEFT. To fix: ${fix}`);
  }
}

const OPTION_NAMES = [...FIELDS.map(([k]) => k as string), ...UNSUPPORTED.map(([k]) => k)];

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function validate(o: Required<LoraConfigFields>): void {
  if (o.taskType !== null && !Object.values(TaskType).includes(o.taskType)) invalid('LoraConfig.taskType', `one of ${Object.values(TaskType).join(', ')}`, o.taskType);
  if (!Number.isInteger(o.r) || o.r <= 0) invalid('LoraConfig.r', 'a positive integer', o.r);
  if (typeof o.loraAlpha !== 'number' || !Number.isFinite(o.loraAlpha)) invalid('LoraConfig.loraAlpha', 'a number', o.loraAlpha);
  if (typeof o.loraDropout !== 'number' || o.loraDropout < 0 || o.loraDropout >= 1) invalid('LoraConfig.loraDropout', 'a probability in [0, 1)', o.loraDropout);
  for (const key of ['targetModules', 'excludeModules', 'layersPattern'] as const) {
    const v = o[key];
    if (v !== null && typeof v !== 'string' && !isStringList(v)) invalid(`LoraConfig.${key}`, 'a module name list, a regex string or null', v);
  }
  const layers = o.layersToTransform;
  if (layers !== null && !(Number.isInteger(layers) || (Array.isArray(layers) && layers.every(Number.isInteger)))) invalid('LoraConfig.layersToTransform', 'a layer index or a list of them', layers);
  if (!['none', 'all', 'lora_only'].includes(o.bias)) invalid('LoraConfig.bias', "one of 'none', 'all', 'lora_only'", o.bias);
  if (o.modulesToSave !== null && !isStringList(o.modulesToSave)) invalid('LoraConfig.modulesToSave', 'a list of module names or null', o.modulesToSave);
  if (o.initLoraWeights !== true && o.initLoraWeights !== false && o.initLoraWeights !== 'gaussian') {
    invalid('LoraConfig.initLoraWeights', "true, false or 'gaussian' (node-peft does not implement PEFT's eva, olora, pissa, corda, loftq or orthogonal initialisations)", o.initLoraWeights);
  }
  for (const key of ['rankPattern', 'alphaPattern'] as const) {
    const v = o[key];
    if (v === null || typeof v !== 'object' || Object.values(v).some((x) => typeof x !== 'number')) invalid(`LoraConfig.${key}`, 'an object of module pattern -> number', v);
  }
  for (const key of ['fanInFanOut', 'useRslora', 'inferenceMode'] as const) if (typeof o[key] !== 'boolean') invalid(`LoraConfig.${key}`, 'a boolean', o[key]);
}

export class LoraConfig implements Required<LoraConfigFields> {
  readonly peftType = 'LORA';
  taskType!: TaskType | null;
  r!: number;
  loraAlpha!: number;
  loraDropout!: number;
  targetModules!: string[] | string | null;
  excludeModules!: string[] | string | null;
  layersToTransform!: number[] | number | null;
  layersPattern!: string[] | string | null;
  rankPattern!: Record<string, number>;
  alphaPattern!: Record<string, number>;
  bias!: 'none' | 'all' | 'lora_only';
  modulesToSave!: string[] | null;
  fanInFanOut!: boolean;
  initLoraWeights!: boolean | 'gaussian';
  useRslora!: boolean;
  inferenceMode!: boolean;
  baseModelNameOrPath!: string | null;
  revision!: string | null;
  /** Fields of adapter_config.json that this version does not know, kept for writing back. */
  extra: Record<string, unknown> = {};

  constructor(options: LoraConfigOptions = {}) {
    if (options === null || typeof options !== 'object') invalid('LoraConfig', 'an options object', options);
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.includes(key)) throw new TypeError(`LoraConfig: unknown option '${key}' (allowed: ${OPTION_NAMES.join(', ')})`);
    }
    refuseUnsupported('LoraConfig', options as Record<string, unknown>, false);
    const self = this as unknown as Record<string, unknown>;
    for (const [key, , fallback] of FIELDS) {
      const value = (options as Record<string, unknown>)[key];
      self[key] = value === undefined ? structuredClone(fallback) : value;
    }
    validate(this);
  }

  /** adapter_config.json's object, as current PEFT writes it. */
  toDict(): Record<string, unknown> {
    const self = this as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = { ...PEFT_ONLY, ...this.extra, peft_type: 'LORA' };
    for (const [key, field] of FIELDS) out[field] = self[key];
    // exclude_modules came after PEFT 0.13; written only when used, so files match 0.13's set.
    if (out.exclude_modules === null) delete out.exclude_modules;
    return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
  }

  static fromDict(dict: Record<string, unknown>, where = 'adapter config'): LoraConfig {
    if (dict.peft_type !== undefined && dict.peft_type !== 'LORA') throw new Error(`${where}: peft_type ${JSON.stringify(dict.peft_type)} is not supported (node-peft supports LORA)`);
    refuseUnsupported(where, dict, true);
    const options: Record<string, unknown> = {};
    const extra: Record<string, unknown> = {};
    const byField = new Map(FIELDS.map(([key, field]) => [field, key]));
    for (const [field, value] of Object.entries(dict)) {
      const key = byField.get(field);
      if (key) options[key] = value;
      else if (field !== 'peft_type') extra[field] = value;
    }
    let config: LoraConfig;
    try {
      config = new LoraConfig(options as LoraConfigOptions);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    config.extra = extra;
    return config;
  }

  static fromPretrained(dir: string): LoraConfig {
    const file = path.join(dir, 'adapter_config.json');
    let dict: unknown;
    try {
      dict = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read ${file}: ${(err as Error).message}`);
    }
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) invalid(file, 'a JSON object', dict);
    return LoraConfig.fromDict(dict as Record<string, unknown>, file);
  }
}
