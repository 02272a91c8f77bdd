// When a rank dies or stops answering, the others fail with an error that names it, within the
// timeout; a rendezvous that cannot happen fails with an error that says why. Loopback only.
import net from 'net';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { freePort, jsonLines, run, runRanks, WORKERS } from './helpers';

const errorsOf = (results: { stdout: string }[]) => results.flatMap((r) => jsonLines(r.stdout)).filter((o) => 'error' in o);

describe('a rank that fails', () => {
  it('a rank killed with SIGKILL makes the others fail naming it, well within the timeout', async () => {
    const results = await runRanks('die.js', 3, { FAIL_RANK: '2', HOW: 'kill', TEST_TIMEOUT_MS: '60000' });
    expect(results[2].signal).toBe('SIGKILL');
    const errors = errorsOf(results.slice(0, 2));
    expect(errors).toHaveLength(2);
    for (const e of errors) {
      expect(e.error).toMatch(/allReduce failed on rank [01] of 3: rank 2 stopped answering/);
      expect(e.ms as number).toBeLessThan(60000);
    }
  }, 120_000);

  it('rank 0 killed: the others say rank 0 (and its rendezvous store) stopped answering', async () => {
    const results = await runRanks('die.js', 2, { FAIL_RANK: '0', HOW: 'kill', TEST_TIMEOUT_MS: '60000' });
    const [e] = errorsOf(results.slice(1));
    expect(e.error).toMatch(/allReduce failed on rank 1 of 2: rank 0 stopped answering \(the rendezvous store it hosts at 127\.0\.0\.1:\d+ is unreachable\)/);
  }, 120_000);

  it('a frozen rank (SIGSTOP): the timeout names it', async () => {
    const results = await runRanks('die.js', 2, { FAIL_RANK: '1', HOW: 'stop', TEST_TIMEOUT_MS: '3000', SECOND_PORT: String(await freePort()) }, 60_000, [1]);
    const [e] = errorsOf(results.slice(0, 1));
    expect(e.error).toMatch(/allReduce failed on rank 0 of 2: rank 1 stopped answering \(its process is gone or frozen\)/);
  }, 60_000);

  it('a rank that stays alive but never joins the collective: a timeout says so', async () => {
    const results = await runRanks('die.js', 2, { FAIL_RANK: '1', HOW: 'hang', TEST_TIMEOUT_MS: '3000', SECOND_PORT: String(await freePort()) }, 60_000, [1]);
    const [e] = errorsOf(results.slice(0, 1));
    expect(e.error).toMatch(/allReduce failed on rank 0 of 2: every rank's process is alive, so one of them has not reached this collective/);
  }, 60_000);
});

describe('a rendezvous that cannot happen', () => {
  const rank = (r: number, port: number, env: NodeJS.ProcessEnv = {}) => run([process.execPath, path.join(WORKERS, 'die.js')], {
    MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2', RANK: String(r), TEST_TIMEOUT_MS: '3000', ...env,
  }, 40_000).done;

  it('rank 0 on a port in use says so and names the port', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen(port);
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const r = await rank(0, port);
      expect(r.code).toBe(1);
      expect(jsonLines(r.stdout)[0].error).toMatch(new RegExp(`rank 0 could not listen on port ${port} .*in use.*choose another MASTER_PORT`));
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('a rank whose rank 0 never comes says it could not reach the store', async () => {
    const port = await freePort();
    const r = await rank(1, port);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout)[0].error).toMatch(new RegExp(`rank 1 could not reach the rendezvous store at 127\\.0\\.0\\.1:${port} within 3 s: is rank 0 running`));
  }, 60_000);

  it('rank 0 alone says that not every rank joined, and what to check', async () => {
    const port = await freePort();
    const r = await rank(0, port);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout)[0].error).toMatch(/rank 0 waited 3 s at 127\.0\.0\.1:\d+ but not all 2 ranks joined: start every rank with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE/);
  }, 60_000);
});
