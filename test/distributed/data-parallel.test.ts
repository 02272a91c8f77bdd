// Data-parallel training through the Trainer: 2 processes × 1 thread end where 1 process with the
// same global batch ends (tiny BERT + LoRA r=4, no dropout; each rank starts from other random
// weights, which the Trainer replaces with rank 0's), with gradient accumulation too; the sharded
// evaluation gathers the same metrics; resuming from a checkpoint with the same world size ends
// at the same weights.
import fs from 'fs';
import path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runRanks, tempDir } from './helpers';

interface Record {
  rank: number; world: number; status: string; globalStep: number; trainLoss: number; bytesPerStep: number | null;
  logHistory: { [k: string]: number }[]; weights: { [name: string]: number[] }; evalMetrics: { [k: string]: number }; checkpoints: string[]; checkpointFiles: string[];
}

async function train(world: number, env: NodeJS.ProcessEnv = {}, out = tempDir()): Promise<Record[]> {
  const results = await runRanks('train.js', world, { OUT_DIR: out, ...env }, 150_000);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  return Array.from({ length: world }, (_, rank) => JSON.parse(fs.readFileSync(path.join(out, `rank-${rank}.json`), 'utf8')) as Record);
}

function maxWeightDiff(a: Record, b: Record): number {
  let m = 0;
  for (const [name, w] of Object.entries(a.weights)) {
    expect(b.weights[name], name).toHaveLength(w.length);
    w.forEach((v, i) => { m = Math.max(m, Math.abs(v - b.weights[name][i])); });
  }
  return m;
}

const losses = (r: Record) => r.logHistory.filter((e) => 'loss' in e).map((e) => e.loss);

describe('data-parallel training (Gloo, loopback)', () => {
  let one: Record[];
  let two: Record[];
  beforeAll(async () => {
    one = await train(1);
    two = await train(2);
  }, 300_000);

  it('2 processes end with the weights of 1 process with the same global batch, within 1e-5', () => {
    expect(Object.keys(one[0].weights).length).toBeGreaterThan(0);
    expect(two[0].globalStep).toBe(one[0].globalStep);
    expect(maxWeightDiff(one[0], two[0])).toBeLessThan(1e-5);
    expect(maxWeightDiff(two[0], two[1])).toBe(0);  // the replicas stay identical
  });

  it('logs the mean of the ranks\' losses and evaluates the gathered shards: the numbers of 1 process', () => {
    expect(losses(two[0]).length).toBeGreaterThan(3);
    losses(two[0]).forEach((l, i) => expect(l).toBeCloseTo(losses(one[0])[i], 4));
    expect(two[0].trainLoss).toBeCloseTo(one[0].trainLoss, 5);
    expect(two[1].trainLoss).toBe(two[0].trainLoss);
    // The weights agree within 1e-5, so the evaluation's numbers agree to about that too.
    for (const k of ['eval_loss', 'eval_accuracy', 'eval_f1']) expect(two[0].evalMetrics[k], k).toBeCloseTo(one[0].evalMetrics[k], 4);
    expect(two[1].evalMetrics.eval_loss).toBe(two[0].evalMetrics.eval_loss);
  });

  it('all-reduces only the adapters\' gradients (plus a 2-element flag) and reports the bytes', () => {
    const trainable = Object.values(two[0].weights).reduce((n, w) => n + w.length, 0);
    expect(two[0].bytesPerStep).toBe(4 * trainable + 8);
    expect(one[0].bytesPerStep).toBeNull();  // one rank: nothing to average
  });

  it('rank 0 alone writes checkpoints, with each rank\'s RNG state', () => {
    expect(two[0].checkpoints).toEqual(['checkpoint-4', 'checkpoint-8']);
    expect(two[0].checkpointFiles).toEqual(expect.arrayContaining(['adapter_model.safetensors', 'optimizer.safetensors', 'rng_state_0.safetensors', 'rng_state_1.safetensors', 'trainer_state.json']));
    expect(two[0].checkpointFiles).not.toContain('rng_state.safetensors');
  });

  it('with gradient accumulation (2 × 2 rows per rank) the weights are still those of 1 process', async () => {
    const ga = await train(2, { GA: '2' });
    expect(maxWeightDiff(one[0], ga[0])).toBeLessThan(1e-5);
  }, 150_000);

  it('resuming from a checkpoint with the same world size ends at the same weights', async () => {
    const out = tempDir();
    const full = await train(2, {}, out);
    const resumed = await train(2, { RESUME: path.join(out, 'run', 'checkpoint-4') }, out);
    expect(resumed[0].globalStep).toBe(full[0].globalStep);
    expect(maxWeightDiff(full[0], resumed[0])).toBeLessThan(1e-6);
    expect(losses(resumed[0])).toEqual(losses(full[0]));
  }, 300_000);
});

describe('stopping every rank at the same step', () => {
  it('a non-finite loss on one rank stops every rank at that step, each saying whose loss it was', async () => {
    const results = await runRanks('flags.js', 2, { MODE: 'nonfinite', OUT_DIR: tempDir() }, 120_000);
    const [r0, r1] = results.map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!));
    expect(r0.name).toBe('NonFiniteLossError');
    expect(r0.error).toMatch(/^another rank's training loss is not finite \(this rank's is [\d.e-]+\) at step 1 /);
    expect(r1.error).toMatch(/^the training loss is Infinity at step 1 /);
  }, 150_000);

  it('an interrupt on one rank (SIGINT) stops every rank after the same update, with one checkpoint', async () => {
    const out = tempDir();
    const results = await runRanks('flags.js', 2, { MODE: 'interrupt', OUT_DIR: out }, 120_000);
    const [r0, r1] = results.map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!));
    expect(r0).toMatchObject({ status: 'interrupted', globalStep: 3 });  // asked after step 2, known to all at step 3
    expect(r1).toMatchObject({ status: 'interrupted', globalStep: 3 });
    expect(fs.readdirSync(out).filter((d) => d.startsWith('checkpoint-'))).toEqual(['checkpoint-3']);
  }, 150_000);
});
