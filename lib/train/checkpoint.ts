// Checkpoints as transformers' Trainer writes them — outputDir/checkpoint-<step>/ with the model
// (PEFT adapter files or the full model), the optimizer and scheduler state, trainer_state.json,
// the RNG state and the training arguments — written atomically (a staging folder renamed into
// place by writeDirAtomic), rotated by saveTotalLimit without ever deleting the best checkpoint.
import fs from 'fs';
import path from 'path';
import { native } from '../binding';
import { loadSafetensors, saveSafetensors } from '../io';
import type { LRScheduler } from '../optim/scheduler';
import type { Optimizer } from '../optim/optimizer';
import { handleOf, wrap } from '../tensor';
import { writeDirAtomic, writeJsonAtomic } from '../util/fs';
import type { RankState } from './ranks';
import { TrainerState } from './state';
import type { TrainTarget } from './target';
import type { TrainingArguments } from './training-args';

export const PREFIX_CHECKPOINT_DIR = 'checkpoint';
const CHECKPOINT_RE = /^checkpoint-(\d+)$/;

/**
 * What transformers keeps only in memory, saved so that a resumed run logs exactly what the
 * uninterrupted run logged: the loss accumulated since the last log, the total behind train_loss,
 * and whether the epoch-end work (evaluation, logging, saving) of a checkpoint's step was done.
 */
export interface LoopProgress {
  trLoss: number;
  totalLossScalar: number;
  lastLoggedStep: number;
  epochEndDone: boolean;
}
const PROGRESS_FILE = 'node_peft_progress.json';

export interface TrainingParts {
  target: TrainTarget;
  optimizer: Optimizer;
  scheduler: LRScheduler;
  state: TrainerState;
  args: TrainingArguments;
}

async function saveOptimizer(dir: string, optimizer: Optimizer): Promise<void> {
  const dict = optimizer.stateDict();
  await saveSafetensors(path.join(dir, 'optimizer.safetensors'), dict.state, { format: 'pt' });
  await writeJsonAtomic(path.join(dir, 'optimizer.json'), { kind: dict.kind, param_groups: dict.paramGroups });
  for (const t of dict.state.values()) t.dispose();
}

/** transformers' RNG file: rng_state.pth, or rng_state_<rank>.pth per rank under a process group of several. */
function rngFile(dir: string, rank: number | null): string {
  return path.join(dir, rank === null ? 'rng_state.safetensors' : `rng_state_${rank}.safetensors`);
}

/**
 * Writes checkpoint-<globalStep> in outputDir; returns its path. `ranks`: under a process group,
 * every rank's RNG state and running loss (rank 0 writes them all).
 */
export async function saveCheckpoint(parts: TrainingParts, progress?: LoopProgress, ranks?: RankState): Promise<string> {
  const dir = path.join(parts.args.outputDir, `${PREFIX_CHECKPOINT_DIR}-${parts.state.globalStep}`);
  await writeDirAtomic(dir, async (staging) => {
    await parts.target.save(staging);
    if (!parts.args.saveOnlyModel) {
      await saveOptimizer(staging, parts.optimizer);
      const s = parts.scheduler.stateDict();
      await writeJsonAtomic(path.join(staging, 'scheduler.json'), { last_epoch: s.lastEpoch, base_lrs: s.baseLrs, _last_lr: parts.scheduler.getLastLr() });
      if (ranks && ranks.rngStates.length > 1) {
        for (const [r, state] of ranks.rngStates.entries()) await saveSafetensors(rngFile(staging, r), { cpu: state });
      } else {
        const rng = wrap(native.rngGetState(null));
        await saveSafetensors(rngFile(staging, null), { cpu: rng });
        rng.dispose();
      }
      if (progress) {
        const p = progress;
        // Each rank's running loss under a process group (a list by rank), else one number.
        const trLoss = ranks && ranks.trLosses.length > 1 ? ranks.trLosses : p.trLoss;
        await writeJsonAtomic(path.join(staging, PROGRESS_FILE), { tr_loss: trLoss, total_loss_scalar: p.totalLossScalar, globalstep_last_logged: p.lastLoggedStep, epoch_end_done: p.epochEndDone });
      }
    }
    // The state names its own folder as the best checkpoint when it is: use the final path.
    await writeJsonAtomic(path.join(staging, 'trainer_state.json'), parts.state.toJSON());
    await writeJsonAtomic(path.join(staging, 'training_args.json'), parts.args.toDict());
  });
  return dir;
}

