// What a training run shows and leaves behind: a progress bar on a TTY (step, epoch, loss, lr,
// samples/s, ETA) or plain lines otherwise, and outputDir/log.jsonl with every logged entry.
import fs from 'fs';
import path from 'path';
import { SingleBar } from 'cli-progress';
import type { CallbackEvent, TrainerCallback } from './callbacks';

function fmt(value: number | undefined, digits = 4): string {
  if (value === undefined) return '-';
  return Math.abs(value) !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5) ? value.toExponential(2) : value.toFixed(digits);
}

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * transformers' ProgressCallback + PrinterCallback in one: a bar on a TTY; without one (CI, pipes,
 * files) one line per logged entry and per ~10% of the steps. `samplesPerStep` turns steps/s into
 * samples/s.
 */
export class ProgressCallback implements TrainerCallback {
  #bar: SingleBar | null = null;
  #start = 0;
  #lastLine = 0;
  #last: { loss?: number; lr?: number } = {};
  constructor(private readonly samplesPerStep: number, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  onTrainBegin({ state }: CallbackEvent): void {
    this.#start = Date.now();
    if (!this.stream.isTTY) return;
    this.#bar = new SingleBar({
      format: 'train [{bar}] {value}/{total} | epoch {epoch} | loss {loss} | lr {lr} | {rate} samples/s | ETA {etaText}',
      stream: this.stream, hideCursor: true, etaBuffer: 20,
    });
    this.#bar.start(state.maxSteps, state.globalStep, this.#values(state.globalStep, state.maxSteps, state.epoch ?? 0, state.globalStep));
  }

  #values(step: number, total: number, epoch: number, startStep: number) {
    const seconds = (Date.now() - this.#start) / 1000;
    const done = step - startStep;
    const rate = seconds > 0 ? (done * this.samplesPerStep) / seconds : 0;
    return { epoch: epoch.toFixed(2), loss: fmt(this.#last.loss), lr: fmt(this.#last.lr), rate: rate.toFixed(1), etaText: done > 0 ? eta(((total - step) * seconds) / done) : '?' };
  }

  onStepEnd({ state }: CallbackEvent): void {
    const values = this.#values(state.globalStep, state.maxSteps, state.epoch ?? 0, 0);
    if (this.#bar) {
      this.#bar.update(state.globalStep, values);
      return;
    }
    const tenth = Math.max(1, Math.round(state.maxSteps / 10));
    if (state.globalStep % tenth === 0 && state.globalStep !== this.#lastLine) {
      this.#lastLine = state.globalStep;
      this.stream.write(`train ${state.globalStep}/${state.maxSteps} epoch ${values.epoch} loss ${values.loss} lr ${values.lr} ${values.rate} samples/s ETA ${values.etaText}\n`);
    }
  }

  onLog({ logs }: CallbackEvent): void {
    if (!logs) return;
    if (logs.loss !== undefined) this.#last.loss = logs.loss;
    if (logs.learning_rate !== undefined) this.#last.lr = logs.learning_rate;
    const line = JSON.stringify(logs);
    if (this.#bar) {
      // Keep the bar on the last line: print above it.
      this.stream.write(`\r\x1b[K${line}\n`);
      this.#bar.render();
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  onTrainEnd(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}

/** Appends every logged entry (training and evaluation) to outputDir/log.jsonl, one JSON object a line. */
export class JsonlLoggerCallback implements TrainerCallback {
  constructor(private readonly file: string) {}
  onLog({ logs }: CallbackEvent): void {
    if (!logs) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, `${JSON.stringify(logs)}\n`);
  }
}
