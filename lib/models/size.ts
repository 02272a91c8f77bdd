// How many parameters a config asks for, computed from the config alone, so that a model too
// large for this machine is refused before the first tensor is allocated (a mistyped
// num_hidden_layers would otherwise allocate until the machine runs out of memory). The counts
// are those of the modules native/models builds, tied weights counted once (as numParameters()).
import fs from 'fs';
import os from 'os';
import type { Device, DType } from '../dtype';
import type { PretrainedConfig } from './config';

const BYTES: Record<DType, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

const linear = (inputs: number, outputs: number, bias = true) => inputs * outputs + (bias ? outputs : 0);

function bertCount(head: string, c: PretrainedConfig): number {
  const n = (key: string) => c.get<number>(key);
  const [h, inter, vocab] = [n('hidden_size'), n('intermediate_size'), n('vocab_size')];
  const layerNorm = 2 * h;
  const embeddings = (vocab + n('max_position_embeddings') + n('type_vocab_size')) * h + layerNorm;
  const layer = 4 * linear(h, h) + layerNorm + linear(h, inter) + linear(inter, h) + layerNorm;
  const encoder = embeddings + n('num_hidden_layers') * layer;
  if (head === 'mlm') return encoder + linear(h, h) + layerNorm + vocab;  // transform + decoder bias (weight tied)
  const pooled = encoder + linear(h, h);
  return head === 'seqcls' ? pooled + linear(h, c.numLabels) : pooled;
}

function optCount(c: PretrainedConfig): number {
  const n = (key: string) => c.get<number>(key);
  const flag = (key: string) => c.get<boolean>(key);
  const [h, ffn, proj, bias] = [n('hidden_size'), n('ffn_dim'), n('word_embed_proj_dim'), flag('enable_bias')];
  const layerNorm = flag('layer_norm_elementwise_affine') ? 2 * h : 0;
  const layer = 4 * linear(h, h, bias) + layerNorm + linear(h, ffn, bias) + linear(ffn, h, bias) + layerNorm;
  let total = n('vocab_size') * proj + (n('max_position_embeddings') + 2) * h + n('num_hidden_layers') * layer;
  if (proj !== h) total += linear(h, proj, false) + linear(proj, h, false);
  if (flag('do_layer_norm_before') && !flag('_remove_final_layer_norm')) total += layerNorm;
  return total;  // OPTForCausalLM's lm_head is tied to embed_tokens
}

/** Parameters of the model `family`/`head` builds from `config`. */
export function parameterCount(family: 'bert' | 'opt', head: string, config: PretrainedConfig): number {
  return family === 'bert' ? bertCount(head, config) : optCount(config);
}

/** Bytes the parameters take in `dtype` (float32 when null, as native createModel). */
export function parameterBytes(family: 'bert' | 'opt', head: string, config: PretrainedConfig, dtype: DType | null): number {
  return parameterCount(family, head, config) * BYTES[dtype ?? 'float32'];
}

/** Memory this process can still get: MemAvailable from /proc/meminfo, else os.freemem(). */
export function availableMemory(): { bytes: number; source: string } {
  try {
    const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) return { bytes: Number(m[1]) * 1024, source: 'MemAvailable in /proc/meminfo' };
  } catch {
    // not Linux: fall through
  }
  return { bytes: os.freemem(), source: 'os.freemem()' };
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/**
 * Refuses a model whose parameters alone exceed the memory available. Only host memory is
 * known here, so models built on a GPU are left to libtorch's out-of-memory error.
 */
export function checkModelFits(where: string, family: 'bert' | 'opt', head: string, config: PretrainedConfig, dtype: DType | null, device: Device | null): void {
  if (device !== null && device !== 'cpu') return;
  const count = parameterCount(family, head, config);
  const bytes = count * BYTES[dtype ?? 'float32'];
  const available = availableMemory();
  if (bytes <= available.bytes) return;
  throw new RangeError(
    `${where}: the model needs about ${gib(bytes)} for its ${count.toLocaleString('en-US')} parameters (${dtype ?? 'float32'}) but only ` +
    `${gib(available.bytes)} of memory is available (${available.source}); check hidden_size, num_hidden_layers, ` +
    `intermediate_size / ffn_dim and vocab_size in the config, or choose a smaller dtype`,
  );
}
