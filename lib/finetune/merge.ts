// Merging a LoRA adapter into its base: B·A·scaling added to the base weights, the LoRA modules
// removed, the result saved as a plain transformers folder (config.json + model.safetensors + the
// tokenizer files) that transformers and node-peft load without PEFT.
import fs from 'fs';
import path from 'path';
import { loadForUse, type LoadForUseOptions } from './load';
import { copyTokenizerFiles } from './task';

export interface MergeOptions extends LoadForUseOptions {
  adapter: string;
  /** The folder to write. */
  outputDir: string;
  /** Check the merged weights for NaN/inf before replacing the base's (PEFT's safe_merge). */
  safeMerge?: boolean;
}

/** [async] Writes the merged model; returns the files written with their sizes. */
export async function mergeAdapter(o: MergeOptions): Promise<[string, number][]> {
  if (path.resolve(o.outputDir) === path.resolve(o.adapter)) throw new Error(`--output-dir ${o.outputDir} is the adapter's folder: choose a new folder for the merged model`);
  const loaded = await loadForUse(o);
  const merged = loaded.peft!.mergeAndUnload({ safeMerge: o.safeMerge ?? true });
  await merged.savePretrained(o.outputDir);
  await copyTokenizerFiles(loaded.tokenizerDir, o.outputDir);
  return fs.readdirSync(o.outputDir).sort().map((f) => [f, fs.statSync(path.join(o.outputDir, f)).size]);
}
