// POST /v1/completions and /v1/chat/completions: the prompt is tokenized and queued, and the
// tokens come back as the scheduler decodes them: in one JSON answer, or as server-sent events.
import type { IncomingMessage, ServerResponse } from 'http';
import { resolveModel, type ServeContext } from './context';
import { HttpError, invalidRequest } from './errors';
import { EventStream, readJson, sendJson } from './http-io';
import type { FinishReason, GenerationJob } from './jobs';
import { chatPrompt, completionPrompt, expectObject, generationParams, newId, now, usage, type GenerationParams } from './openai';
import { IncrementalDecoder } from '../tokenizers/incremental-decoder';

type Kind = 'completion' | 'chat';

interface Pending { params: GenerationParams; adapter: string; promptIds: number[] }

async function parse(ctx: ServeContext, req: IncomingMessage, kind: Kind): Promise<Pending> {
  const body = expectObject(await readJson(req, ctx.maxBodyBytes));
  const params = generationParams(body);
  if (ctx.task !== 'causal-lm') throw invalidRequest('this server runs a sequence classifier, which cannot generate text: use POST /v1/classify');
  const prompt = kind === 'chat' ? chatPrompt(body) : completionPrompt(body);
  const adapter = await resolveModel(ctx, params.model);
  const promptIds = ctx.tokenizer.encode(prompt);
  if (promptIds.length === 0) throw invalidRequest('the prompt is empty (no tokens): send some text', kind === 'chat' ? 'messages' : 'prompt');
  if (promptIds.length + params.maxTokens > ctx.maxPositions) {
    throw invalidRequest(`the prompt has ${promptIds.length} tokens and max_tokens is ${params.maxTokens}: together more than the model's ${ctx.maxPositions} positions; shorten the prompt or lower max_tokens`, kind === 'chat' ? 'messages' : 'prompt');
  }
  return { params, adapter, promptIds };
}

/** [async] Answers one completion request; resolves with the status once the answer has ended. */
export async function handleCompletion(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, kind: Kind): Promise<number> {
  const { params, adapter, promptIds } = await parse(ctx, req, kind);
  const id = newId(kind === 'chat' ? 'chatcmpl' : 'cmpl');
  const created = now();
  const decoder = new IncrementalDecoder(ctx.tokenizer);
  const started = process.hrtime.bigint();
  let first = true;  // no chunk sent yet
  let timedFirst = false;
  return new Promise<number>((resolve) => {
    let stream: EventStream | null = null;
    const piece = (text: string, finish: FinishReason | null) => chunk(kind, id, created, params.model, text, finish, first);
    const job: GenerationJob = {
      kind: 'generation', adapter, promptIds, maxTokens: params.maxTokens, sampling: params.sampling,
      eosTokenId: ctx.tokenizer.eosTokenId ?? null, deadline: Date.now() + ctx.requestTimeoutMs, cancelled: false,
      onToken: (token) => {
        if (!timedFirst) ctx.metrics.firstToken.observe(Number(process.hrtime.bigint() - started) / 1e9);
        timedFirst = true;
        const text = decoder.push(token);
        if (stream && text !== '') { stream.send(piece(text, null)); first = false; }
      },
      onFinish: (reason) => {
        const rest = decoder.flush();
        if (stream) {
          stream.send(piece(rest, reason));
          stream.end();
        } else {
          sendJson(res, 200, answer(kind, id, created, params.model, decoder.text, reason, usage(promptIds.length, decoder.tokens.length + (reason === 'stop' ? 1 : 0))));
        }
        resolve(200);
      },
      onError: (err: HttpError) => {
        if (stream) { stream.send(err.toJSON()); stream.end(); } else sendJson(res, err.status, err.toJSON());
        resolve(err.status);
      },
    };
    ctx.scheduler.submit(job);  // throws 429 / 503 before anything is sent
    if (params.stream) stream = new EventStream(res);
    // The client went away: the row leaves the batch at the next step.
    res.on('close', () => {
      if (res.writableFinished) return;
      job.cancelled = true;
      ctx.scheduler.wake();
      resolve(499);
    });
  });
}

function chunk(kind: Kind, id: string, created: number, model: string, text: string, finish: FinishReason | null, first: boolean): unknown {
  if (kind === 'completion') return { id, object: 'text_completion', created, model, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] };
  const delta = { ...(first ? { role: 'assistant' } : {}), ...(text !== '' || finish === null ? { content: text } : {}) };
  return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

function answer(kind: Kind, id: string, created: number, model: string, text: string, finish: FinishReason, u: ReturnType<typeof usage>): unknown {
  if (kind === 'completion') return { id, object: 'text_completion', created, model, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }], usage: u };
  return { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finish }], usage: u };
}
