// The default process group, as torch.distributed keeps it: initProcessGroup, the rank and world
// size, barrier, destroyProcessGroup. The rendezvous and the collectives run on worker threads.
import { native, type NativeGroupSpec } from '../binding';
import { withCallerStack } from '../errors';
import { DistributedError } from './errors';
import { resolveInit, type Backend, type InitProcessGroupOptions } from './options';

let current: NativeGroupSpec | null = null;

function storeAddress(s: NativeGroupSpec): string {
  return s.method === 'file' ? `file://${s.path}` : `${s.host}:${s.port}`;
}

/** A rendezvous failure in words: which rank, which store, what to do. */
export function explainInitFailure(s: NativeGroupSpec, err: Error): DistributedError {
  const raw = err.message.split('\n')[0];
  const at = storeAddress(s);
  const secs = s.timeoutMs / 1000;
  let message: string;
  if (/address already in use|errno: 98/i.test(raw)) {
    message = `rank 0 could not listen on port ${s.port} for the rendezvous store: the port is in use (another run or program): choose another MASTER_PORT (node-peft launch --master-port)`;
  } else if (s.rank === 0 && s.method === 'tcp' && /waiting for clients|clients joined|timeout|timed out/i.test(raw)) {
    // torch 2.x says how many joined; 1.13 only that the store's socket timed out.
    const joined = /(\d+)\/(\d+) clients joined/.exec(raw);
    const who = joined ? `only ${Number(joined[1]) + 1} of ${s.worldSize} ranks (counting rank 0)` : `not all ${s.worldSize} ranks`;
    message = `rank 0 waited ${secs} s at ${at} but ${who} joined: start every rank with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE, or raise the timeout`;
  } else if (/name or service not known|getaddrinfo|could not resolve|nodename nor servname/i.test(raw)) {
    message = `rank ${s.rank} could not resolve the rendezvous address '${s.host}': check MASTER_ADDR (node-peft launch --master-addr)`;
  } else if (/timed out|connection refused|connect/i.test(raw) && s.method === 'tcp') {
    message = `rank ${s.rank} could not reach the rendezvous store at ${at} within ${secs} s: is rank 0 running, and are MASTER_ADDR and MASTER_PORT those of rank 0's machine?`;
  } else if (/passed the initialisation barrier/.test(raw)) {
    message = `rank ${s.rank}: ${raw}: a rank stopped during start-up, or the ranks disagree on WORLD_SIZE`;
  } else {
    message = `initProcessGroup failed on rank ${s.rank} of ${s.worldSize} (store at ${at})`;
  }
  return new DistributedError(`${message} [${raw}]`);
}

/**
 * [async] Joins the default process group: every rank calls it with the same world size and
 * address; it resolves once all have joined (rank 0 serves the store). Wire-compatible with
 * torch.distributed 1.13's init_process_group, so Python ranks can be members.
 */
export async function initProcessGroup(options?: InitProcessGroupOptions): Promise<void> {
  const spec = resolveInit(options);
  if (current || native.distInfo()) throw new DistributedError('initProcessGroup: the process group is already initialised: call destroyProcessGroup() first');
  if (!native.distBackends().includes(spec.backend)) {
    const has = native.distBackends().join(', ') || 'none';
    throw new DistributedError(`initProcessGroup: backend '${spec.backend}' is not in this build of node-peft (it has: ${has}); ` +
      (spec.backend === 'nccl' ? 'NCCL needs a build against a CUDA libtorch with nccl.h (see the README, Distributed training)' : 'install libgloo-dev and rebuild (npm rebuild node-peft)'));
  }
  try {
    await withCallerStack(native.distInitAsync(spec));
  } catch (err) {
    throw explainInitFailure(spec, err as Error);
  }
  current = spec;
}

export const isInitialized = (): boolean => native.distInfo() !== null;

function info(what: string): { rank: number; worldSize: number; backend: Backend } {
  const i = native.distInfo();
  if (!i) throw new DistributedError(`${what}: the default process group has not been initialized: call initProcessGroup() first`);
  return i;
}

export const getRank = (): number => info('getRank').rank;
export const getWorldSize = (): number => info('getWorldSize').worldSize;
export const getBackend = (): Backend => info('getBackend').backend;

/**
 * [async] Joins the default group when this process was started by node-peft launch or torchrun
 * (WORLD_SIZE and RANK in the environment) and has not joined yet; returns whether a group is up.
 */
export async function initFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (isInitialized()) return true;
  if (env.WORLD_SIZE === undefined || env.RANK === undefined) return false;
  await initProcessGroup({ initMethod: 'env://', backend: (env.NODE_PEFT_BACKEND as Backend | undefined) ?? 'gloo' });
  return true;
}

/** LOCAL_RANK as the launcher set it (the rank within this machine), else the global rank, else 0. */
export function getLocalRank(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LOCAL_RANK);
  return env.LOCAL_RANK !== undefined && Number.isInteger(n) && n >= 0 ? n : isInitialized() ? getRank() : 0;
}

/** [async] Resolves once every rank has called barrier(). */
export function barrier(): Promise<void> {
  info('barrier');
  return withCallerStack(native.distBarrierAsync());
}

/** Leaves the process group: stops the liveness beacon, closes the backend and the store. */
export function destroyProcessGroup(): void {
  native.distDestroy();
  current = null;
}

/** The rank and world size when a process group is initialised, else null (for lib/train). */
export function worldInfo(): { rank: number; worldSize: number; backend: Backend } | null {
  return native.distInfo();
}
