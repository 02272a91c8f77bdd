// Checkpoint files (lib/train/checkpoint.ts) without a training run: what a checkpoint holds
// with and without saveOnlyModel and under several ranks, and the loop progress and RNG state
// read back per rank. The folders' order and rotation are in train-units.test.ts.
import fs from 'fs';
import path from 'path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from '../../lib';
import { TrainingArguments } from '../../lib';
import { native } from '../../lib/binding';
import { wrap } from '../../lib/tensor';
import { loadCheckpoint, loadProgress, loadRngState, saveCheckpoint, type TrainingParts } from '../../lib/train/checkpoint';
import { TrainerState } from '../../lib/train/state';
import { tmpDir } from './helpers';

function parts(outputDir: string, o: Record<string, unknown> = {}): TrainingParts {
  const state = Object.assign(new TrainerState(), { globalStep: 7, maxSteps: 10 });
  return {
    target: { save: async (dir: string) => fs.writeFileSync(path.join(dir, 'model.bin'), 'm') } as never,
    optimizer: { stateDict: () => ({ kind: 'adamw', state: new Map([['0.exp_avg', torch.tensor([1, 2])]]), paramGroups: [{ lr: 0.1 }] }) } as never,
    scheduler: { stateDict: () => ({ lastEpoch: 7, baseLrs: [0.1] }), getLastLr: () => [0.05] } as never,
    state, args: new TrainingArguments({ outputDir, ...o }),
  };
}
const rngState = (seed: number) => { torch.manualSeed(seed); return wrap(native.rngGetState(null)); };
const draw = () => Array.from(torch.rand([4]).toTypedArray() as Float32Array);

describe('saveCheckpoint', () => {
  it('writes checkpoint-<step> with the model, optimizer, scheduler, RNG state, progress, trainer state and arguments', async () => {
    const out = tmpDir();
    const dir = await saveCheckpoint(parts(out), { trLoss: 1.25, totalLossScalar: 3.5, lastLoggedStep: 5, epochEndDone: true });
    expect(dir).toBe(path.join(out, 'checkpoint-7'));
    expect(fs.readdirSync(dir).sort()).toEqual(['model.bin', 'node_peft_progress.json', 'optimizer.json', 'optimizer.safetensors', 'rng_state.safetensors', 'scheduler.json', 'trainer_state.json', 'training_args.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'scheduler.json'), 'utf8'))).toEqual({ last_epoch: 7, base_lrs: [0.1], _last_lr: [0.05] });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'optimizer.json'), 'utf8'))).toEqual({ kind: 'adamw', param_groups: [{ lr: 0.1 }] });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'node_peft_progress.json'), 'utf8'))).toEqual({ tr_loss: 1.25, total_loss_scalar: 3.5, globalstep_last_logged: 5, epoch_end_done: true });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'trainer_state.json'), 'utf8')).global_step).toBe(7);
    expect(loadProgress(dir)).toEqual({ trLoss: 1.25, totalLossScalar: 3.5, lastLoggedStep: 5, epochEndDone: true });
  });

  it('writes only the model, trainer state and arguments with saveOnlyModel, which a resume then refuses by name', async () => {
    const dir = await saveCheckpoint(parts(tmpDir(), { saveOnlyModel: true }), { trLoss: 1, totalLossScalar: 1, lastLoggedStep: 1, epochEndDone: false });
    expect(fs.readdirSync(dir).sort()).toEqual(['model.bin', 'trainer_state.json', 'training_args.json']);
    await expect(loadCheckpoint(dir, parts(tmpDir()))).rejects.toThrow(`cannot resume from ${dir}: optimizer.safetensors, optimizer.json, scheduler.json missing (was it saved with saveOnlyModel?)`);
  });

  it("writes every rank's RNG state and running loss under several ranks, and each rank reads back its own", async () => {
    const [a, b] = [rngState(1), rngState(2)];
    torch.manualSeed(2);
    const afterB = draw();
    const dir = await saveCheckpoint(parts(tmpDir()), { trLoss: 0, totalLossScalar: 2, lastLoggedStep: 4, epochEndDone: false }, { rngStates: [a, b], trLosses: [0.5, 0.75] });
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('rng_state')).sort()).toEqual(['rng_state_0.safetensors', 'rng_state_1.safetensors']);
    expect(loadProgress(dir, 1)).toEqual({ trLoss: 0.75, totalLossScalar: 2, lastLoggedStep: 4, epochEndDone: false });
    expect(loadProgress(dir, 0)!.trLoss).toBe(0.5);
    expect(() => loadProgress(dir, 2)).toThrow(/holds the running losses of 2 ranks, not of rank 2: resume with the world size/);
    torch.manualSeed(99);
    await loadRngState(dir, { rank: 1, worldSize: 2 });
    expect(draw()).toEqual(afterB);
  });
});

describe('loadProgress and loadRngState', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it('reads no progress from a checkpoint transformers wrote, and names a field that is not a number', () => {
    expect(loadProgress(tmpDir())).toBeNull();
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'node_peft_progress.json'), JSON.stringify({ tr_loss: 1, total_loss_scalar: 'x', globalstep_last_logged: 1 }));
    expect(() => loadProgress(dir)).toThrow(`${path.join(dir, 'node_peft_progress.json')}: 'total_loss_scalar' should be a number`);
    fs.writeFileSync(path.join(dir, 'node_peft_progress.json'), JSON.stringify({ tr_loss: 1, total_loss_scalar: 2, globalstep_last_logged: 3, epoch_end_done: 'yes' }));
    expect(loadProgress(dir)!.epochEndDone).toBe(false);
  });

  it("restores the generator from rng_state.safetensors, and warns as transformers does when there is none", async () => {
    const dir = await saveCheckpoint(parts(tmpDir()), undefined);
    const expected = draw();  // the draws right after the state was saved
    await loadRngState(dir);
    expect(draw()).toEqual(expected);
    await loadRngState(dir, { rank: 0, worldSize: 1 });  // one process: the plain file
    expect(draw()).toEqual(expected);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const empty = tmpDir();
    await loadRngState(empty);
    expect(warn).toHaveBeenCalledWith(`Didn't find an RNG file in ${empty}: if you are resuming a training that wasn't launched in a distributed fashion, reproducibility is not guaranteed.`);
  });
});
