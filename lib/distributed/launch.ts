// `node-peft launch`: torchrun's job for node-peft. Starts nprocPerNode processes on this machine
// with the variables torchrun sets (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK,
// LOCAL_WORLD_SIZE, GROUP_RANK), splits the cores between them (OMP_NUM_THREADS), forwards
// SIGINT and SIGTERM, and when one process fails stops the others (SIGTERM, then SIGKILL) and
// exits with the failed one's status — no process is left waiting for a dead peer.
import { spawn, type ChildProcess } from 'child_process';
import net from 'net';
import os from 'os';
import path from 'path';
import { expectInt, expectOptions } from '../validate';
import { DistributedError } from './errors';
import { checkHost, checkPort, isLoopback } from './options';

export interface LaunchOptions {
  nprocPerNode: number;
  nnodes?: number;
  nodeRank?: number;
  /** The address of node 0 (where rank 0 serves the rendezvous store). Default 127.0.0.1. */
  masterAddr?: string;
  /** Default 29500, as torchrun. */
  masterPort?: number;
  /** What each process runs: a .js file and its arguments, a node-peft command (train, eval, ...), or any program. */
  command: string[];
  /** Intra-op threads per process (OMP_NUM_THREADS). Default: this machine's cores / nprocPerNode, at least 1. */
  threadsPerProcess?: number;
  /** Milliseconds between SIGTERM and SIGKILL when stopping the others. Default 10 s. */
  killAfterMs?: number;
  /** Where the launcher's own lines go (default stderr). */
  log?: (line: string) => void;
}

export interface LaunchResult {
  exitCode: number;
  /** The first process that failed, or null when all exited with 0. */
  failed: { rank: number; pid: number; code: number | null; signal: NodeJS.Signals | null } | null;
}

const CLI_COMMANDS = new Set(['train', 'eval', 'predict', 'generate', 'merge', 'inspect', 'sweep', 'demo']);
const KEYS = ['nprocPerNode', 'nnodes', 'nodeRank', 'masterAddr', 'masterPort', 'command', 'threadsPerProcess', 'killAfterMs', 'log'] as const;

/** The argv of one process: node for .js files and node-peft commands, else the program itself. */
export function processArgv(command: string[]): string[] {
  const [first, ...rest] = command;
  if (CLI_COMMANDS.has(first)) return [process.execPath, path.join(__dirname, '..', 'cli', 'index.js'), first, ...rest];
  if (/\.(c|m)?js$/.test(first)) return [process.execPath, first, ...rest];
  return command;
}

/** Whether `host` names this machine (rank 0 listens here, so node 0 must be it). */
function isLocalAddress(host: string): boolean {
  if (isLoopback(host) || host === os.hostname()) return true;
  return Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === host));
}

/** Fails when `port` cannot be listened on here (TCPStore listens on every interface). */
export function checkPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is in use (another run or program)' : err.code === 'EACCES' ? 'needs privileges' : `cannot be listened on (${err.code ?? err.message})`;
      reject(new DistributedError(`node-peft launch: --master-port ${port} ${why}: rank 0 could not serve the rendezvous store there; choose another --master-port`));
    });
    server.listen({ port, exclusive: true }, () => server.close(() => resolve()));
  });
}

function resolveOptions(options: LaunchOptions) {
  const o = expectOptions('launch', options, KEYS);
  const nproc = expectInt('launch.nprocPerNode', o.nprocPerNode, 1);
  const nnodes = expectInt('launch.nnodes', o.nnodes ?? 1, 1);
  const nodeRank = expectInt('launch.nodeRank', o.nodeRank ?? 0, 0);
  if (nodeRank >= nnodes) throw new DistributedError(`node-peft launch: --node-rank ${nodeRank} is not below --nnodes ${nnodes}`);
  const masterAddr = checkHost(o.masterAddr ?? '127.0.0.1', 'node-peft launch: --master-addr');
  const masterPort = checkPort(o.masterPort ?? 29500, 'node-peft launch: --master-port');
  if (!Array.isArray(o.command) || o.command.length === 0) throw new DistributedError('node-peft launch: say what to run: a script.js, a node-peft command (train ...) or a program');
  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const threads = expectInt('launch.threadsPerProcess', o.threadsPerProcess ?? Math.max(1, Math.floor(cores / nproc)), 1);
  return { nproc, nnodes, nodeRank, masterAddr, masterPort, command: o.command, threads, killAfterMs: o.killAfterMs ?? 10_000, log: o.log ?? ((l: string) => process.stderr.write(`${l}\n`)) };
}

