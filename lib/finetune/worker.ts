// One run of a sweep, in a child process of its own (forked by sweep.ts): each run's peak RSS is
// then its own, and the memory of one run is gone before the next starts. The parent sends
// { spec, quiet } over IPC; the child answers { result } or { error } and exits with 0, 130
// (interrupted, checkpoint saved) or 1.
import type { Trainer } from '../train/trainer';
import { fineTune, type FineTuneResult, type FineTuneSpec } from './run';
import { sigintGuard, SIGINT_EXIT_CODE } from './signals';

export interface WorkerRequest { spec: FineTuneSpec; quiet: boolean }
export type WorkerReply = { result: Omit<FineTuneResult, 'history'> } | { error: string; stack?: string };

/** Sends the reply, then exits (a pending IPC message would be lost by an earlier exit). */
function reply(message: WorkerReply, code: number): void {
  if (!process.send || !process.connected) process.exit(code);
  process.send(message, () => process.exit(code));
}

async function runRequest(req: WorkerRequest): Promise<void> {
  const guard = sigintGuard();
  let trainer: Trainer | null = null;
  // The parent went away (killed): stop at the next step with a checkpoint rather than train on unseen.
  process.once('disconnect', () => trainer?.interrupt());
  try {
    const result = await fineTune(req.spec, {
      print: req.quiet ? undefined : (line) => console.log(line), callbacks: [guard.callback], warn: !req.quiet,
      onTrainer: (t) => { trainer = t; },
    });
    const { history: _history, ...rest } = result;
    reply({ result: rest }, result.status === 'interrupted' ? SIGINT_EXIT_CODE : 0);
  } finally {
    guard.dispose();
  }
}

if (require.main === module) {
  process.once('message', (req: WorkerRequest) => {
    runRequest(req).catch((err: Error) => reply({ error: err.message, stack: err.stack }, 1));
  });
}
