// PreTrainedModel: what every model class shares — loading from a HuggingFace folder (or the
// local hub cache), forward on a worker thread, savePretrained in transformers' layout.
import path from 'path';
import { native, type NativeModelInputs, type NativeModelOutputs } from '../binding';
import { checkDevice, checkDtype, type Device, type DType } from '../dtype';
import { withCallerStack } from '../errors';
import { loadStateDict, saveSafetensors } from '../io';
import { Module, moduleHandle } from '../nn/module';
import { handleOf, type Tensor, wrap } from '../tensor';
import { resolveModelDir } from '../tokenizers/hub';
import { tensor } from '../creation';
import { writeDirAtomic, writeJsonAtomic } from '../util/fs';
import { allIntegers, expectBool, expectIntArray, expectOneOf, expectOptions, invalid } from '../validate';
import { checkAdapterNames } from './adapter-names';
import { PretrainedConfig, type ConfigDict } from './config';
import { checkModelFits } from './size';
import { mapCheckpointKeys } from './weights';

export interface ModelInputs {
  inputIds: Tensor | number[][];
  attentionMask?: Tensor | number[][];
  tokenTypeIds?: Tensor | number[][];
  labels?: Tensor | number[] | number[][];
  outputHiddenStates?: boolean;
  /** Run in mixed precision (torch.autocast), e.g. 'bfloat16' on CPU for inference. */
  autocast?: 'bfloat16' | 'float16';
  /**
   * PEFT's adapter_names: the adapter each row runs with ('__base__' for none), all rows in one
   * batched forward (mixed-adapter batch). Inference only: eval mode, no merged adapters.
   */
  adapterNames?: string[];
}

export interface ModelOutput {
  logits: Tensor;
  loss?: Tensor;
  lastHiddenState: Tensor;
  poolerOutput?: Tensor;
  /** Embedding output and every layer's output, when outputHiddenStates is set. */
  hiddenStates?: Tensor[];
}

export interface LoadingInfo {
  missingKeys: string[];
  unexpectedKeys: string[];
  /** [key, checkpoint shape, model shape] of weights re-initialised under ignoreMismatchedSizes. */
  mismatchedKeys?: [string, number[], number[]][];
}

export interface FromPretrainedOptions {
  numLabels?: number;
  dtype?: DType;
  device?: Device;
  /** Fields that override config.json (snake_case, as transformers' kwargs). */
  config?: ConfigDict;
  /** Print transformers' warnings about missing and unexpected weights (default true). */
  warn?: boolean;
  /** Re-initialise weights whose shape differs from the checkpoint's (e.g. another numLabels) instead of failing. */
  ignoreMismatchedSizes?: boolean;
  /**
   * Zero-copy: the weights stay views of the memory-mapped checkpoint file (default false: they
   * are copied out of it, as transformers does). Faster to load and shares pages between
   * processes, but the model then follows the file: truncating it kills the process (SIGBUS),
   * rewriting it in place silently changes the weights.
   */
  mmap?: boolean;
}

const INPUT_KEYS = ['inputIds', 'attentionMask', 'tokenTypeIds', 'labels', 'outputHiddenStates', 'autocast', 'adapterNames'] as const;

/** Ids or a mask given as number[][] become int64; a fraction is an error, not truncated. */
function asIds(name: string, value: unknown): Tensor | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return tensor(expectIntArray(`forward(inputs).${name}`, value as number[][], 'an integer'), { dtype: 'int64' });
  handleOf(value, name);
  return value as Tensor;
}

/** Labels as torch.tensor infers them: int64 class indices, or float32 when any is fractional (regression). */
function asLabels(value: unknown): Tensor | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return tensor(value as number[], { dtype: allIntegers(value) ? 'int64' : 'float32' });
  handleOf(value, 'labels');
  return value as Tensor;
}

export type ModelClass<M extends PreTrainedModel> = {
  new (handle: ReturnType<typeof native.createModel>, config: PretrainedConfig): M;
  readonly family: 'bert' | 'opt';
  readonly head: string;
  readonly basePrefix: string;
  /** transformers' _keys_to_ignore_on_load_unexpected: checkpoint keys this class drops without a word. */
  readonly keysToIgnoreOnLoadUnexpected?: readonly RegExp[];
};

export abstract class PreTrainedModel extends Module {
  readonly config: PretrainedConfig;
  loadingInfo: LoadingInfo = { missingKeys: [], unexpectedKeys: [] };
  /** The folder or hub id the model was loaded from (transformers' name_or_path). */
  nameOrPath: string | null = null;

  /** @internal */
  constructor(handle: ReturnType<typeof native.createModel>, config: PretrainedConfig) {
    super(handle);
    this.config = config;
  }

  /** [async] Loads the model from a folder or hub id (see FromPretrainedOptions). */
  static fromPretrained<M extends PreTrainedModel>(this: ModelClass<M>, dirOrId: string, options?: FromPretrainedOptions): Promise<M> {
    return fromPretrained(this, dirOrId, options);
  }