/** The environment of local process `local`, as torchrun sets it. */
export function rankEnv(local: number, r: { nproc: number; nnodes: number; nodeRank: number; masterAddr: string; masterPort: number; threads: number }): NodeJS.ProcessEnv {
  const rank = r.nodeRank * r.nproc + local;
  const world = r.nnodes * r.nproc;
  return {
    ...process.env,
    MASTER_ADDR: r.masterAddr, MASTER_PORT: String(r.masterPort), WORLD_SIZE: String(world), RANK: String(rank),
    LOCAL_RANK: String(local), LOCAL_WORLD_SIZE: String(r.nproc), GROUP_RANK: String(r.nodeRank),
    ROLE_RANK: String(rank), ROLE_WORLD_SIZE: String(world), OMP_NUM_THREADS: String(r.threads),
  };
}

/** [async] Runs the processes of this node to the end; resolves with the exit status to use. */
export async function launch(options: LaunchOptions): Promise<LaunchResult> {
  const r = resolveOptions(options);
  if (r.nodeRank === 0) {
    if (!isLocalAddress(r.masterAddr)) throw new DistributedError(`node-peft launch: --master-addr ${r.masterAddr} is not an address of this machine, but --node-rank 0 runs rank 0, which serves the rendezvous store: give this machine's address (reachable from the other nodes)`);
    await checkPortFree(r.masterPort);
  }
  const argv = processArgv(r.command);
  const children: ChildProcess[] = [];
  for (let local = 0; local < r.nproc; local++) {
    // Each in its own process group: a Ctrl-C in the terminal reaches the launcher only, which
    // forwards it once (twice would abort the Trainer's save-and-stop).
    children.push(spawn(argv[0], argv.slice(1), { stdio: 'inherit', env: rankEnv(local, r), detached: true }));
  }
  return supervise(children, r.nodeRank * r.nproc, r.killAfterMs, r.log);
}

/** Waits for every child; the first failure stops the rest. Signals to the launcher go to all. */
function supervise(children: ChildProcess[], firstRank: number, killAfterMs: number, log: (l: string) => void): Promise<LaunchResult> {
  return new Promise((resolve) => {
    let failed: LaunchResult['failed'] = null;
    let left = children.length;
    let killTimer: NodeJS.Timeout | null = null;
    let interrupted: NodeJS.Signals | null = null;
    const forward = (signal: NodeJS.Signals) => {
      interrupted = signal;
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
    };
    const onInt = () => forward('SIGINT');
    const onTerm = () => forward('SIGTERM');
    // The children have their own process groups: should the launcher exit first, take them along.
    const onExit = () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('exit', onExit);
    const stopOthers = () => {
      const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
      if (running.length === 0) return;
      log(`node-peft launch: stopping rank${running.length > 1 ? 's' : ''} ${running.map((c) => firstRank + children.indexOf(c)).join(', ')}`);
      for (const c of running) c.kill('SIGTERM');
      killTimer = setTimeout(() => { for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); }, killAfterMs);
      killTimer.unref();
    };
    const ended = new Set<number>();
    children.forEach((child, local) => {
      child.on('error', (err) => {
        log(`node-peft launch: rank ${firstRank + local} could not start: ${err.message}`);
        if (child.pid === undefined) child.emit('exit', 127, null);  // never spawned: no 'exit' comes
      });
      child.on('exit', (code, signal) => {
        if (ended.has(local)) return;
        ended.add(local);
        left -= 1;
        if ((code !== 0 || signal) && !failed && !interrupted) {
          failed = { rank: firstRank + local, pid: child.pid ?? -1, code, signal };
          log(`node-peft launch: rank ${failed.rank} (pid ${failed.pid}) ${signal ? `was killed by ${signal}` : `exited with status ${code}`}`);
          stopOthers();
        }
        if (left > 0) return;
        if (killTimer) clearTimeout(killTimer);
        process.removeListener('SIGINT', onInt);
        process.removeListener('SIGTERM', onTerm);
        process.removeListener('exit', onExit);
        const f = failed as LaunchResult['failed'];
        const status = (c: ChildProcess) => c.exitCode ?? (c.signalCode ? 128 + (os.constants.signals[c.signalCode] ?? 0) : c.pid === undefined ? 127 : 1);
        const exitCode = f ? (f.code ?? 128 + (os.constants.signals[f.signal!] ?? 0)) : Math.max(0, ...children.map(status));
        resolve({ exitCode, failed: f });
      });
    });
  });
}
