// The server on a loopback port, driven over HTTP by fetch: completions and chat completions with
// several adapters interleaved (each equal to generate() for its prompt alone), streaming, models.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Server } from '../../lib';
import { causalFixture, post, readEvents, referenceCompletion, type Fixture } from './helpers';

let f: Fixture;
let server: Server;  // mixed-adapter batches (the default)
let perAdapter: Server;

beforeAll(async () => {
  f = await causalFixture();
  server = await serve({ model: f.model, adapters: f.adapters, port: 0, maxBatchSize: 8, log: () => undefined });
  perAdapter = await serve({ model: f.model, adapters: f.adapters, port: 0, maxBatchSize: 8, batching: 'per-adapter', log: () => undefined });
}, 60_000);
afterAll(async () => { await server?.close(); await perAdapter?.close(); });

const PROMPTS = ['Socrates said that', 'The unexamined life', 'Crito, we owe a rooster', 'What is justice?', 'Hello', 'The city and the soul'];
const MODELS = ['a', 'b', 'base', 'c', 'a', 'b'];

describe('POST /v1/completions', () => {
  it.each(['mixed', 'per-adapter'])('answers concurrent greedy requests for several adapters (%s batching), each equal to generate() for its prompt alone', async (batching) => {
    const url = batching === 'mixed' ? server.url : perAdapter.url;
    const answers = await Promise.all(PROMPTS.map((prompt, i) => post(`${url}/v1/completions`, { model: MODELS[i], prompt, max_tokens: 10 + i, temperature: 0 })));
    for (const [i, a] of answers.entries()) {
      expect(a.status, JSON.stringify(a.json)).toBe(200);
      const expected = await referenceCompletion(f, MODELS[i] === 'base' ? null : MODELS[i], PROMPTS[i], 10 + i);
      expect(a.json.choices[0].text, `${MODELS[i]}: ${PROMPTS[i]}`).toBe(expected);
      expect(a.json).toMatchObject({ object: 'text_completion', model: MODELS[i] });
      expect(a.json.usage.completion_tokens).toBeLessThanOrEqual(10 + i);
      expect(a.json.usage.prompt_tokens).toBeGreaterThan(0);
    }
    // The adapters change the output: otherwise the comparison above would prove nothing.
    const texts = new Set(await Promise.all(['a', 'b', 'c', null].map((m) => referenceCompletion(f, m, PROMPTS[0], 10))));
    expect(texts.size).toBe(4);
  });

  it('lets requests arriving while a batch runs join it, and their results are still their own', async () => {
    const first = post(`${server.url}/v1/completions`, { model: 'a', prompt: PROMPTS[0], max_tokens: 40, temperature: 0 });
    await new Promise((r) => setTimeout(r, 30));
    const late = await Promise.all([post(`${server.url}/v1/completions`, { model: 'b', prompt: PROMPTS[1], max_tokens: 8, temperature: 0 }), post(`${server.url}/v1/completions`, { model: 'base', prompt: PROMPTS[3], max_tokens: 8, temperature: 0 })]);
    expect(late[0].json.choices[0].text).toBe(await referenceCompletion(f, 'b', PROMPTS[1], 8));
    expect(late[1].json.choices[0].text).toBe(await referenceCompletion(f, null, PROMPTS[3], 8));
    expect((await first).json.choices[0].text).toBe(await referenceCompletion(f, 'a', PROMPTS[0], 40));
  });

  it('streams server-sent events whose pieces add up to the whole completion, then [DONE]', async () => {
    const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'c', prompt: PROMPTS[2], max_tokens: 12, temperature: 0, stream: true }) });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = await readEvents(res);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as { choices: { text: string; finish_reason: string | null }[] }[];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.choices[0].text).join('')).toBe(await referenceCompletion(f, 'c', PROMPTS[2], 12));
    expect(['stop', 'length']).toContain(chunks.at(-1)!.choices[0].finish_reason);
  });

  it('samples with temperature and top_p (valid text, max_tokens respected)', async () => {
    const a = await post(`${server.url}/v1/completions`, { model: 'a', prompt: 'Once', max_tokens: 5, temperature: 0.8, top_p: 0.9 });
    expect(a.status).toBe(200);
    expect(a.json.usage.completion_tokens).toBeLessThanOrEqual(5);
  });
});

describe('memory', () => {
  it('frees every tensor a request made: the live tensor count is the same before and after 12 requests', async () => {
    const live = async () => Number(/^node_peft_live_tensors (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())![1]);
    await post(`${server.url}/v1/completions`, { model: 'a', prompt: 'warm up', max_tokens: 3 });
    // Wrappers the earlier tests left to the garbage collector are freed whenever it runs, which
    // under load may fall between the two counts (CI, 2026-12-01: 2,090 before, 0 after): collect
    // them (and let N-API's finalizers run) before counting. Not after: a request must free its
    // tensors itself, so anything it leaves for the collector still counts.
    const gc = (globalThis as { gc?: () => void }).gc!;
    for (let i = 0; i < 3; i++) { gc(); await new Promise((resolve) => setImmediate(resolve)); }
    const before = await live();
    const body = (prompt: string, i: number) => JSON.stringify({ model: MODELS[i % 6], prompt, max_tokens: 8, temperature: i % 2 ? 0 : 0.7, stream: i % 3 === 0 });
    await Promise.all(PROMPTS.concat(PROMPTS).map((prompt, i) => fetch(`${server.url}/v1/completions`, { method: 'POST', body: body(prompt, i) }).then((r) => r.text())));
    expect(await live()).toBe(before);
  });
});

describe('POST /v1/chat/completions', () => {
  it('answers with an assistant message, and streams deltas that begin with the role', async () => {
    const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Who was Socrates?' }];
    const a = await post(`${server.url}/v1/chat/completions`, { model: 'b', messages, max_tokens: 6, temperature: 0 });
    expect(a.status).toBe(200);
    expect(a.json.object).toBe('chat.completion');
    expect(a.json.choices[0].message.role).toBe('assistant');
    expect(a.json.choices[0].message.content).toBe(await referenceCompletion(f, 'b', 'system: Be brief.\nuser: Who was Socrates?\nassistant:', 6));
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'b', messages, max_tokens: 6, temperature: 0, stream: true }) });
    const events = (await readEvents(res)).slice(0, -1) as { choices: { delta: { role?: string; content?: string } }[] }[];
    expect(events[0].choices[0].delta.role).toBe('assistant');
    expect(events.map((e) => e.choices[0].delta.content ?? '').join('')).toBe(a.json.choices[0].message.content);
  });
});

describe('GET /v1/models, /health, /metrics', () => {
  it('lists base and every adapter of the folder', async () => {
    const models = await (await fetch(`${server.url}/v1/models`)).json();
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(['base', 'a', 'b', 'c']);
    expect(models.data.every((m: { loaded: boolean }) => m.loaded)).toBe(true);
  });

  it('reports health and Prometheus metrics: requests, tokens, latency histograms, queue depth, adapters loaded', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ status: 'ok', adapters_loaded: 3 });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^node_peft_requests_total\{code="200",route="\/v1\/completions"\} \d+$/m);
    expect(text).toMatch(/^node_peft_generated_tokens_total\{model="a"\} \d+$/m);
    expect(text).toMatch(/^node_peft_request_duration_seconds_bucket\{route="\/v1\/completions",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^node_peft_queue_depth 0$/m);
    expect(text).toMatch(/^node_peft_adapters_loaded 3$/m);
    expect(text).toMatch(/^# TYPE node_peft_time_to_first_token_seconds histogram$/m);
  });
});
