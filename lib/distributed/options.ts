// initProcessGroup's options, validated and resolved as torch.distributed resolves them:
// 'env://' reads MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK (what torchrun and `node-peft
// launch` set); 'tcp://host:port' and 'file:///path' take worldSize and rank from the options
// or, failing that, from WORLD_SIZE and RANK.
import type { NativeGroupSpec } from '../binding';
import { expectInt, expectOneOf, expectOptions, invalid } from '../validate';
import { DistributedError } from './errors';

export type Backend = 'gloo' | 'nccl';

export interface InitProcessGroupOptions {
  /** 'gloo' (CPU tensors; the default) or 'nccl' (CUDA tensors; needs a CUDA build). */
  backend?: Backend;
  /** 'env://' (default), 'tcp://host:port' or 'file:///path/to/shared/file'. */
  initMethod?: string;
  worldSize?: number;
  rank?: number;
  /** Milliseconds a rendezvous or collective may wait for the other ranks (torch's default: 30 minutes). */
  timeout?: number;
}

const KEYS = ['backend', 'initMethod', 'worldSize', 'rank', 'timeout'] as const;
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

function fromEnv(env: NodeJS.ProcessEnv, name: string, why: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new DistributedError(`initProcessGroup: ${why} needs ${name} in the environment (node-peft launch and torchrun set it), or pass it as an option`);
  return v;
}

function envInt(env: NodeJS.ProcessEnv, name: string, why: string, min: number): number {
  const raw = fromEnv(env, name, why);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new DistributedError(`initProcessGroup: ${name}=${JSON.stringify(raw)} is not an integer >= ${min}`);
  return n;
}

/** An IPv4 literal, a bracketed or bare IPv6 literal, or a host name; anything else is refused here. */
export function checkHost(host: string, what: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (/^\d+(\.\d+){3}$/.test(bare)) {
    if (bare.split('.').some((o) => Number(o) > 255)) throw new DistributedError(`${what} '${host}' is not a valid IPv4 address (each part is 0..255)`);
    return bare;
  }
  if (bare.includes(':') && /^[0-9a-fA-F:.]+$/.test(bare)) return bare;
  if (/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(bare) && !/^[\d.]+$/.test(bare)) return bare;
  throw new DistributedError(`${what} '${host}' is not an IP address or host name`);
}

export function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DistributedError(`${what} ${port} is not a port number (1..65535)`);
  return port;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parseTcp(url: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url);
  if (!m) invalid('initProcessGroup.initMethod', "'tcp://host:port'", url);
  return { host: checkHost(m[1], 'the address of initMethod'), port: checkPort(Number(m[2]), 'the port of initMethod') };
}

/** The addon's spec for `options`, with `env` for what the options leave out. */
export function resolveInit(options: InitProcessGroupOptions | undefined, env: NodeJS.ProcessEnv = process.env): NativeGroupSpec {
  const o = expectOptions('initProcessGroup', options ?? {}, KEYS);
  const backend = expectOneOf('initProcessGroup.backend', o.backend ?? 'gloo', ['gloo', 'nccl'] as const);
  const initMethod = o.initMethod ?? 'env://';
  if (typeof initMethod !== 'string') invalid('initProcessGroup.initMethod', "'env://', 'tcp://host:port' or 'file:///path'", initMethod);
  const timeoutMs = o.timeout === undefined ? DEFAULT_TIMEOUT_MS : expectInt('initProcessGroup.timeout', o.timeout, 1);
  const worldSize = o.worldSize !== undefined ? expectInt('initProcessGroup.worldSize', o.worldSize, 1) : envInt(env, 'WORLD_SIZE', initMethod, 1);
  const rank = o.rank !== undefined ? expectInt('initProcessGroup.rank', o.rank, 0) : envInt(env, 'RANK', initMethod, 0);
  if (rank >= worldSize) throw new DistributedError(`initProcessGroup: rank ${rank} is not below the world size ${worldSize} (ranks are 0..${worldSize - 1})`);
  let where: Pick<NativeGroupSpec, 'method' | 'host' | 'port' | 'path'>;
  if (initMethod === 'env://') {
    const host = checkHost(fromEnv(env, 'MASTER_ADDR', 'env://'), 'MASTER_ADDR');
    const port = checkPort(envInt(env, 'MASTER_PORT', 'env://', 0), 'MASTER_PORT');
    where = { method: 'tcp', host, port };
  } else if (initMethod.startsWith('tcp://')) {
    where = { method: 'tcp', ...parseTcp(initMethod) };
  } else if (initMethod.startsWith('file://') && initMethod.length > 'file://'.length) {
    where = { method: 'file', path: initMethod.slice('file://'.length) };
  } else {
    invalid('initProcessGroup.initMethod', "'env://', 'tcp://host:port' or 'file:///path'", initMethod);
  }
  // Gloo's transport, as torch's binding picks it: GLOO_SOCKET_IFNAME's interfaces, else the
  // default device (this host's name). A loopback master means every rank is on this machine:
  // bind Gloo to 127.0.0.1 too, so nothing leaves the host.
  const glooInterfaces = (env.GLOO_SOCKET_IFNAME ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const glooHostname = glooInterfaces.length === 0 && where.method === 'tcp' && isLoopback(where.host!) ? '127.0.0.1' : null;
  return { backend, ...where, rank, worldSize, timeoutMs, glooInterfaces, glooHostname };
}
