// The adapterNames option of forward() and generate(): PEFT's `adapter_names`, the adapter each
// row of a batch runs with ('__base__' for none), all rows in one batched forward. Checked here
// as PEFT's LoraModel._enable_peft_forward_hooks and LoraLayer._check_forward_args check it, so
// that a mistake is a JS error naming it rather than a native one.
import { native } from '../binding';
import { type Module, moduleHandle } from '../nn/module';
import { invalid } from '../validate';

/** PEFT's placeholder adapter name for rows that run the base model. */
export const BASE_ADAPTER = '__base__';

/** Validates `names` for a batch of `batch` rows on `model`; returns them as a fresh array. */
export function checkAdapterNames(model: Module, names: unknown, batch: number, where: string): string[] {
  if (!Array.isArray(names)) invalid(where, `an array of ${batch} adapter names, one per row ('${BASE_ADAPTER}' for the base model)`, names);
  names.forEach((n, i) => { if (typeof n !== 'string') invalid(`${where}[${i}]`, 'an adapter name (a string)', n); });
  if (names.length !== batch) {
    throw new Error(`${where}: has ${names.length} names but the batch has ${batch} rows; give one adapter name per row ('${BASE_ADAPTER}' for the base model)`);
  }
  const handle = moduleHandle(model);
  const loaded = native.peftAdapterNames(handle);
  const unknown = [...new Set(names as string[])].filter((n) => n !== BASE_ADAPTER && !loaded.includes(n)).sort();
  if (unknown.length > 0) {
    const list = loaded.length > 0 ? loaded.join(', ') : 'none';
    throw new Error(`${where}: unknown adapter(s) ${unknown.map((n) => `'${n}'`).join(', ')}; loaded adapters: ${list} (or '${BASE_ADAPTER}' for the base model)`);
  }
  // As PEFT: mixed batches are for inference, and a merged adapter would apply to every row.
  if (native.moduleIsTraining(handle)) throw new Error(`${where}: cannot be used while the model is in training mode; call eval() first`);
  if (native.loraMergedLayers(handle) > 0) throw new Error(`${where}: cannot be used while adapters are merged; call unmerge() first`);
  return [...names];
}
