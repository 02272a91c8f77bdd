// Weights a LoRA run leaves newly initialised and frozen. transformers draws the weights a
// checkpoint lacks (a BERT classifier's pooler when the checkpoint is a BertForMaskedLM) at
// random on every load; PEFT freezes the whole base and saves only the adapter and
// modules_to_save. A frozen drawn weight is thus a different random matrix each time the adapter
// is loaded onto the base, and the adapter's results do not reproduce. Neither library warns
// (transformers' "newly initialized" warning says to train them, which LoRA then does not do);
// node-peft names them and the fix.
import type { PreTrainedModel } from '../models/pretrained';

/**
 * The keys the checkpoint lacked (`loadingInfo.missingKeys`, re-initialised mismatches too) whose
 * parameters in `model` do not train. Modules wrapped by modules_to_save are renamed
 * (`<name>.modules_to_save.<adapter>...`, saved with the adapter) and are therefore not listed.
 */
export function frozenNewWeights(model: PreTrainedModel): string[] {
  const info = model.loadingInfo;
  const drawn = new Set([...info.missingKeys, ...(info.mismatchedKeys ?? []).map(([k]) => k)]);
  return model.namedParameters().filter(([name, t]) => drawn.has(name) && !t.requiresGrad).map(([name]) => name);
}

/** The warning for frozenNewWeights's keys: which, why it matters, and the two fixes. */
export function frozenNewWeightsWarning(keys: readonly string[], modelDir: string): string {
  const modules = [...new Set(keys.map((k) => k.split('.').slice(0, -1).join('.')))];
  return `node-peft: ${keys.length} weight${keys.length === 1 ? '' : 's'} not in ${modelDir} ${keys.length === 1 ? 'was' : 'were'} newly initialised and stay${keys.length === 1 ? 's' : ''} frozen under LoRA: [${keys.join(', ')}]. `
    + 'They are not saved with the adapter, so each load of the adapter onto the base draws them again and its results will not reproduce. '
    + `Train and save them with --modules-to-save ${modules.join(',')} (LoraConfig modulesToSave), or give the base checkpoint these weights.`;
}
