// Checkpoint keys to model keys, as transformers maps them: legacy LayerNorm gamma/beta names,
// and checkpoints saved with or without the base model's prefix ("bert.", "model.").

export interface KeyMapping {
  /** model key -> checkpoint key */
  sources: Map<string, string>;
  /** checkpoint keys the model has no place for */
  unexpected: string[];
  /** model keys the checkpoint lacks */
  missing: string[];
}

function fixLegacyName(key: string): string {
  return key.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
}

export function mapCheckpointKeys(checkpointKeys: string[], modelKeys: string[], basePrefix: string): KeyMapping {
  const prefix = `${basePrefix}.`;
  const modelHasPrefix = modelKeys.some((k) => k.startsWith(prefix));
  const checkpointHasPrefix = checkpointKeys.some((k) => k.startsWith(prefix));
  const wanted = new Set(modelKeys);
  const sources = new Map<string, string>();
  const unexpected: string[] = [];
  for (const original of checkpointKeys) {
    let key = fixLegacyName(original);
    if (modelHasPrefix && !checkpointHasPrefix) key = prefix + key;
    else if (!modelHasPrefix && checkpointHasPrefix && key.startsWith(prefix)) key = key.slice(prefix.length);
    if (wanted.has(key) && !sources.has(key)) sources.set(key, original);
    else unexpected.push(original);
  }
  const missing = modelKeys.filter((k) => !sources.has(k));
  return { sources, unexpected, missing };
}
