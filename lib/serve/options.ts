// serve()'s options, their defaults and their checks (the CLI's --help documents the same).
import { expectOptions, invalid } from '../validate';
import type { Batching } from './scheduler';

export interface ServeOptions {
  /** The model folder (config.json + weights; a causal LM or a sequence classifier). */
  model: string;
  /** A folder of adapter folders (PEFT files), each served under its folder's name. */
  adapters?: string | null;
  /** The tokenizer folder (default: the model folder). */
  tokenizer?: string | null;
  port?: number;
  host?: string;
  /** Bearer token for POST /v1/adapters and DELETE /v1/adapters/:name; without it they answer 403. */
  adminToken?: string | null;
  maxBatchSize?: number;
  maxQueue?: number;
  /** Bytes the resident adapters may take; least recently used ones are unloaded beyond it. */
  memoryBudget?: number;
  requestTimeoutMs?: number;
  maxBodyBytes?: number;
  /** 'mixed' (default: rows of any adapters in one forward) or 'per-adapter' (one adapter per forward). */
  batching?: Batching | null;
  /** Load the folder's adapters at start (default true); otherwise on first use. */
  preload?: boolean;
  dtype?: string | null;
  device?: string | null;
  /** Where start-up notes go (default: stderr). */
  log?: (line: string) => void;
}

export const SERVE_DEFAULTS = { port: 8080, host: '127.0.0.1', maxBatchSize: 32, maxQueue: 256, memoryBudget: 512 * 2 ** 20, requestTimeoutMs: 120_000, maxBodyBytes: 2 ** 20 };

const KEYS = ['model', 'adapters', 'tokenizer', 'port', 'host', 'adminToken', 'maxBatchSize', 'maxQueue', 'memoryBudget', 'requestTimeoutMs', 'maxBodyBytes', 'batching', 'preload', 'dtype', 'device', 'log'] as const;

const int = (name: string, v: unknown, min: number): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) invalid(`serve(options).${name}`, `an integer >= ${min}`, v);
  return v as number;
};

export function resolveServeOptions(options: ServeOptions) {
  const o = expectOptions('serve(options)', options, KEYS) as ServeOptions;
  if (typeof o.model !== 'string' || o.model === '') invalid('serve(options).model', 'the model folder', o.model);
  if (o.batching != null && o.batching !== 'mixed' && o.batching !== 'per-adapter') invalid('serve(options).batching', "'mixed' or 'per-adapter'", o.batching);
  if (o.adminToken != null && (typeof o.adminToken !== 'string' || o.adminToken.length < 8)) invalid('serve(options).adminToken', 'a string of at least 8 characters', '(hidden)');
  return {
    model: o.model,
    adapters: o.adapters ?? null,
    tokenizer: o.tokenizer ?? null,
    port: int('port', o.port ?? SERVE_DEFAULTS.port, 0),
    host: o.host ?? SERVE_DEFAULTS.host,
    adminToken: o.adminToken ?? null,
    maxBatchSize: int('maxBatchSize', o.maxBatchSize ?? SERVE_DEFAULTS.maxBatchSize, 1),
    maxQueue: int('maxQueue', o.maxQueue ?? SERVE_DEFAULTS.maxQueue, 0),
    memoryBudget: int('memoryBudget', o.memoryBudget ?? SERVE_DEFAULTS.memoryBudget, 1),
    requestTimeoutMs: int('requestTimeoutMs', o.requestTimeoutMs ?? SERVE_DEFAULTS.requestTimeoutMs, 1),
    maxBodyBytes: int('maxBodyBytes', o.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes, 1),
    batching: o.batching ?? null,
    preload: o.preload ?? true,
    dtype: o.dtype ?? null,
    device: o.device ?? null,
    log: o.log ?? ((line: string) => console.error(`node-peft serve: ${line}`)),
  };
}
