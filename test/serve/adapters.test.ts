// Adapters at run time: hot load and unload while requests run, refused adapters (broken, not
// fitting the base, path escapes) leaving the others untouched, and the LRU under a memory budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Server } from '../../lib';
import { causalFixture, post, referenceCompletion, type Fixture } from './helpers';

const TOKEN = 'test-admin-token';
let f: Fixture;
let server: Server;
const admin = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  f = await causalFixture(true);
  server = await serve({ model: f.model, adapters: f.adapters, port: 0, adminToken: TOKEN, preload: false, log: () => undefined });
}, 60_000);
afterAll(async () => { await server?.close(); });

const del = (name: string, headers: Record<string, string> = admin) => fetch(`${server.url}/v1/adapters/${name}`, { method: 'DELETE', headers }).then(async (r) => ({ status: r.status, json: await r.json() }));
const loaded = async () => ((await (await fetch(`${server.url}/v1/models`)).json()).data as { id: string; loaded: boolean }[]).filter((m) => m.loaded).map((m) => m.id);

describe('adapter administration', () => {
  it('loads and unloads adapters while requests on another adapter run, without changing their results', async () => {
    expect(await loaded()).toEqual(['base']);
    const running = Promise.all([0, 1, 2].map(() => post(`${server.url}/v1/completions`, { model: 'a', prompt: 'The soul is', max_tokens: 30, temperature: 0 })));
    await new Promise((r) => setTimeout(r, 20));
    expect((await post(`${server.url}/v1/adapters`, { name: 'b' }, admin)).status).toBe(200);
    expect((await post(`${server.url}/v1/adapters`, { name: 'c' }, admin)).status).toBe(200);
    expect((await del('c')).json).toMatchObject({ id: 'c', deleted: true });
    const expected = await referenceCompletion(f, 'a', 'The soul is', 30);
    for (const r of await running) expect(r.json.choices[0].text).toBe(expected);
    expect(await loaded()).toEqual(['base', 'a', 'b']);
    const b = await post(`${server.url}/v1/completions`, { model: 'b', prompt: 'Virtue', max_tokens: 6, temperature: 0 });
    expect(b.json.choices[0].text).toBe(await referenceCompletion(f, 'b', 'Virtue', 6));
  });

  it('unloads an adapter in use only after the requests using it have finished', async () => {
    expect((await post(`${server.url}/v1/adapters`, { name: 'c' }, admin)).status).toBe(200);
    const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'c', prompt: 'Justice', max_tokens: 40, temperature: 0, stream: true }) });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let events = decoder.decode((await reader.read()).value);  // the request is running
    const drained = (async () => { for (let c = await reader.read(); !c.done; c = await reader.read()) events += decoder.decode(c.value); })();
    const unloaded = await del('c');
    expect(unloaded.status).toBe(200);
    await drained;
    // The request ran to its end with its adapter.
    const text = events.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)).choices[0].text).join('');
    expect(text).toBe(await referenceCompletion(f, 'c', 'Justice', 40));
    expect(await loaded()).not.toContain('c');
    // A later request loads it again (the folder still has it).
    const again = await post(`${server.url}/v1/completions`, { model: 'c', prompt: 'Justice', max_tokens: 5, temperature: 0 });
    expect(again.json.choices[0].text).toBe(await referenceCompletion(f, 'c', 'Justice', 5));
    await del('c');
  });

  it('refuses a broken adapter and one that does not fit the base with 422 naming the reason, leaving the others serving', async () => {
    const broken = await post(`${server.url}/v1/completions`, { model: 'broken', prompt: 'x', max_tokens: 2 });
    expect(broken.status).toBe(422);
    expect(broken.json.error.message).toMatch(/adapter 'broken' cannot be loaded/);
    const mismatched = await post(`${server.url}/v1/adapters`, { name: 'mismatched' }, admin);
    expect(mismatched.status).toBe(422);
    expect(mismatched.json.error.message).toMatch(/does not fit the base model: size mismatch/);
    expect(await loaded()).toEqual(['base', 'a', 'b']);
    const a = await post(`${server.url}/v1/completions`, { model: 'a', prompt: 'Virtue', max_tokens: 6, temperature: 0 });
    expect(a.json.choices[0].text).toBe(await referenceCompletion(f, 'a', 'Virtue', 6));
  });

  it('guards POST and DELETE /v1/adapters with the admin token (401 without it) and validates names (no path escapes)', async () => {
    expect((await post(`${server.url}/v1/adapters`, { name: 'c' })).status).toBe(401);
    expect((await del('a', { authorization: 'Bearer wrong-token-000' })).status).toBe(401);
    const escape = await post(`${server.url}/v1/adapters`, { name: '../a' }, admin);
    expect(escape.status).toBe(400);
    expect(escape.json.error.message).toMatch(/letters, digits, _ or -/);
    expect((await del('..%2Fa')).status).toBe(400);
    expect((await post(`${server.url}/v1/completions`, { model: '../../etc', prompt: 'x' })).status).toBe(400);
    expect((await del('nothere')).status).toBe(404);
  });
});

describe('memory budget', () => {
  it('keeps the resident adapters under the budget by unloading the least recently used', async () => {
    const small = await serve({ model: f.model, adapters: f.adapters, port: 0, preload: false, memoryBudget: 1, log: () => undefined });
    try {
      const r = await post(`${small.url}/v1/completions`, { model: 'a', prompt: 'x', max_tokens: 2 });
      expect(r.status).toBe(507);
      expect(r.json.error.message).toMatch(/--memory-budget/);
    } finally {
      await small.close();
    }
    const sizes = await post(`${server.url}/v1/adapters`, { name: 'a' }, admin);
    const two = await serve({ model: f.model, adapters: f.adapters, port: 0, preload: false, memoryBudget: Math.floor(sizes.json.bytes * 2.5), log: () => undefined });
    try {
      for (const m of ['a', 'b', 'a', 'c']) expect((await post(`${two.url}/v1/completions`, { model: m, prompt: 'x', max_tokens: 2 })).status).toBe(200);
      const models = (await (await fetch(`${two.url}/v1/models`)).json()).data as { id: string; loaded: boolean }[];
      expect(models.filter((m) => m.loaded).map((m) => m.id)).toEqual(['base', 'a', 'c']);
    } finally {
      await two.close();
    }
  });
});
