// Multi-process helpers: a free loopback port, N ranks of a worker script (the compiled library,
// one thread each) with torchrun's variables, and their JSON lines. Loopback only.
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { afterAll } from 'vitest';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli/index.js');
export const WORKERS = path.join(__dirname, 'workers');

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'node-peft-dist-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A port nothing listens on right now (the kernel's pick on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ProcResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs a command to its end (killed after limitMs), collecting its output. */
export function run(argv: string[], env: NodeJS.ProcessEnv, limitMs: number): { child: ChildProcess; done: Promise<ProcResult> } {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (or npx tsc -p tsconfig.json) before these tests`);
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env: { ...process.env, OMP_NUM_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = new Promise<ProcResult>((resolve) => {
    // 'close': the process has exited and its output streams are drained.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/**
 * Starts `worldSize` ranks of a worker script on 127.0.0.1:port; resolves with each rank's result.
 * Ranks in `lingering` (a frozen or hanging rank) are killed once all the others have ended.
 */
export async function runRanks(worker: string, worldSize: number, env: NodeJS.ProcessEnv = {}, limitMs = 60_000, lingering: number[] = []): Promise<ProcResult[]> {
  const p = await freePort();
  const ranks = Array.from({ length: worldSize }, (_, rank) => run([process.execPath, path.join(WORKERS, worker)], {
    MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(p), WORLD_SIZE: String(worldSize), RANK: String(rank), LOCAL_RANK: String(rank), ...env,
  }, limitMs));
  await Promise.all(ranks.filter((_, r) => !lingering.includes(r)).map((r) => r.done));
  for (const r of lingering) ranks[r].child.kill('SIGKILL');
  return Promise.all(ranks.map((r) => r.done));
}

/** The JSON lines a process printed on stdout. */
export function jsonLines(out: string): Record<string, unknown>[] {
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}
