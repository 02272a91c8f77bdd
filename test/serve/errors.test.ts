// Bad input gets a 4xx JSON error saying what is wrong; overload gets 429; slow requests 504;
// clients that disconnect leave the batch; and nothing of it stops the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Server } from '../../lib';
import { causalFixture, post, type Fixture } from './helpers';

let f: Fixture;
let server: Server;

beforeAll(async () => {
  f = await causalFixture();
  server = await serve({ model: f.model, adapters: f.adapters, port: 0, maxBodyBytes: 4096, log: () => undefined });
}, 60_000);
afterAll(async () => { await server?.close(); });

const completion = (body: unknown) => post(`${server.url}/v1/completions`, body);

describe('bad requests', () => {
  it.each([
    ['malformed JSON', 400, '{"model": "a", "prompt": ', /malformed JSON/],
    ['a body that is not an object', 400, '[1, 2]', /must be a JSON object/],
    ['a missing model', 400, { prompt: 'x' }, /model is required/],
    ['an unknown adapter', 404, { model: 'nope', prompt: 'x' }, /model 'nope' does not exist: use 'base' or one of the adapters \(a, b, c\)/],
    ['a missing prompt', 400, { model: 'a' }, /prompt must be a string/],
    ['a prompt too long for the model', 400, { model: 'a', prompt: 'word '.repeat(300), max_tokens: 4 }, /the prompt has \d+ tokens and max_tokens is 4: together more than the model's 256 positions/],
    ['a temperature out of range', 400, { model: 'a', prompt: 'x', temperature: 3 }, /temperature must be a number in \[0, 2\]/],
    ['top_p 0', 400, { model: 'a', prompt: 'x', top_p: 0 }, /top_p must be a number in \(0, 1\]/],
    ['max_tokens 0', 400, { model: 'a', prompt: 'x', max_tokens: 0 }, /max_tokens must be an integer >= 1/],
    ['n 2', 400, { model: 'a', prompt: 'x', n: 2 }, /n must be 1/],
    ['stop sequences', 400, { model: 'a', prompt: 'x', stop: ['\n'] }, /stop sequences are not supported/],
    ['a chat message without content', 400, { model: 'a', messages: [{ role: 'user' }] }, /messages\[0\]\.content must be a string/],
  ])('answers %s with %i and a message that says what is wrong', async (_what, status, body, message) => {
    const url = (body as { messages?: unknown }).messages ? `${server.url}/v1/chat/completions` : `${server.url}/v1/completions`;
    const r = await post(url, body);
    expect(r.status).toBe(status);
    expect(r.json.error.message).toMatch(message);
    expect(r.json.error.type).toBeTypeOf('string');
  });

  it('answers a body over --max-body-bytes with 413', async () => {
    const r = await completion({ model: 'a', prompt: 'x'.repeat(5000) });
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/larger than 4096 bytes/);
  });

  it('answers unknown routes with 404, wrong methods with 405, classify on a causal LM with 400', async () => {
    expect((await fetch(`${server.url}/v2/nothing`)).status).toBe(404);
    const wrong = await fetch(`${server.url}/v1/completions`);
    expect(wrong.status).toBe(405);
    expect((await wrong.json()).error.message).toMatch(/use POST/);
    expect((await post(`${server.url}/v1/classify`, { model: 'a', input: 'x' })).json.error.message).toMatch(/causal LM, which does not classify/);
    expect((await post(`${server.url}/v1/adapters`, { name: 'a' })).status).toBe(403);
  });

  it('keeps serving after all of these', async () => {
    expect((await completion({ model: 'a', prompt: 'x', max_tokens: 2 })).status).toBe(200);
  });
});

describe('overload, timeouts, disconnects', () => {
  it('answers 429 when the queue is full, and serves the requests it accepted', async () => {
    const busy = await serve({ model: f.model, port: 0, maxBatchSize: 1, maxQueue: 1, log: () => undefined });
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => post(`${busy.url}/v1/completions`, { model: 'base', prompt: 'x', max_tokens: 20, temperature: 0 })));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
      expect(answers.find((a) => a.status === 429)!.json.error.message).toMatch(/queue is full \(1 requests waiting\)/);
    } finally {
      await busy.close();
    }
  });

  it('answers 504 when a request runs past its time limit', async () => {
    const slow = await serve({ model: f.model, port: 0, requestTimeoutMs: 1, log: () => undefined });
    try {
      const r = await post(`${slow.url}/v1/completions`, { model: 'base', prompt: 'x', max_tokens: 200 });
      expect(r.status).toBe(504);
      expect(r.json.error.message).toMatch(/time limit/);
    } finally {
      await slow.close();
    }
  });

  it('drops the row of a client that disconnects mid-stream', async () => {
    const abort = new AbortController();
    const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'b', prompt: 'x', max_tokens: 200, stream: true }), signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    let running = 1;
    for (let i = 0; i < 100 && running > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      running = (await (await fetch(`${server.url}/health`)).json()).running;
    }
    expect(running).toBe(0);
    // Seen as a disconnect (499) rather than a finished answer.
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/^node_peft_requests_total\{code="499",route="\/v1\/completions"\} 1$/m);
  });
});