  /** Builds the model from a config, with freshly initialised weights. */
  static fromConfig<M extends PreTrainedModel>(this: ModelClass<M>, config: PretrainedConfig, options?: FromPretrainedOptions): M {
    return fromConfig(this, config, options);
  }

  /** Class name as transformers' architectures field records it. */
  get architecture(): string { return this.type; }

  #inputs(inputs: ModelInputs): NativeModelInputs {
    const o = expectOptions('forward(inputs)', inputs, INPUT_KEYS);
    const inputIds = asIds('inputIds', o.inputIds);
    if (!inputIds) invalid('forward(inputs).inputIds', 'a Tensor or number[][] of token ids', o.inputIds);
    const labels = asLabels(o.labels);
    return {
      inputIds: handleOf(inputIds, 'inputIds'),
      attentionMask: o.attentionMask === undefined ? null : handleOf(asIds('attentionMask', o.attentionMask), 'attentionMask'),
      tokenTypeIds: o.tokenTypeIds === undefined ? null : handleOf(asIds('tokenTypeIds', o.tokenTypeIds), 'tokenTypeIds'),
      labels: labels === undefined ? null : handleOf(labels, 'labels'),
      outputHiddenStates: o.outputHiddenStates === undefined ? false : expectBool('outputHiddenStates', o.outputHiddenStates),
      autocast: o.autocast === undefined ? null : expectOneOf('autocast', o.autocast, ['bfloat16', 'float16'] as const),
      adapterNames: o.adapterNames === undefined ? null : checkAdapterNames(this, o.adapterNames, inputIds.shape[0], 'forward(inputs).adapterNames'),
    };
  }

  static #outputs(out: NativeModelOutputs): ModelOutput {
    const result: ModelOutput = { logits: wrap(out.logits ?? out.lastHiddenState!), lastHiddenState: wrap(out.lastHiddenState!) };
    if (out.loss) result.loss = wrap(out.loss);
    if (out.poolerOutput) result.poolerOutput = wrap(out.poolerOutput);
    if (out.hiddenStates) result.hiddenStates = out.hiddenStates.map(wrap);
    return result;
  }

  /**
   * [async] The forward pass on a worker thread. Any number of forwards may run at once; while
   * one is in flight, structural changes of the model (to(), train()/eval(), requiresGrad_(),
   * merging or switching adapters, loading weights) throw BusyError instead of racing with it.
   */
  async forward(inputs: ModelInputs): Promise<ModelOutput> {
    const out = await withCallerStack(native.modelForwardAsync(moduleHandle(this), this.#inputs(inputs)));
    return PreTrainedModel.#outputs(out);
  }

  /** [sync] The forward pass on the calling thread, for small inputs. */
  forwardSync(inputs: ModelInputs): ModelOutput {
    return PreTrainedModel.#outputs(native.modelForward(moduleHandle(this), this.#inputs(inputs)));
  }

  /**
   * Converts parameters and buffers in place: to('bfloat16'), to('cuda'), to({dtype, device}).
   * BusyError while async work (forwards, generation, training steps) runs on the model.
   */
  to(target: DType | Device | { dtype?: DType; device?: Device }): this {
    const t = typeof target === 'string' ? (/^(cpu|cuda)/.test(target) ? { device: target as Device } : { dtype: target as DType }) : expectOptions('to', target, ['dtype', 'device']);
    native.moduleTo(moduleHandle(this), t.dtype ? checkDtype('to(dtype)', t.dtype) : null, t.device ? checkDevice('to(device)', t.device) : null);
    return this;
  }

  /**
   * Writes config.json and model.safetensors as transformers' save_pretrained does, as one
   * checkpoint: the folder is replaced as a whole (writeDirAtomic), so a save killed at any point
   * leaves the complete old or the complete new pair, never a new model.safetensors beside an old
   * config.json. Other files in the folder (tokenizer files) are kept.
   */
  async savePretrained(dir: string): Promise<void> {
    const tensors = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    const config = sortKeys({ ...this.config.toDict(), architectures: [this.architecture] });
    try {
      await writeDirAtomic(dir, async (staging) => {
        await saveSafetensors(path.join(staging, 'model.safetensors'), tensors, { format: 'pt' });
        await writeJsonAtomic(path.join(staging, 'config.json'), config);
      });
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  }
}

function sortKeys(dict: ConfigDict): ConfigDict {
  return Object.fromEntries(Object.keys(dict).sort().map((k) => [k, dict[k]]));
}

const OPTION_NAMES = ['numLabels', 'dtype', 'device', 'config', 'warn', 'ignoreMismatchedSizes', 'mmap'] as const;

/** Builds a model of `cls` from config alone, with freshly initialised weights. */
export function fromConfig<M extends PreTrainedModel>(cls: ModelClass<M>, config: PretrainedConfig, options?: FromPretrainedOptions): M {
  const o = expectOptions(`${cls.name}.fromConfig`, options, OPTION_NAMES);
  const dtype = o.dtype ? checkDtype('dtype', o.dtype) : null;
  const device = o.device ? checkDevice('device', o.device) : null;
  config.checkBuildable();
  checkModelFits(`${cls.name}.fromConfig`, cls.family, cls.head, config, dtype, device);
  const handle = native.createModel(cls.family, cls.head, config.nativeFields(), dtype, device);
  const model = new cls(handle, config);
  native.moduleLoadParameters(handle, {}, initStd(config));
  model.requiresGrad_(true);  // every parameter trains until frozen, as in PyTorch
  return model;
}

function initStd(config: PretrainedConfig): number {
  return (config.get<number>('initializer_range') ?? config.get<number>('init_std') ?? 0.02) as number;
}

/** Loads `cls` from a model folder or hub id, mapping keys as transformers does. */
export async function fromPretrained<M extends PreTrainedModel>(cls: ModelClass<M>, dirOrId: string, options?: FromPretrainedOptions): Promise<M> {
  const o = expectOptions(`${cls.name}.fromPretrained`, options, OPTION_NAMES);
  const dir = resolveModelDir(dirOrId);
  const overrides: ConfigDict = { ...(o.config ?? {}) };
  if (o.numLabels !== undefined) overrides.num_labels = o.numLabels;
  const base = PretrainedConfig.fromPretrained(dir);
  const config = PretrainedConfig.create({ ...base.given, ...overrides }, base.source);
  const dtype = o.dtype ? checkDtype('dtype', o.dtype) : null;
  const device = o.device ? checkDevice('device', o.device) : null;
  config.checkBuildable();
  checkModelFits(`${cls.name}.fromPretrained`, cls.family, cls.head, config, dtype, device);
  const mmap = o.mmap === undefined ? false : expectBool('mmap', o.mmap);
  const handle = native.createModel(cls.family, cls.head, config.nativeFields(), dtype, device);
  const model = new cls(handle, config);
  const info = await loadWeights(model, cls.basePrefix, dir, { mmap, ignoreMismatched: o.ignoreMismatchedSizes ?? false, std: initStd(config) });
  const ignored = cls.keysToIgnoreOnLoadUnexpected ?? [];
  model.loadingInfo = { ...info, unexpectedKeys: info.unexpectedKeys.filter((k) => !ignored.some((re) => re.test(k))) };
  model.requiresGrad_(true);
  model.nameOrPath = dirOrId;
  model.eval();  // as transformers' from_pretrained: dropout off until train() is called
  if (o.warn ?? true) warnLoading(model.architecture, dir, model.loadingInfo);
  return model;
}

/**
 * Fills the model from the checkpoint in `dir`, mapping keys as transformers does. The parameters
 * take the loaded tensors over without a copy (set_), replacing the uninitialised memory
 * createModel gave them, which was never touched: the model is held once while loading. By
 * default the checkpoint's tensors own their memory, copied out of the mapped file one at a time,
 * so the model no longer depends on the file (transformers copies too); with `mmap` they stay
 * views of it.
 */
async function loadWeights(model: PreTrainedModel, basePrefix: string, dir: string, o: { mmap: boolean; ignoreMismatched: boolean; std: number }): Promise<LoadingInfo> {
  const { tensors: checkpoint } = await loadStateDict(dir, { mmap: o.mmap });
  try {
    const state = model.stateDict();
    const shapes = new Map([...state].map(([k, t]) => [k, t.shape]));
    state.forEach((t) => t.dispose());
    const mapping = mapCheckpointKeys([...checkpoint.keys()], [...shapes.keys()], basePrefix);
    const weights: Record<string, ReturnType<typeof handleOf>> = {};
    const mismatched: [string, number[], number[]][] = [];
    for (const [key, source] of mapping.sources) {
      const t = checkpoint.get(source)!;
      if (o.ignoreMismatched && t.shape.join() !== shapes.get(key)!.join()) mismatched.push([key, t.shape, shapes.get(key)!]);
      else weights[key] = handleOf(t, source);
    }
    const missing = native.moduleLoadParameters(moduleHandle(model), weights, o.std);
    const info: LoadingInfo = { missingKeys: missing.filter((k) => !mismatched.some(([m]) => m === k)), unexpectedKeys: mapping.unexpected };
    if (mismatched.length > 0) info.mismatchedKeys = mismatched;
    return info;
  } finally {
    for (const t of checkpoint.values()) t.dispose();
  }
}

function warnLoading(arch: string, dir: string, info: LoadingInfo): void {
  for (const [key, from, to] of info.mismatchedKeys ?? []) {
    console.warn(`Some weights of ${arch} were not initialized from the model checkpoint at ${dir} and are newly initialized because the shapes did not match: ${key}: found shape [${from}] in the checkpoint and [${to}] in the model instantiated`);
  }
  if (info.unexpectedKeys.length > 0) {
    console.warn(`Some weights of the model checkpoint at ${dir} were not used when initializing ${arch}: [${info.unexpectedKeys.map((k) => `'${k}'`).join(', ')}]`);
  }
  if (info.missingKeys.length > 0) {
    console.warn(`Some weights of ${arch} were not initialized from the model checkpoint at ${dir} and are newly initialized: [${info.missingKeys.map((k) => `'${k}'`).join(', ')}]\nYou should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.`);
  }
}
