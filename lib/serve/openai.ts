// The request fields of OpenAI's completions and chat completions APIs that node-peft serves,
// validated into what the scheduler needs, and the response objects in OpenAI's shapes. Fields
// OpenAI defines that are not listed here are ignored, as other OpenAI-compatible servers do.
import { randomUUID } from 'crypto';
import { invalidRequest } from './errors';
import type { SamplingParams } from './sampler';

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

export interface GenerationParams {
  model: string;
  maxTokens: number;
  sampling: SamplingParams;
  stream: boolean;
}

const ROLES = ['system', 'user', 'assistant'];

export function expectObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function numberIn(body: Record<string, unknown>, name: string, fallback: number, min: number, max: number, minOpen = false): number {
  const v = body[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || (minOpen ? v <= min : v < min) || v > max) {
    throw invalidRequest(`${name} must be a number in ${minOpen ? '(' : '['}${min}, ${max}] (got ${JSON.stringify(body[name])})`, name);
  }
  return v;
}

/** The fields common to both endpoints; max_tokens defaults to OpenAI's 16. */
export function generationParams(body: Record<string, unknown>): GenerationParams {
  if (typeof body.model !== 'string') throw invalidRequest("model is required: 'base' or an adapter name (GET /v1/models lists them)", 'model');
  const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? 16;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) throw invalidRequest(`max_tokens must be an integer >= 1 (got ${JSON.stringify(maxTokens)})`, 'max_tokens');
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw invalidRequest('n must be 1: node-peft returns one choice per request (send several requests)', 'n');
  if (body.stop !== undefined && body.stop !== null && !(Array.isArray(body.stop) && body.stop.length === 0)) throw invalidRequest('stop sequences are not supported: generation ends at the end-of-sequence token or max_tokens', 'stop');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalidRequest('stream must be true or false', 'stream');
  return {
    model: body.model,
    maxTokens,
    sampling: { temperature: numberIn(body, 'temperature', 1, 0, 2), topP: numberIn(body, 'top_p', 1, 0, 1, true) },
    stream: body.stream === true,
  };
}

/** The prompt of a completion request: a string (or an array holding one). */
export function completionPrompt(body: Record<string, unknown>): string {
  const p = Array.isArray(body.prompt) && body.prompt.length === 1 ? body.prompt[0] : body.prompt;
  if (typeof p !== 'string') throw invalidRequest('prompt must be a string (one prompt per request)', 'prompt');
  return p;
}

/**
 * A chat as one prompt: "role: content" lines, then "assistant:" for the model to continue.
 * (node-peft has no Jinja chat templates; adapters fine-tuned on this layout answer best.)
 */
export function chatPrompt(body: Record<string, unknown>): string {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest('messages must be a non-empty array of {role, content}', 'messages');
  const lines = messages.map((m: unknown, i) => {
    const { role, content } = (m ?? {}) as Partial<ChatMessage>;
    if (typeof role !== 'string' || !ROLES.includes(role)) throw invalidRequest(`messages[${i}].role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role)})`, 'messages');
    if (typeof content !== 'string') throw invalidRequest(`messages[${i}].content must be a string`, 'messages');
    return `${role}: ${content}`;
  });
  return `${lines.join('\n')}\nassistant:`;
}

/** The texts of a classification request: `input`, a string or an array of 1 to maxTexts strings. */
export function classificationInputs(body: Record<string, unknown>, maxTexts: number): string[] {
  if (typeof body.model !== 'string') throw invalidRequest("model is required: 'base' or an adapter name (GET /v1/models lists them)", 'model');
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(input) || input.length === 0 || input.length > maxTexts || !input.every((t) => typeof t === 'string')) {
    throw invalidRequest(`input must be a string or an array of 1 to ${maxTexts} strings`, 'input');
  }
  return input as string[];
}

export const newId = (prefix: string): string => `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
export const now = (): number => Math.floor(Date.now() / 1000);

export interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }
export const usage = (prompt: number, completion: number): Usage => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
