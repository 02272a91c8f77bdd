// PeftModel: a transformers model with LoRA adapters injected in place, as PEFT's PeftModel
// wraps its LoraModel. Several named adapters can live on one base model; the active ones run.
import fs from 'fs';
import path from 'path';
import { native } from '../binding';
import { DTYPE_BYTES } from '../dtype';
import { BusyError } from '../errors';
import { loadSafetensors, loadTorchBin, saveSafetensors } from '../io';
import type { ModelInputs, ModelOutput, PreTrainedModel } from '../models/pretrained';
import { assertIdle, moduleHandle } from '../nn/module';
import { noGrad } from '../scope';
import type { Tensor } from '../tensor';
import { writeDirAtomic, writeJsonAtomic } from '../util/fs';
import { expectBool, expectOptions, invalid } from '../validate';
import { LoraConfig, TaskType } from './config';
import { adapterParameterNames, adapterStateDict, fromPeftKey } from './state-dict';
import { DEFAULT_TARGETS, findModulesToSave, findTargets, patternValue, type ModuleInfo } from './targets';
import { checkModulesToSave, planWeightedAdapter, type CombinationType, type WeightedAdapterOptions } from './weighted-adapter';

const CLASSIFIER_MODULES = ['classifier', 'score'];

export interface LoadAdapterOptions {
  adapterName?: string;
  isTrainable?: boolean;
}

export interface SaveOptions {
  selectedAdapters?: string[];
  safeSerialization?: boolean;
}

export class PeftModel {
  /** The transformers model, carrying the LoRA layers. */
  readonly baseModel: PreTrainedModel;
  readonly peftConfig = new Map<string, LoraConfig>();
  #active: string[] = [];

  /** Use getPeftModel() or PeftModel.fromPretrained(). */
  constructor(model: PreTrainedModel, config: LoraConfig, adapterName = 'default') {
    if (!(config instanceof LoraConfig)) invalid('getPeftModel(config)', 'a LoraConfig', config);
    this.baseModel = model;
    model.requiresGrad_(false);
    this.addAdapter(adapterName, config);
    this.setAdapter(adapterName);
  }

  get #handle() { return moduleHandle(this.baseModel); }

  #modules(): ModuleInfo[] {
    return native.moduleNamedModules(this.#handle).map(([name, type]) => ({ name, type }));
  }

  /** Adds a new adapter (not made active: see setAdapter). BusyError while async work runs on the model. */
  addAdapter(adapterName: string, config: LoraConfig): void {
    if (typeof adapterName !== 'string' || !/^[A-Za-z0-9_-]+$/.test(adapterName)) invalid('adapterName', 'a name of letters, digits, _ or -', adapterName);
    if (this.peftConfig.has(adapterName)) throw new Error(`adapter '${adapterName}' already exists`);
    assertIdle(this.baseModel, 'addAdapter()');  // before the config is touched: nothing changes when busy
    if (config.taskType === TaskType.SEQ_CLS) {
      config.modulesToSave = config.modulesToSave === null ? [...CLASSIFIER_MODULES] : [...new Set([...config.modulesToSave, ...CLASSIFIER_MODULES])];
    }
    // As PEFT's _prepare_adapter_config: the model type's defaults become the config's targets.
    if (config.targetModules === null && DEFAULT_TARGETS[this.baseModel.config.modelType]) config.targetModules = [...DEFAULT_TARGETS[this.baseModel.config.modelType]];
    if (config.fanInFanOut) {
      // As PEFT: fan_in_fan_out describes Conv1D weights; every layer node-peft wraps is a Linear.
      console.warn('fan_in_fan_out is set to True but the target module is `torch.nn.Linear`. Setting fan_in_fan_out to False.');
      config.fanInFanOut = false;
    }
    const modules = this.#modules();
    for (const target of findTargets(config, modules, this.baseModel.config.modelType)) {
      native.loraInject(this.#handle, target, adapterName, {
        r: patternValue(config.rankPattern, target, config.r),
        alpha: patternValue(config.alphaPattern, target, config.loraAlpha),
        dropout: config.loraDropout,
        useRslora: config.useRslora,
        init: String(config.initLoraWeights),
        fanInFanOut: config.fanInFanOut,
      });
    }
    for (const target of findModulesToSave(config.modulesToSave ?? [], modules)) native.modulesToSave(this.#handle, target, adapterName);
    if (config.baseModelNameOrPath === null) config.baseModelNameOrPath = this.baseModel.nameOrPath;
    this.peftConfig.set(adapterName, config);
    this.#markTrainable(adapterName, !config.inferenceMode);
    native.loraSetActive(this.#handle, this.#active);
  }

  // PEFT's _mark_only_adapters_as_trainable for one adapter (the base stays frozen).
  #markTrainable(adapterName: string, trainable: boolean): void {
    const config = this.peftConfig.get(adapterName)!;
    const params = this.baseModel.namedParameters();
    const own = new Set(adapterParameterNames(params.map(([n]) => n), adapterName));
    for (const [name, t] of params) {
      const bias = name.endsWith('.bias') && !name.includes('.lora_') && !name.includes('.modules_to_save.');
      if (own.has(name)) t.requiresGrad = trainable;
      else if (trainable && bias && (config.bias === 'all' || (config.bias === 'lora_only' && name.endsWith('.base_layer.bias')))) t.requiresGrad = true;
      t.dispose();  // the handle only: the parameter stays with its module (deleteAdapter frees it at once)
    }
  }

