// `node-peft serve` in a child process: --help documents every option, and SIGTERM drains it
// (requests in flight finish, new ones are refused) before it exits 0.
import { describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor } from '../cli/helpers';
import { causalFixture, post } from './helpers';

// (the CLI is dist/cli/index.js: run `npx tsc -p tsconfig.json` first)

describe('node-peft serve (CLI)', () => {
  it('--help documents every option with its default', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--model', '--adapters', '--port', '--host', '--admin-token', '--max-batch-size', '--max-queue', '--memory-budget', '--request-timeout', '--max-body-bytes', '--batching', '--no-preload']) expect(r.stdout).toContain(option);
    expect(r.stdout).toMatch(/--port <n>[\s\S]*\(default: 8080\)/);
    expect(r.stdout).toMatch(/--memory-budget <size>[\s\S]*\(default: 536870912\)/);
  });

  it('drains on SIGTERM: a request in flight completes, then the process exits 0', async () => {
    const f = await causalFixture();
    const cli = startCli(['serve', '--model', f.model, '--adapters', f.adapters, '--port', '0']);
    await waitFor(cli.output, (o) => /listening on (http:\/\/\S+)/.test(o.stdout), cli.done);
    const url = /listening on (http:\/\/\S+)/.exec(cli.output().stdout)![1];
    const res = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'a', prompt: 'The soul', max_tokens: 80, temperature: 0, stream: true }) });
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    cli.child.kill('SIGTERM');
    await waitFor(cli.output, (o) => /SIGTERM: draining/.test(o.stdout), cli.done);
    // New requests are refused (503 while draining, or the socket is already closed).
    const late = await post(`${url}/v1/completions`, { model: 'a', prompt: 'x' }).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(text).toMatch(/"finish_reason":"(stop|length)"/);
    const done = await cli.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/SIGTERM: draining[\s\S]*drained, exiting/);
  }, 60_000);
});
