// node-peft launch through the real command line: torchrun's variables and the core split for
// each process, a failing rank stopping the others with the failed rank's status, and clear
// errors for a port in use, a malformed address and an address that is not this machine's.
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { CLI, freePort, jsonLines, run, WORKERS } from './helpers';

const ENV_JS = path.join(WORKERS, 'env.js');
const launch = (args: string[], env: NodeJS.ProcessEnv = {}) => run([process.execPath, CLI, 'launch', ...args], env, 60_000).done;

describe('node-peft launch', () => {
  it('starts N processes with torchrun\'s variables and cores / N intra-op threads each', async () => {
    const port = await freePort();
    const r = await launch(['--nproc-per-node', '2', '--master-port', String(port), '--threads', '1', ENV_JS, '--flag', 'x']);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout).sort((a, b) => Number(a.RANK) - Number(b.RANK));
    expect(lines).toEqual([0, 1].map((rank) => ({
      MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2', RANK: String(rank), LOCAL_RANK: String(rank),
      LOCAL_WORLD_SIZE: '2', GROUP_RANK: '0', OMP_NUM_THREADS: '1', threads: 1, args: ['--flag', 'x'],
    })));
  }, 90_000);

  it('node ranks of a second machine get global ranks after the first machine\'s', async () => {
    const r = await launch(['--nproc-per-node', '2', '--nnodes', '2', '--node-rank', '1', '--master-addr', '127.0.0.1', '--master-port', '29999', ENV_JS]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).map((l) => [l.RANK, l.LOCAL_RANK, l.WORLD_SIZE, l.GROUP_RANK]).sort()).toEqual([['2', '0', '4', '1'], ['3', '1', '4', '1']]);
  }, 90_000);

  it('a rank that fails stops the others and the launcher exits with its status, naming it', async () => {
    const port = await freePort();
    // rank 1 fails once rank 0 is ready to report the SIGTERM the launcher then sends it
    const ready = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-launch-')), 'ready-0');
    const r = await launch(['--nproc-per-node', '2', '--master-port', String(port), ENV_JS], { EXIT_1: '3', SLEEP_0: '1', READY_FILE_0: ready, AWAIT_FILE: ready });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/node-peft launch: rank 1 \(pid \d+\) exited with status 3/);
    expect(r.stderr).toMatch(/node-peft launch: stopping rank 0/);
    expect(jsonLines(r.stdout)).toContainEqual({ rank: '0', got: 'SIGTERM' });
  }, 90_000);

  it('SIGINT to the launcher reaches every process once, and the launcher exits with their 130', async () => {
    const port = await freePort();
    const { child, done } = run([process.execPath, CLI, 'launch', '--nproc-per-node', '2', '--master-port', String(port), ENV_JS], { SLEEP_0: '1', SLEEP_1: '1' }, 60_000);
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    while (jsonLines(out).filter((l) => 'RANK' in l).length < 2) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(jsonLines(r.stdout).filter((l) => 'got' in l).sort((a, b) => Number(a.rank) - Number(b.rank))).toEqual([{ rank: '0', got: 'SIGINT' }, { rank: '1', got: 'SIGINT' }]);
  }, 90_000);

  it('a --master-port in use fails at once, naming the port', async () => {
    const port = await freePort();
    const blocker = net.createServer().listen(port);
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const r = await launch(['--nproc-per-node', '2', '--master-port', String(port), ENV_JS]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`--master-port ${port} is in use .*choose another --master-port`));
      expect(r.stdout).toBe('');  // nothing was started
    } finally {
      blocker.close();
    }
  }, 90_000);

  it('a malformed --master-addr, or one that is not this machine\'s on node 0, fails clearly', async () => {
    const bad = await launch(['--nproc-per-node', '2', '--master-addr', '300.1.2.3', ENV_JS]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--master-addr '300\.1\.2\.3' is not a valid IPv4 address/);
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine; nothing is sent to it.
    const foreign = await launch(['--nproc-per-node', '2', '--master-addr', '192.0.2.1', ENV_JS]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/--master-addr 192\.0\.2\.1 is not an address of this machine, but --node-rank 0 runs rank 0/);
  }, 90_000);
});
