// transformers' TensorBoardCallback without torch.utils.tensorboard: every logged number becomes a
// scalar summary in an event file TensorBoard reads (lib/io/tfevents.ts), under transformers'
// tags (rewrite_logs: "eval_loss" -> "eval/loss", "loss" -> "train/loss").
import fs from 'fs';
import os from 'os';
import path from 'path';
import { eventRecord, type ScalarValue } from '../io/tfevents';
import type { CallbackEvent, TrainerCallback } from './callbacks';

export interface TensorBoardOptions {
  /** The folder of the event file (transformers' logging_dir); default outputDir/runs. */
  logDir?: string;
}

/** transformers' rewrite_logs: eval_ and test_ keys get their own section, the rest is train/. */
export function rewriteLogs(logs: Record<string, number>): ScalarValue[] {
  const out: ScalarValue[] = [];
  for (const [k, v] of Object.entries(logs)) {
    // The Trainer adds the step to each entry; it is the event's step, not a scalar of its own.
    if (k === 'step' || typeof v !== 'number' || !Number.isFinite(v)) continue;
    const tag = k.startsWith('eval_') ? `eval/${k.slice(5)}` : k.startsWith('test_') ? `test/${k.slice(5)}` : `train/${k}`;
    out.push({ tag, simpleValue: v });
  }
  return out;
}

export class TensorBoardCallback implements TrainerCallback {
  #file: string | null = null;
  #fd: number | null = null;
  constructor(private readonly options: TensorBoardOptions = {}) {}

  /** The event file written so far (null before the first event). */
  get file(): string | null { return this.#file; }

  // The file is opened lazily, so an evaluate() without train() logs too; events are written
  // with one write each (no buffer to lose when the process is interrupted).
  #open(outputDir: string): number {
    if (this.#fd !== null) return this.#fd;
    if (this.#file === null) {
      const dir = this.options.logDir ?? path.join(outputDir, 'runs');
      fs.mkdirSync(dir, { recursive: true });
      this.#file = path.join(dir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${os.hostname()}.${process.pid}.0`);
      this.#fd = fs.openSync(this.#file, 'a');
      fs.writeSync(this.#fd, eventRecord({ wallTime: Date.now() / 1000, step: 0, fileVersion: 'brain.Event:2' }));
      return this.#fd;
    }
    this.#fd = fs.openSync(this.#file, 'a');
    return this.#fd;
  }

  onTrainBegin({ args }: CallbackEvent): void {
    this.#open(args.outputDir);
  }

  onLog({ args, state, logs }: CallbackEvent): void {
    if (!logs) return;
    const values = rewriteLogs(logs);
    if (values.length === 0) return;
    fs.writeSync(this.#open(args.outputDir), eventRecord({ wallTime: Date.now() / 1000, step: state.globalStep, values }));
  }

  onTrainEnd(): void {
    this.close();
  }

  /** Closes the file; a later log reopens it and appends. */
  close(): void {
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = null;
  }
}
