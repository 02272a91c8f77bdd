// Tiny models and data for the training tests: built from configs (random weights), seeded.
import fs from 'fs';
import os from 'os';
import path from 'path';
import * as torch from '../../lib';
import { BertConfig, BertForSequenceClassification, OPTConfig, OPTForCausalLM, type Example } from '../../lib';

export function tmpDir(prefix = 'node-peft-train-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function tinyBert(seed = 0, fields: Record<string, unknown> = {}): BertForSequenceClassification {
  torch.manualSeed(seed);
  const config = new BertConfig({ vocab_size: 120, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64, num_labels: 3, ...fields });
  return BertForSequenceClassification.fromConfig(config);
}

export function tinyOpt(seed = 0, fields: Record<string, unknown> = {}): OPTForCausalLM {
  torch.manualSeed(seed);
  const config = new OPTConfig({ vocab_size: 120, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, ffn_dim: 32, max_position_embeddings: 64, word_embed_proj_dim: 16, ...fields });
  return OPTForCausalLM.fromConfig(config);
}

/** Deterministic classification rows: ids in [3, vocab), lengths 3..12, label from the ids. */
export function classificationRows(n: number, vocab = 120): Example[] {
  return Array.from({ length: n }, (_, i) => {
    const length = 3 + ((i * 7) % 10);
    const inputIds = Array.from({ length }, (_, j) => 3 + ((i * 31 + j * 17) % (vocab - 3)));
    return { inputIds, labels: inputIds.reduce((a, b) => a + b, 0) % 3 };
  });
}

export function lmRows(n: number, length = 12, vocab = 120): Example[] {
  return Array.from({ length: n }, (_, i) => ({ inputIds: Array.from({ length }, (_, j) => 2 + ((i * 13 + j * 5) % (vocab - 2))) }));
}

/** Every parameter's values, by name (copies). */
export function snapshot(named: [string, torch.Tensor][]): Map<string, Float32Array> {
  return new Map(named.map(([n, t]) => [n, Float32Array.from(t.detach().flatten().toTypedArray() as Float32Array)]));
}

export function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
