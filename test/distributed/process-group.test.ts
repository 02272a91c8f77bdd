// The process group in this process: option resolution as torch.distributed does it (env://,
// tcp://, file://), errors that name what is missing, and a one-rank group's life cycle.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { resolveInit } from '../../lib/distributed/options';

const { distributed: dist } = torch;
const env = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29555', WORLD_SIZE: '4', RANK: '2' };

describe('initProcessGroup options', () => {
  it('env:// takes MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK; options win over the environment', () => {
    expect(resolveInit({}, env)).toMatchObject({ backend: 'gloo', method: 'tcp', host: '127.0.0.1', port: 29555, worldSize: 4, rank: 2, timeoutMs: 1800000, glooHostname: '127.0.0.1' });
    expect(resolveInit({ rank: 3, timeout: 5000 }, env)).toMatchObject({ rank: 3, timeoutMs: 5000 });
  });

  it('tcp:// and file:// name the store; GLOO_SOCKET_IFNAME picks Gloo interfaces as torch does', () => {
    expect(resolveInit({ initMethod: 'tcp://[::1]:1234', worldSize: 2, rank: 0 }, {})).toMatchObject({ method: 'tcp', host: '::1', port: 1234 });
    expect(resolveInit({ initMethod: 'file:///tmp/x', worldSize: 2, rank: 1 }, {})).toMatchObject({ method: 'file', path: '/tmp/x', glooHostname: null });
    expect(resolveInit({}, { ...env, GLOO_SOCKET_IFNAME: 'lo,eth1' })).toMatchObject({ glooInterfaces: ['lo', 'eth1'], glooHostname: null });
    expect(resolveInit({}, { ...env, MASTER_ADDR: 'node0.cluster' })).toMatchObject({ host: 'node0.cluster', glooHostname: null });
  });

  it('missing or malformed settings are errors that say which and where they come from', () => {
    expect(() => resolveInit({}, { ...env, MASTER_ADDR: undefined })).toThrow(/env:\/\/ needs MASTER_ADDR in the environment \(node-peft launch and torchrun set it\)/);
    expect(() => resolveInit({}, { ...env, RANK: 'x' })).toThrow(/RANK="x" is not an integer >= 0/);
    expect(() => resolveInit({ rank: 4 }, env)).toThrow(/rank 4 is not below the world size 4/);
    expect(() => resolveInit({}, { ...env, MASTER_ADDR: '300.1.2.3' })).toThrow(/MASTER_ADDR '300.1.2.3' is not a valid IPv4 address/);
    expect(() => resolveInit({}, { ...env, MASTER_PORT: '70000' })).toThrow(/MASTER_PORT 70000 is not a port number/);
    expect(() => resolveInit({ initMethod: 'udp://x:1' }, env)).toThrow(/initMethod: expected 'env:\/\/', 'tcp:\/\/host:port' or 'file:\/\/\/path'/);
    expect(() => resolveInit({ backend: 'mpi' as 'gloo' }, env)).toThrow(/backend/);
    expect(() => resolveInit({ worldsize: 2 } as object, env)).toThrow(/worldsize/);
  });
});

describe('a one-rank group in this process', () => {
  afterEach(() => { if (dist.isInitialized()) dist.destroyProcessGroup(); });

  it('joins through a file store, reduces to itself, refuses a second init, and leaves', async () => {
    expect(() => dist.getRank()).toThrow(/getRank: the default process group has not been initialized: call initProcessGroup\(\) first/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-pg-')), 'store');
    await dist.initProcessGroup({ initMethod: `file://${file}`, worldSize: 1, rank: 0, timeout: 10000 });
    expect([dist.getRank(), dist.getWorldSize(), dist.getBackend()]).toEqual([0, 1, 'gloo']);
    const t = torch.tensor([1.5, -2]);
    expect(await dist.allReduce(t, { op: 'avg' })).toBe(t);
    expect(Array.from(t.toTypedArray())).toEqual([1.5, -2]);
    expect((await dist.allGather(t)).map((x) => Array.from(x.toTypedArray()))).toEqual([[1.5, -2]]);
    await dist.barrier();
    await expect(dist.initProcessGroup({ initMethod: `file://${file}`, worldSize: 1, rank: 0 })).rejects.toThrow(/already initialised: call destroyProcessGroup\(\) first/);
    await expect(dist.allReduce(torch.tensor([1, 2], { dtype: 'int64' }), { op: 'avg' })).rejects.toThrow(/'avg' on a floating-point tensor/);
    await expect(dist.broadcast(t, { src: 1 })).rejects.toThrow(/a rank below the world size 1/);
    dist.destroyProcessGroup();
    expect(dist.isInitialized()).toBe(false);
  });

  it('NCCL in a CPU build is refused with what it needs', async () => {
    await expect(dist.initProcessGroup({ backend: 'nccl', initMethod: 'file:///tmp/unused', worldSize: 1, rank: 0 })).rejects.toThrow(/backend 'nccl' is not in this build of node-peft \(it has: gloo\); NCCL needs a build against a CUDA libtorch/);
  });
});
