// serve(): loads a model (and the adapters of a folder), starts the scheduler and an HTTP server
// on it, and returns a handle that drains and stops them. The CLI's `node-peft serve` calls it.
import http from 'http';
import type { AddressInfo } from 'net';
import { native } from '../binding';
import type { DType, Device } from '../dtype';
import { loadTaskModel, loadTokenizerFor, taskOf } from '../finetune/task';
import { listAdapterNames } from './adapter-names';
import { AdapterRegistry } from './adapter-registry';
import type { ServeContext } from './context';
import { asHttpError, HttpError } from './errors';
import { sendJson } from './http-io';
import { ServerMetrics } from './metrics';
import { ModelHost } from './model-host';
import { route } from './routes';
import { Scheduler, type Batching } from './scheduler';
import { resolveServeOptions, type ServeOptions } from './options';

export interface Server {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  readonly metrics: ServerMetrics;
  /** [async] Graceful stop: refuses new requests (503), finishes those queued and running, closes. */
  close(): Promise<void>;
}

/** [async] Starts serving; resolves once the server listens (adapters of the folder preloaded). */
export async function serve(options: ServeOptions): Promise<Server> {
  const o = resolveServeOptions(options);
  const task = taskOf(o.model);
  const base = await loadTaskModel(o.model, task, { ...(o.dtype ? { dtype: o.dtype as DType } : {}), ...(o.device ? { device: o.device as Device } : {}) });
  const { tokenizer } = await loadTokenizerFor(o.tokenizer ?? undefined, [o.model]);
  const host = new ModelHost(base, task);
  const metrics = new ServerMetrics();
  let scheduler: Scheduler | null = null;
  const registry = new AdapterRegistry(host, o.adapters, o.memoryBudget, () => scheduler?.wake());
  const padTokenId = tokenizer.padTokenId ?? base.config.get<number | null>('pad_token_id') ?? 0;
  const batching: Batching = o.batching ?? 'mixed';
  scheduler = new Scheduler(host, registry, { maxBatchSize: o.maxBatchSize, maxQueue: o.maxQueue, batching, padTokenId }, metrics);
  const ctx: ServeContext = {
    host, registry, scheduler, tokenizer, metrics, task, adminToken: o.adminToken, requestTimeoutMs: o.requestTimeoutMs, maxBodyBytes: o.maxBodyBytes,
    maxPositions: base.config.get<number>('max_position_embeddings'), maxBatchSize: o.maxBatchSize, labels: base.config.get<Record<number, string>>('id2label') ?? {}, draining: false,
  };
  addGauges(ctx);
  if (o.preload) await preload(registry, o.log);
  const server = http.createServer((req, res) => void answer(ctx, req, res));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(o.port, o.host, () => resolve()); });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`, port, metrics, close: () => shutDown(ctx, server) };
}

// Every request ends here: its handler, or a JSON error; counted and timed by route.
async function answer(ctx: ServeContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const start = process.hrtime.bigint();
  let name = 'unmatched';
  let status: number;
  try {
    const r = route(req.method ?? 'GET', req.url ?? '/');
    name = r.name;
    if (ctx.draining && name !== '/health' && name !== '/metrics') throw new HttpError(503, 'unavailable', 'the server is shutting down: retry on another instance');
    status = await r.handler(ctx, req, res, r.params);
  } catch (err) {
    const e = asHttpError(err);
    if (e.status >= 500 && e.status !== 503 && e.status !== 504 && e.status !== 507) console.error(`node-peft serve: ${req.method} ${req.url}: ${(err as Error).stack ?? e.message}`);
    if (!res.headersSent) sendJson(res, e.status, e.toJSON());
    else res.end();
    status = e.status;
  }
  ctx.metrics.requests.inc({ route: name, code: String(status) });
  ctx.metrics.latency.observe(Number(process.hrtime.bigint() - start) / 1e9, { route: name });
}

function addGauges(ctx: ServeContext): void {
  const m = ctx.metrics;
  m.gauge('node_peft_queue_depth', 'requests waiting for a batch slot or their adapter', () => ctx.scheduler.queueDepth);
  m.gauge('node_peft_running_requests', 'requests in the running batch', () => ctx.scheduler.running);
  m.gauge('node_peft_adapters_loaded', 'LoRA adapters resident on the model', () => ctx.registry.residentCount);
  m.gauge('node_peft_adapter_memory_bytes', 'bytes of the resident adapters', () => ctx.registry.usedBytes);
  m.gauge('node_peft_adapter_memory_budget_bytes', 'the budget the adapters are kept under (--memory-budget)', () => ctx.registry.budgetBytes);
  m.gauge('node_peft_live_tensors', 'native tensors alive (flat when nothing leaks)', () => native.liveTensorCount());
  m.gauge('process_resident_memory_bytes', 'resident set size of the server process', () => process.memoryUsage.rss());
}

// The folder's adapters, in name order (the LRU evicts the first ones if they exceed the budget).
async function preload(registry: AdapterRegistry, log: (line: string) => void): Promise<void> {
  for (const name of await listAdapterNames(registry.root)) {
    try {
      await registry.load(name);
    } catch (err) {
      log(`adapter '${name}' not loaded: ${(err as Error).message}`);
    }
  }
}

async function shutDown(ctx: ServeContext, server: http.Server): Promise<void> {
  if (ctx.draining) return;
  ctx.draining = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await ctx.scheduler.drain();
  await ctx.scheduler.stop();
  // Answers have been written; keep-alive sockets still open are closed now.
  setTimeout(() => server.closeAllConnections(), 1000).unref();
  server.closeIdleConnections();
  await closed;
}