  get activeAdapters(): string[] { return [...this.#active]; }
  get activeAdapter(): string { return this.#active[0]; }

  /** Makes the named adapter(s) the active ones. BusyError while async work runs on the model. */
  setAdapter(adapterName: string | string[]): void {
    const names = [adapterName].flat();
    for (const n of names) if (!this.peftConfig.has(n)) throw new Error(`adapter '${n}' does not exist (loaded: ${[...this.peftConfig.keys()].join(', ')})`);
    native.loraSetActive(this.#handle, names);  // first: it throws BusyError before anything changed
    this.#active = names;
  }

  /** Deletes an adapter (a merged one must be unmerged first). BusyError while async work runs on the model. */
  deleteAdapter(adapterName: string): void {
    if (!this.peftConfig.has(adapterName)) throw new Error(`adapter '${adapterName}' does not exist`);
    native.loraDeleteAdapter(this.#handle, adapterName);
    this.peftConfig.delete(adapterName);
    this.#active = this.#active.filter((n) => n !== adapterName);
    native.loraSetActive(this.#handle, this.#active);
  }

  /**
   * PEFT's add_weighted_adapter: a new adapter `adapterName` combining `adapters` with `weights`
   * (negative ones subtract), by `combinationType`: 'svd' (default), 'linear', 'cat', 'ties',
   * 'dare_linear', 'dare_ties', 'magnitude_prune' or their '_svd' variants (see
   * WeightedAdapterOptions for density, majoritySignMethod and the svd settings). The new adapter
   * is frozen and not made active. The dare types draw their masks from libtorch's generator:
   * manualSeed(s) first reproduces torch.manual_seed(s) followed by PEFT's draws (PEFT also draws
   * its new adapter's throw-away initial weights first; node-peft leaves the generator as it was
   * for those). Unlike PEFT, which silently does nothing, an existing adapterName is an error.
   */
  addWeightedAdapter(adapters: string[], weights: number[], adapterName: string, combinationType: CombinationType = 'svd', options?: WeightedAdapterOptions): void {
    if (this.peftConfig.has(adapterName)) throw new Error(`addWeightedAdapter: adapter '${adapterName}' already exists; deleteAdapter('${adapterName}') first or choose another name`);
    const plan = planWeightedAdapter(this.peftConfig, adapters, weights, combinationType, options);
    const params = this.baseModel.namedParameters();
    params.forEach(([, t]) => t.dispose());
    checkModulesToSave(params.map(([n]) => n), adapters);
    assertIdle(this.baseModel, 'addWeightedAdapter()');
    const rng = native.rngGetState(null);
    this.addAdapter(adapterName, plan.config);
    native.rngSetState(null, rng);  // the new adapter's initial weights are overwritten: they draw nothing
    try {
      native.loraAddWeighted(this.#handle, adapterName, adapters, weights, plan.native);
    } catch (err) {
      this.deleteAdapter(adapterName);
      throw err;
    }
  }

  /**
   * Bytes held by an adapter's own tensors (LoRA A and B of every layer, its modules_to_save
   * copies); without a name, by all adapters together. The base model is not counted.
   */
  adapterMemory(adapterName?: string): number {
    if (adapterName === undefined) return [...this.peftConfig.keys()].reduce((sum, n) => sum + native.peftAdapterMemory(this.#handle, n), 0);
    if (!this.peftConfig.has(adapterName)) throw new Error(`adapterMemory: adapter '${adapterName}' does not exist (loaded: ${[...this.peftConfig.keys()].join(', ')})`);
    return native.peftAdapterMemory(this.#handle, adapterName);
  }

  /**
   * Runs fn with every adapter disabled (the base model's outputs) and re-enables them afterwards;
   * for an async fn, once its promise has settled and the work it started has finished. Disabling
   * undoes merges. BusyError when async work is in flight on the model at the call, or when a
   * synchronous fn leaves some in flight (return its promise instead).
   */
  disableAdapter<R>(fn: () => R): R {
    native.loraSetDisabled(this.#handle, true);
    let result: R;
    try {
      result = fn();
    } catch (err) {
      void this.#enableWhenIdle();
      throw err;
    }
    if (result instanceof Promise) return result.finally(() => this.#enableWhenIdle()) as R;
    if (!native.moduleIsIdle(this.#handle)) {
      void this.#enableWhenIdle();
      throw new BusyError('disableAdapter(fn): fn returned while async work it started is still in flight on the model; return its promise from fn (the adapters are re-enabled once that work has finished)');
    }
    native.loraSetDisabled(this.#handle, false);
    return result;
  }

  // Re-enables the adapters now when nothing is in flight, else once it has finished: work started
  // inside the scope runs with adapters disabled to its end. Polled (1 ms): the JS thread cannot
  // wait on the workers, and the guard has no way to call back into JS when it drains.
  async #enableWhenIdle(): Promise<void> {
    while (!native.moduleIsIdle(this.#handle)) await new Promise((resolve) => setTimeout(resolve, 1));
    native.loraSetDisabled(this.#handle, false);
  }

  // ---- forward ----
  forward(inputs: ModelInputs): Promise<ModelOutput> { return this.baseModel.forward(inputs); }
  forwardSync(inputs: ModelInputs): ModelOutput { return this.baseModel.forwardSync(inputs); }
  generate(inputIds: Tensor, options?: Record<string, unknown>): Promise<Tensor> {
    const model = this.baseModel as unknown as { generate?: (ids: Tensor, o?: unknown) => Promise<Tensor> };
    if (typeof model.generate !== 'function') throw new Error(`${this.baseModel.type} cannot generate: it has no language-model head`);
    return model.generate(inputIds, options);
  }
  train(mode = true): this { this.baseModel.train(mode); return this; }
  eval(): this { return this.train(false); }

  // ---- merging ----
  /**
   * Adds the adapters' B·A·scaling into the base weights (safeMerge checks for NaN/inf first).
   * Like every structural change (unmerge, mergeAndUnload, unload, add/set/delete/disableAdapter,
   * to(), train()/eval(), requiresGrad_(), loading weights), throws BusyError while forwards,
   * generation or training steps are in flight on the model: await them first.
   */
  merge(adapterNames?: string[], options?: { safeMerge?: boolean }): void {
    const o = expectOptions('merge', options, ['safeMerge']);
    native.loraMerge(this.#handle, adapterNames ?? this.#active, expectBool('safeMerge', o.safeMerge ?? false));
  }
  unmerge(): void { native.loraUnmerge(this.#handle); }
  get merged(): boolean { return native.loraMergedLayers(this.#handle) > 0; }

  /** Merges the active adapters and returns the plain model, with no LoRA modules left. */
  mergeAndUnload(options?: { safeMerge?: boolean; adapterNames?: string[] }): PreTrainedModel {
    const o = expectOptions('mergeAndUnload', options, ['safeMerge', 'adapterNames']);
    const names = o.adapterNames ?? this.#active;
    assertIdle(this.baseModel, 'mergeAndUnload()');  // one name for the two native steps below
    if (o.safeMerge) native.loraMerge(this.#handle, names, true);
    native.loraUnload(this.#handle, !o.safeMerge, names);
    this.peftConfig.clear();
    return this.baseModel;
  }
  /** Removes every LoRA module without merging and returns the base model. */
  unload(): PreTrainedModel {
    assertIdle(this.baseModel, 'unload()');
    native.loraUnmerge(this.#handle);
    native.loraUnload(this.#handle, false, []);
    this.peftConfig.clear();
    return this.baseModel;
  }

  // ---- parameters ----
  /** PEFT's names: "base_model.model." + the transformers model's. */
  namedParameters(): [string, Tensor][] {
    return this.baseModel.namedParameters().map(([n, t]) => [`base_model.model.${n}`, t]);
  }
  getNbTrainableParameters(): { trainable: number; all: number } {
    return { trainable: this.baseModel.numParameters({ onlyTrainable: true }), all: this.baseModel.numParameters() };
  }
  /** The line current PEFT prints, e.g. "trainable params: 1,123 || all params: 53,542 || trainable%: 2.0974". */
  trainableParametersLine(): string {
    return trainableParametersLine(this.getNbTrainableParameters());
  }
  printTrainableParameters(): void { console.log(this.trainableParametersLine()); }

  /** The adapter's tensors under the keys PEFT writes. */
  getAdapterStateDict(adapterName = this.activeAdapter): Map<string, Tensor> {
    const config = this.peftConfig.get(adapterName);
    if (!config) throw new Error(`adapter '${adapterName}' does not exist`);
    return adapterStateDict(this.#adapterTensors(adapterName), adapterName, config);
  }

  // Parameters, plus the buffers of the adapter's modules_to_save copies: PEFT saves a copy's
  // whole state dict (e.g. an embeddings copy's position_ids).
  #adapterTensors(adapterName: string): [string, Tensor][] {
    const copies = `.modules_to_save.${adapterName}.`;
    return [...this.baseModel.namedParameters(), ...this.baseModel.namedBuffers().filter(([n]) => n.includes(copies))];
  }

  // ---- files ----
  /**
   * adapter_config.json + adapter_model.safetensors per adapter; non-default ones in dir/<name>/.
   * The folder is replaced as a whole (writeDirAtomic): a save killed at any point leaves the old or
   * the new adapters, each config beside its weights; adapters not saved now and other files stay.
   */
  async savePretrained(dir: string, options?: SaveOptions): Promise<void> {
    const o = expectOptions('savePretrained', options, ['selectedAdapters', 'safeSerialization']);
    if (o.safeSerialization === false) throw new Error('savePretrained: safeSerialization: false (adapter_model.bin) cannot be written by node-peft; PEFT reads the safetensors file');
    const names = o.selectedAdapters ?? [...this.peftConfig.keys()];
    await writeDirAtomic(dir, async (staging) => {
      for (const name of names) {
        const out = name === 'default' ? staging : path.join(staging, name);
        await fs.promises.mkdir(out, { recursive: true });
        await saveSafetensors(path.join(out, 'adapter_model.safetensors'), this.getAdapterStateDict(name), { format: 'pt' });
        const config = this.peftConfig.get(name)!;
        await writeJsonAtomic(path.join(out, 'adapter_config.json'), { ...config.toDict(), inference_mode: true });
      }
    });
  }

  /**
   * [async] Loads an adapter folder (PEFT's files, any version) under adapterName. The files are
   * read first; the adapter is added and filled in one synchronous step after that, so a forward
   * started meanwhile makes it fail with BusyError before anything changed.
   */
  async loadAdapter(dir: string, adapterName: string, options?: { isTrainable?: boolean }): Promise<void> {
    const o = expectOptions('loadAdapter', options, ['isTrainable']);
    const files = await readAdapter(dir, { isTrainable: expectBool('isTrainable', o.isTrainable ?? false) });
    try {
      this.addAdapterFiles(adapterName, files);
    } finally {
      files.dispose();
    }
  }

  /**
   * Adds an adapter from files readAdapter() has read, in one synchronous step (a server reads
   * the files while forwards run, then adds the adapter between them). On a failure (BusyError,
   * weights that do not fit the base) nothing is left of the adapter. The files stay the caller's;
   * add them once (adding completes their config with the model's defaults).
   */
  addAdapterFiles(adapterName: string, files: AdapterFiles): void {
    this.addAdapter(adapterName, files.config);
    try {
      this.#fillWeights(files.weights, adapterName);
    } catch (err) {
      this.deleteAdapter(adapterName);
      throw err;
    }
  }

  /**
   * [async] Loads an adapter folder's weights into an existing adapter, keeping its config and
   * trainability (PEFT's set_peft_model_state_dict); for resuming training and loading the best
   * checkpoint. BusyError when async work runs on the model once the file is read.
   */
  async loadAdapterWeights(dir: string, adapterName = this.activeAdapter): Promise<void> {
    if (!this.peftConfig.has(adapterName)) throw new Error(`adapter '${adapterName}' does not exist`);
    const weights = await readAdapterWeights(dir);
    try {
      this.#fillWeights(weights, adapterName);
    } finally {
      weights.tensors.forEach((t) => t.dispose());
    }
  }

  // Synchronous, so that no forward can start between the busy check and the last copy.
  #fillWeights({ file, tensors }: AdapterWeights, adapterName: string): void {
    assertIdle(this.baseModel, 'loading adapter weights');
    const params = new Map(this.#adapterTensors(adapterName));
    const copies = `.modules_to_save.${adapterName}.`;
    const wrapped = new Set([...params.keys()].filter((n) => n.includes(copies)).map((n) => n.slice(0, n.indexOf(copies))));
    // Copies' buffers are loaded when the file has them (transformers >= 4.31 does not save position_ids).
    const expected = new Set(adapterParameterNames(this.baseModel.namedParameters().map(([n]) => n), adapterName));
    const unexpected: string[] = [];
    const filled = new Set<string>();
    for (const [key, source] of tensors) {
      const name = fromPeftKey(key, adapterName, wrapped, new Set(params.keys()));
      const target = params.get(name);
      if (!target) { unexpected.push(key); continue; }
      if (source.shape.join() !== target.shape.join()) {
        throw new Error(`size mismatch for ${key} in ${file}: the adapter has shape [${source.shape}], the model expects [${target.shape}] (is r in adapter_config.json right?)`);
      }
      noGrad(() => target.copy_(source));
      filled.add(name);
    }
    const missing = [...expected].filter((n) => !filled.has(n));
    if (unexpected.length > 0) throw new Error(`unexpected keys in ${file}: ${unexpected.join(', ')}`);
    if (missing.length > 0) throw new Error(`missing keys in ${file}: ${missing.join(', ')}`);
  }

  /** [async] PEFT's PeftModel.from_pretrained: the base model with the adapter in dir. */
  static async fromPretrained(model: PreTrainedModel, dir: string, options?: LoadAdapterOptions): Promise<PeftModel> {
    const o = expectOptions('PeftModel.fromPretrained', options, ['adapterName', 'isTrainable']);
    const files = await readAdapter(dir, { isTrainable: expectBool('isTrainable', o.isTrainable ?? false) });
    try {
      return PeftModel.fromAdapterFiles(model, files, o.adapterName ?? 'default');
    } finally {
      files.dispose();
    }
  }

  /** PeftModel.fromPretrained in one synchronous step, from files readAdapter() has read. */
  static fromAdapterFiles(model: PreTrainedModel, files: AdapterFiles, adapterName = 'default'): PeftModel {
    const peft = new PeftModel(model, files.config, adapterName);
    peft.#fillWeights(files.weights, peft.activeAdapter);
    if (files.config.inferenceMode) peft.eval();
    return peft;
  }
}

interface AdapterWeights {
  file: string;
  tensors: Map<string, Tensor>;
}

/** An adapter folder read into memory, not yet added to a model: see readAdapter(). */
export interface AdapterFiles {
  dir: string;
  config: LoraConfig;
  weights: AdapterWeights;
  /** Bytes of the adapter's tensors (what it adds to the model's memory, about). */
  readonly nbytes: number;
  /** Frees the tensors read (an added adapter holds its own copies). */
  dispose(): void;
}

/**
 * [async] Reads an adapter folder (adapter_config.json and the weights) without touching any model;
 * PeftModel.addAdapterFiles / fromAdapterFiles add it later, synchronously.
 */
export async function readAdapter(dir: string, options: { isTrainable?: boolean } = {}): Promise<AdapterFiles> {
  const config = LoraConfig.fromPretrained(dir);
  config.inferenceMode = !(options.isTrainable ?? false);
  const weights = await readAdapterWeights(dir);
  const nbytes = [...weights.tensors.values()].reduce((n, t) => n + t.numel * DTYPE_BYTES[t.dtype], 0);
  return { dir, config, weights, nbytes, dispose: () => weights.tensors.forEach((t) => t.dispose()) };
}

async function readAdapterWeights(dir: string): Promise<AdapterWeights> {
  const file = ['adapter_model.safetensors', 'adapter_model.bin'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no adapter weights in ${dir}: expected adapter_model.safetensors or adapter_model.bin`);
  const { tensors } = file.endsWith('.safetensors') ? await loadSafetensors(file) : await loadTorchBin(file);
  return { file, tensors };
}

/** PEFT's print_trainable_parameters line for given counts (any model, any fine-tuning method). */
export function trainableParametersLine(p: { trainable: number; all: number }): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  return `trainable params: ${fmt(p.trainable)} || all params: ${fmt(p.all)} || trainable%: ${((100 * p.trainable) / p.all).toFixed(4)}`;
}

/** PEFT's get_peft_model: injects the adapter, freezes everything else, returns the PeftModel. */
export function getPeftModel(model: PreTrainedModel, config: LoraConfig, adapterName = 'default'): PeftModel {
  return new PeftModel(model, config, adapterName);
}
