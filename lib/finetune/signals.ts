// Ctrl-C for a process that trains: while the Trainer runs, its own SIGINT handler stops after
// the current step and saves a checkpoint, and a second Ctrl-C aborts; before and after
// training there is nothing to save, so the process ends at once. Exit status 130 (128 + SIGINT)
// either way, as shells report an interrupted command.
import type { TrainerCallback } from '../train/callbacks';

export const SIGINT_EXIT_CODE = 130;

export interface SigintGuard {
  /** Add to the Trainer's callbacks: it tells the guard when training runs. */
  callback: TrainerCallback;
  /** Whether a SIGINT arrived. */
  readonly interrupted: boolean;
  dispose(): void;
}

export function sigintGuard(onAbort: () => void = () => process.exit(SIGINT_EXIT_CODE)): SigintGuard {
  let training = false;
  let count = 0;
  const handler = () => {
    count += 1;
    // The first SIGINT during training is the Trainer's to handle (it removes its listener then).
    if (training && count === 1) return;
    process.stderr.write('\nnode-peft: interrupted\n');
    onAbort();
  };
  process.on('SIGINT', handler);
  return {
    callback: { onTrainBegin: () => { training = true; }, onTrainEnd: () => { training = false; } },
    get interrupted() { return count > 0; },
    dispose: () => { process.removeListener('SIGINT', handler); },
  };
}
