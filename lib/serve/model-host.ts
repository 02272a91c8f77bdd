// The served model: the base, the LoRA adapters resident on it, and the two kinds of forward the
// scheduler runs (a generation step over a batch's cache, a classification forward). Only the
// scheduler calls it, between forwards: structural changes (adding, removing, activating an
// adapter) throw BusyError while a forward is in flight (README "Concurrency").
import { native, type NativeCache } from '../binding';
import type { Device } from '../dtype';
import { withCallerStack } from '../errors';
import type { Task } from '../finetune/task';
import type { PreTrainedModel } from '../models/pretrained';
import { moduleHandle } from '../nn/module';
import { PeftModel, type AdapterFiles } from '../peft/peft-model';
import { handleOf, wrap, type Tensor } from '../tensor';
import { NO_ADAPTER } from './adapter-names';

export class ModelHost {
  #peft: PeftModel | null = null;
  #active: string | null = null;  // the adapter setAdapter made active (per-adapter batches)

  constructor(readonly base: PreTrainedModel, readonly task: Task) {
    base.eval();
  }

  get device(): Device { return this.base.parameters()[0].device as Device; }
  get adapters(): string[] { return this.#peft ? [...this.#peft.peftConfig.keys()] : []; }
  has(name: string): boolean { return this.#peft?.peftConfig.has(name) ?? false; }

  /** Adds an adapter read by readAdapter() (synchronous: between forwards). */
  add(name: string, files: AdapterFiles): void {
    if (!this.#peft) {
      // An empty PeftModel: the first adapter too goes through addAdapterFiles, which removes what
      // it added when the weights do not fit, so a refused adapter never stays on the base.
      const peft = new PeftModel(this.base, files.config, name);
      peft.deleteAdapter(name);
      this.#peft = peft;
    }
    this.#peft.addAdapterFiles(name, files);
    this.#peft.eval();
    this.#active = null;  // adding may have changed what is active: start again from the base
    this.#activate(NO_ADAPTER);
  }

  remove(name: string): void {
    this.#peft?.deleteAdapter(name);
    if (this.#active === name) this.#active = null;
  }

  /** [async] One generation step (see DecodeBatch), each row with its adapter. */
  async step(cache: NativeCache, inputIds: Tensor, attentionMask: Tensor, adapters: string[]): Promise<Tensor> {
    const names = this.#route(adapters);
    const step = native.generationStepAsync(moduleHandle(this.base), cache, handleOf(inputIds), handleOf(attentionMask), names);
    return wrap(await withCallerStack(step));
  }

  /** [async] Classification logits [rows, labels] (other outputs freed at once). */
  async classify(inputs: { inputIds: Tensor; attentionMask: Tensor; tokenTypeIds: Tensor }, adapters: string[]): Promise<Tensor> {
    const names = this.#route(adapters);
    const out = await this.base.forward({ ...inputs, ...(names ? { adapterNames: names } : {}) });
    for (const t of [out.lastHiddenState, out.poolerOutput, out.loss, ...(out.hiddenStates ?? [])]) t?.dispose();
    return out.logits;
  }

  // Rows of one adapter run with it made active (no per-row routing to pay for); rows of several
  // run with per-row adapter names, whatever is active.
  #route(adapters: string[]): string[] | null {
    if (adapters.every((a) => a === adapters[0])) {
      this.#activate(adapters[0]);
      return null;
    }
    return adapters;
  }

  // setAdapter is structural: callers run it before starting a forward, never while one runs.
  #activate(adapter: string): void {
    if (this.#active === adapter || !this.#peft) return;
    this.#peft.setAdapter(adapter === NO_ADAPTER ? [] : adapter);
    this.#active = adapter;
  }
}
