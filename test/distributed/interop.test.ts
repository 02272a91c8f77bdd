// node-peft speaks torch.distributed's protocol (TCPStore rendezvous, torch 1.13's store keys
// and barrier, Gloo's wire format): Python torch ranks and node-peft ranks form one Gloo group.
// Skipped where /usr/bin/python3 has no torch.distributed (Debian's python3-torch provides it).
import { execFileSync } from 'child_process';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { freePort, jsonLines, run, WORKERS } from './helpers';

const PYTHON = '/usr/bin/python3';
function hasTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch.distributed as d; assert d.is_available() and d.is_gloo_available()'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

async function mixedGroup(kinds: ('node' | 'python')[]) {
  const port = await freePort();
  const procs = kinds.map((kind, rank) => run(
    kind === 'node' ? [process.execPath, path.join(WORKERS, 'interop.js')] : [PYTHON, path.join(WORKERS, 'torch_rank.py')],
    { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: String(kinds.length), RANK: String(rank), GLOO_SOCKET_IFNAME: 'lo', PYTHONWARNINGS: 'ignore' },
    120_000,
  ));
  const results = await Promise.all(procs.map((p) => p.done));
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  return results.map((r) => jsonLines(r.stdout)[0]);
}

function expectAgreed(outs: Record<string, unknown>[]) {
  const n = outs.length;
  const sum = (n * (n + 1)) / 2;
  for (const o of outs) {
    expect(o.sum).toEqual([sum, 10 * sum]);
    expect(o.broadcast).toEqual([n - 1, n - 1]);
    expect(o.allGather).toEqual(Array.from({ length: n }, (_, r) => [r, 100 - r]));
  }
}

describe.runIf(hasTorch())('one Gloo group of Python torch.distributed and node-peft ranks', () => {
  it('node-peft hosts the store (rank 0) and all-reduces, broadcasts and all-gathers with a Python rank', async () => {
    const outs = await mixedGroup(['node', 'python', 'node']);
    expect(outs.map((o) => (o.impl as string).split(' ')[0])).toEqual(['node-peft', 'torch', 'node-peft']);
    expectAgreed(outs);
  }, 180_000);

  it('a Python rank 0 hosts the store and node-peft joins it', async () => {
    const outs = await mixedGroup(['python', 'node']);
    expectAgreed(outs);
  }, 180_000);
});
