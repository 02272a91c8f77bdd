// The routes besides completions: classification, models, adapter administration, health and
// metrics. route() maps a request to its handler; every handler resolves with the status sent.
import type { IncomingMessage, ServerResponse } from 'http';
import { timingSafeEqual } from 'crypto';
import { checkAdapterName } from './adapter-names';
import { handleCompletion } from './completions';
import { resolveModel, type ServeContext } from './context';
import { HttpError, invalidRequest } from './errors';
import { readJson, sendJson, sendText } from './http-io';
import { classificationInputs, expectObject, now } from './openai';

type Handler = (ctx: ServeContext, req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<number>;

// [method, name (the metrics' route label), pattern, handler]
const ROUTES: [string, string, RegExp, Handler][] = [
  ['POST', '/v1/completions', /^\/v1\/completions$/, (ctx, req, res) => handleCompletion(ctx, req, res, 'completion')],
  ['POST', '/v1/chat/completions', /^\/v1\/chat\/completions$/, (ctx, req, res) => handleCompletion(ctx, req, res, 'chat')],
  ['POST', '/v1/classify', /^\/v1\/classify$/, classify],
  ['GET', '/v1/models', /^\/v1\/models$/, models],
  ['POST', '/v1/adapters', /^\/v1\/adapters$/, loadAdapter],
  ['DELETE', '/v1/adapters/:name', /^\/v1\/adapters\/([^/]+)$/, unloadAdapter],
  ['GET', '/health', /^\/health$/, health],
  ['GET', '/metrics', /^\/metrics$/, metrics],
];

/** The handler of a request and its route's name (for metrics); 404 / 405 otherwise. */
export function route(method: string, url: string): { name: string; handler: Handler; params: string[] } {
  const pathname = url.split('?')[0];
  const matches = ROUTES.filter(([, , pattern]) => pattern.test(pathname));
  if (matches.length === 0) throw new HttpError(404, 'invalid_request_error', `no route ${pathname}: the server answers ${ROUTES.map(([m, n]) => `${m} ${n}`).join(', ')}`);
  const match = matches.find(([m]) => m === method);
  if (!match) throw new HttpError(405, 'invalid_request_error', `${pathname} does not take ${method}: use ${matches.map(([m]) => m).join(' or ')}`);
  let params: string[];
  try {
    params = (pathname.match(match[2]) ?? []).slice(1).map((p) => decodeURIComponent(p));
  } catch {
    throw invalidRequest(`malformed percent-encoding in ${pathname}`);
  }
  return { name: match[1], handler: match[3], params };
}

async function classify(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<number> {
  const body = expectObject(await readJson(req, ctx.maxBodyBytes));
  const texts = classificationInputs(body, ctx.maxBatchSize);
  if (ctx.task !== 'sequence-classification') throw invalidRequest('this server runs a causal LM, which does not classify: use POST /v1/completions');
  const adapter = await resolveModel(ctx, body.model as string);
  const inputs = texts.map((t) => ctx.tokenizer.encode(t));
  const long = inputs.findIndex((ids) => ids.length > ctx.maxPositions);
  if (long >= 0) throw invalidRequest(`input[${long}] has ${inputs[long].length} tokens, more than the model's ${ctx.maxPositions} positions: shorten it`, 'input');
  const probabilities = await new Promise<number[][]>((resolve, reject) => {
    const job = { kind: 'classification' as const, adapter, inputs, deadline: Date.now() + ctx.requestTimeoutMs, cancelled: false, onResult: resolve, onError: reject };
    ctx.scheduler.submit(job);
    res.on('close', () => { if (!res.writableFinished) job.cancelled = true; });
  });
  const data = probabilities.map((row, index) => {
    const best = row.indexOf(Math.max(...row));
    return { index, label: ctx.labels[best] ?? String(best), probabilities: Object.fromEntries(row.map((p, i) => [ctx.labels[i] ?? String(i), p])) };
  });
  sendJson(res, 200, { object: 'list', model: body.model, data });
  return 200;
}

async function models(ctx: ServeContext, _req: IncomingMessage, res: ServerResponse): Promise<number> {
  const created = now();
  const adapters = await ctx.registry.list();
  const data = [
    { id: 'base', object: 'model', created, owned_by: 'node-peft', loaded: true },
    ...adapters.map((a) => ({ id: a.name, object: 'model', created, owned_by: 'node-peft', parent: 'base', loaded: a.loaded, bytes: a.bytes })),
  ];
  sendJson(res, 200, { object: 'list', data });
  return 200;
}

function checkAdmin(ctx: ServeContext, req: IncomingMessage): void {
  if (ctx.adminToken === null) throw new HttpError(403, 'permission_error', 'adapter administration is off: start the server with --admin-token TOKEN to allow it');
  const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(ctx.adminToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpError(401, 'authentication_error', 'send the admin token given at start as "Authorization: Bearer TOKEN"');
}

async function loadAdapter(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<number> {
  checkAdmin(ctx, req);
  const body = expectObject(await readJson(req, ctx.maxBodyBytes));
  const name = checkAdapterName(body.name, 'name');
  await ctx.registry.load(name);
  const info = (await ctx.registry.list()).find((a) => a.name === name);
  sendJson(res, 200, { id: name, object: 'model', loaded: true, bytes: info?.bytes ?? null });
  return 200;
}

async function unloadAdapter(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, [name]: string[]): Promise<number> {
  checkAdmin(ctx, req);
  await ctx.registry.unload(checkAdapterName(name, 'name'));
  sendJson(res, 200, { id: name, object: 'model', deleted: true });
  return 200;
}

async function health(ctx: ServeContext, _req: IncomingMessage, res: ServerResponse): Promise<number> {
  const status = ctx.draining ? 503 : 200;
  sendJson(res, status, { status: ctx.draining ? 'draining' : 'ok', running: ctx.scheduler.running, queued: ctx.scheduler.queueDepth, adapters_loaded: ctx.registry.residentCount });
  return status;
}

async function metrics(ctx: ServeContext, _req: IncomingMessage, res: ServerResponse): Promise<number> {
  sendText(res, 200, ctx.metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
  return 200;
}
