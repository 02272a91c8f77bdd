// What every route handler works with: the model, its adapters, the scheduler and the settings.
import type { Task } from '../finetune/task';
import type { AnyTokenizer } from '../tokenizers/auto';
import { BASE_MODEL, NO_ADAPTER, adapterDir, checkAdapterName } from './adapter-names';
import type { AdapterRegistry } from './adapter-registry';
import { modelNotFound } from './errors';
import type { ServerMetrics } from './metrics';
import type { ModelHost } from './model-host';
import type { Scheduler } from './scheduler';

export interface ServeContext {
  readonly host: ModelHost;
  readonly registry: AdapterRegistry;
  readonly scheduler: Scheduler;
  readonly tokenizer: AnyTokenizer;
  readonly metrics: ServerMetrics;
  readonly task: Task;
  readonly adminToken: string | null;
  readonly requestTimeoutMs: number;
  readonly maxBodyBytes: number;
  /** The longest sequence (prompt + generated) the model's position table allows. */
  readonly maxPositions: number;
  readonly maxBatchSize: number;
  readonly labels: Record<number, string>;
  draining: boolean;
}

/** [async] The adapter a `model` field names (NO_ADAPTER for 'base'); 404 when there is none. */
export async function resolveModel(ctx: ServeContext, model: string): Promise<string> {
  if (model === BASE_MODEL) return NO_ADAPTER;
  const name = checkAdapterName(model);
  if (ctx.registry.isResident(name) || (await adapterDir(ctx.registry.root, name)) !== null) return name;
  throw modelNotFound(name, (await ctx.registry.list()).map((a) => a.name));
}