/** Restores the model, optimizer, scheduler (and returns the trainer state) of a checkpoint. */
export async function loadCheckpoint(dir: string, parts: Omit<TrainingParts, 'state' | 'args'>): Promise<TrainerState> {
  const need = ['trainer_state.json', 'optimizer.safetensors', 'optimizer.json', 'scheduler.json'];
  const absent = need.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (absent.length > 0) throw new Error(`cannot resume from ${dir}: ${absent.join(', ')} missing (was it saved with saveOnlyModel?)`);
  await parts.target.load(dir);
  const { tensors } = await loadSafetensors(path.join(dir, 'optimizer.safetensors'));
  const meta = JSON.parse(await fs.promises.readFile(path.join(dir, 'optimizer.json'), 'utf8'));
  parts.optimizer.loadStateDict({ kind: meta.kind, state: tensors, paramGroups: meta.param_groups });
  for (const t of tensors.values()) t.dispose();
  const sched = JSON.parse(await fs.promises.readFile(path.join(dir, 'scheduler.json'), 'utf8'));
  parts.scheduler.loadStateDict({ lastEpoch: sched.last_epoch, baseLrs: sched.base_lrs });
  return TrainerState.load(path.join(dir, 'trainer_state.json'));
}

/** The loop's progress saved with a checkpoint (rank `rank`'s running loss), or null (a checkpoint written by transformers). */
export function loadProgress(dir: string, rank = 0): LoopProgress | null {
  const file = path.join(dir, PROGRESS_FILE);
  if (!fs.existsSync(file)) return null;
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (Array.isArray(p.tr_loss)) {
    if (typeof p.tr_loss[rank] !== 'number') throw new Error(`${file} holds the running losses of ${p.tr_loss.length} ranks, not of rank ${rank}: resume with the world size the checkpoint was written with`);
    p.tr_loss = p.tr_loss[rank];
  }
  const num = (k: string) => (typeof p[k] === 'number' ? p[k] : (() => { throw new TypeError(`${file}: '${k}' should be a number`); })());
  return { trLoss: num('tr_loss'), totalLossScalar: num('total_loss_scalar'), lastLoggedStep: num('globalstep_last_logged'), epochEndDone: p.epoch_end_done === true };
}

/**
 * Puts back the CPU generator's state saved with a checkpoint (dropout masks continue as before);
 * under a process group of several ranks, this rank's.
 */
export async function loadRngState(dir: string, world: { rank: number; worldSize: number } | null = null): Promise<void> {
  const file = rngFile(dir, world && world.worldSize > 1 ? world.rank : null);
  if (!fs.existsSync(file)) {
    console.warn(`Didn't find an RNG file in ${dir}: if you are resuming a training that wasn't launched in a distributed fashion, reproducibility is not guaranteed.`);
    return;
  }
  const { tensors } = await loadSafetensors(file);
  native.rngSetState(null, handleOf(tensors.get('cpu'), `${file}: 'cpu'`));
  for (const t of tensors.values()) t.dispose();
}

/** transformers' get_last_checkpoint: the checkpoint-<n> folder with the largest n, or null. */
export function getLastCheckpoint(outputDir: string): string | null {
  if (!fs.existsSync(outputDir)) return null;
  const steps = fs.readdirSync(outputDir).map((d) => CHECKPOINT_RE.exec(d)).filter((m): m is RegExpExecArray => m !== null && fs.statSync(path.join(outputDir, m[0])).isDirectory());
  if (steps.length === 0) return null;
  return path.join(outputDir, steps.sort((a, b) => Number(b[1]) - Number(a[1]))[0][0]);
}

/** transformers' _sorted_checkpoints: oldest first, the best one moved out of the deletion zone. */
export function sortedCheckpoints(outputDir: string, best: string | null): string[] {
  const sorted = fs.readdirSync(outputDir).filter((d) => CHECKPOINT_RE.test(d))
    .sort((a, b) => Number(CHECKPOINT_RE.exec(a)![1]) - Number(CHECKPOINT_RE.exec(b)![1]))
    .map((d) => path.join(outputDir, d));
  const bestIndex = best === null ? -1 : sorted.indexOf(path.join(outputDir, path.basename(best)));
  if (bestIndex >= 0) {
    for (let i = bestIndex; i < sorted.length - 2; i++) [sorted[i], sorted[i + 1]] = [sorted[i + 1], sorted[i]];
  }
  return sorted;
}

/** transformers' _rotate_checkpoints: deletes the oldest beyond saveTotalLimit, never the best. */
export async function rotateCheckpoints(args: TrainingArguments, best: string | null): Promise<string[]> {
  if (args.saveTotalLimit === null || args.saveTotalLimit <= 0) return [];
  const sorted = sortedCheckpoints(args.outputDir, best);
  if (sorted.length <= args.saveTotalLimit) return [];
  let limit = args.saveTotalLimit;
  // With a limit of 1 and a best checkpoint that is not the newest, keep both.
  if (best !== null && limit === 1 && sorted[sorted.length - 1] !== path.join(args.outputDir, path.basename(best))) limit = 2;
  const doomed = sorted.slice(0, Math.max(0, sorted.length - limit));
  for (const dir of doomed) await fs.promises.rm(dir, { recursive: true, force: true });
  return doomed;
}
