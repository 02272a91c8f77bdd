// What training prints and logs (lib/train/reporting.ts), driven by hand with a fake clock and a
// fake stream: the plain lines every tenth of the steps off a terminal (step, epoch, loss, lr,
// samples/s, ETA), the bar on a terminal with log entries printed above it, number and ETA
// formats, and log.jsonl.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallbackEvent } from '../../lib/train/callbacks';
import { JsonlLoggerCallback, ProgressCallback } from '../../lib/train/reporting';

function stream(isTTY: boolean) {
  const out: string[] = [];
  const s = { isTTY, columns: 200, write: (chunk: string) => { out.push(String(chunk)); return true; }, on: () => s, removeListener: () => s };
  return { s: s as unknown as NodeJS.WriteStream, out };
}
const T0 = 1_000_000;  // not 0: elapsed time is now - start
const ev = (globalStep: number, maxSteps: number, epoch: number, logs?: Record<string, number>) => ({ state: { globalStep, maxSteps, epoch }, logs } as unknown as CallbackEvent);

describe('ProgressCallback off a terminal', () => {
  beforeEach(() => { vi.useFakeTimers(); vi.setSystemTime(T0); });
  afterEach(() => { vi.useRealTimers(); });

  it('prints one line per tenth of the steps with epoch, last loss and lr, samples/s and the ETA, and each log entry as JSON', () => {
    const { s, out } = stream(false);
    const p = new ProgressCallback(8, s);
    p.onTrainBegin(ev(0, 20, 0));
    p.onLog(ev(0, 20, 0, { loss: 0.5, learning_rate: 2e-5, epoch: 0.05, step: 1 }));
    expect(out).toEqual(['{"loss":0.5,"learning_rate":0.00002,"epoch":0.05,"step":1}\n']);
    vi.setSystemTime(T0 + 1000);
    p.onStepEnd(ev(1, 20, 0.05));  // 1 is not a multiple of 20 / 10
    expect(out.length).toBe(1);
    vi.setSystemTime(T0 + 2000);
    p.onStepEnd(ev(2, 20, 0.1));
    expect(out[1]).toBe('train 2/20 epoch 0.10 loss 0.5000 lr 2.00e-5 8.0 samples/s ETA 18s\n');
    p.onStepEnd(ev(2, 20, 0.1));  // the same step again (evaluation re-entering): no second line
    expect(out.length).toBe(2);
    p.onLog(ev(2, 20, 0.1, { eval_loss: 0.4 }));  // an entry without loss or lr keeps the last ones
    vi.setSystemTime(T0 + 4000);
    p.onStepEnd(ev(4, 20, 0.2));
    expect(out[3]).toBe('train 4/20 epoch 0.20 loss 0.5000 lr 2.00e-5 8.0 samples/s ETA 16s\n');
    p.onLog(ev(4, 20, 0.2));  // no entry: nothing
    expect(out.length).toBe(4);
  });

  it('writes the ETA in minutes and hours, large and tiny numbers in exponent form, zero plainly', () => {
    const { s, out } = stream(false);
    const p = new ProgressCallback(1, s);
    p.onTrainBegin(ev(0, 1000, 0));
    p.onLog(ev(0, 1000, 0, { loss: 0, learning_rate: 1e-3 }));
    vi.setSystemTime(T0 + 100 * 1000);
    p.onStepEnd(ev(100, 1000, 1));  // 900 steps left at 1 s a step
    expect(out[1]).toBe('train 100/1000 epoch 1.00 loss 0.0000 lr 0.0010 1.0 samples/s ETA 15m00s\n');
    p.onLog(ev(100, 1000, 1, { loss: 123456, learning_rate: 0.0009 }));
    vi.setSystemTime(T0 + 100 * 1000 * 11);  // 5.5 s a step on average: 800 steps are 4,400 s
    p.onStepEnd(ev(200, 1000, 2));
    expect(out[3]).toBe('train 200/1000 epoch 2.00 loss 1.23e+5 lr 9.00e-4 0.2 samples/s ETA 1h13m\n');
    vi.setSystemTime(T0 + 100 * 1000 * 11 + 59_000);
    p.onStepEnd(ev(999, 1000, 9.99));
    p.onStepEnd(ev(1000, 1000, 10));
    expect(out[4]).toMatch(/ETA 0s\n$/);
  });

  it('switches to minutes at exactly 60 s and to hours at exactly 3600 s of ETA, and to exponent form at exactly 1e5', () => {
    const at = (elapsed: number, logs?: Record<string, number>) => {
      vi.setSystemTime(T0);
      const { s, out } = stream(false);
      const p = new ProgressCallback(1, s);
      p.onTrainBegin(ev(0, 20, 0));
      if (logs) p.onLog(ev(0, 20, 0, logs));
      vi.setSystemTime(T0 + elapsed * 1000);
      p.onStepEnd(ev(10, 20, 0.5));  // halfway: the ETA is the time taken so far
      return out[out.length - 1];
    };
    expect(at(60)).toMatch(/ETA 1m00s\n$/);
    expect(at(59)).toMatch(/ETA 59s\n$/);
    expect(at(3600)).toMatch(/ETA 1h00m\n$/);
    expect(at(3599)).toMatch(/ETA 59m59s\n$/);
    expect(at(10, { loss: 1e5, learning_rate: 99999 })).toContain(' loss 1.00e+5 lr 99999.0000 ');
  });

  it("rounds the tenth, and prints every step of a run shorter than ten steps", () => {
    const { s, out } = stream(false);
    const p = new ProgressCallback(2, s);
    p.onTrainBegin(ev(0, 3, 0));
    for (let step = 1; step <= 3; step++) { vi.setSystemTime(T0 + step * 500); p.onStepEnd(ev(step, 3, step / 3)); }
    expect(out.map((l) => l.split(' ')[1])).toEqual(['1/3', '2/3', '3/3']);
    expect(out[0]).toBe('train 1/3 epoch 0.33 loss - lr - 4.0 samples/s ETA 1s\n');
    const { s: s2, out: out2 } = stream(false);
    const q = new ProgressCallback(1, s2);
    q.onTrainBegin(ev(0, 25, 0));  // 25 / 10 rounds to 3 (not 2.5, not 2)
    for (let step = 1; step <= 9; step++) q.onStepEnd(ev(step, 25, 0));
    expect(out2.map((l) => l.split(' ')[1])).toEqual(['3/25', '6/25', '9/25']);
  });
});

describe('ProgressCallback on a terminal', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('starts a resumed run\'s bar at its step with rate 0 and no ETA, then counts only the steps of this session', () => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    const { s, out } = stream(true);
    const p = new ProgressCallback(2, s);
    p.onTrainBegin(ev(5, 10, 0.5));
    expect(out.join('')).toMatch(/5\/10 \| epoch 0\.50 \| loss - \| lr - \| 0\.0 samples\/s \| ETA \?/);
    expect(out.join('')).toContain('\x1b[?25l');  // the cursor hidden while the bar shows
    p.onTrainEnd();
  });

  it('draws a bar and prints log entries above it, clearing the bar line first', () => {
    const { s, out } = stream(true);
    const p = new ProgressCallback(4, s);
    p.onTrainBegin(ev(0, 10, 0));
    p.onLog(ev(1, 10, 0.1, { loss: 2.5, learning_rate: 1e-4 }));
    p.onStepEnd(ev(1, 10, 0.1));
    p.onTrainEnd();
    const text = out.join('');
    expect(text).toContain('\r\x1b[K{"loss":2.5,"learning_rate":0.0001}\n');
    expect(text).toMatch(/train \[[^\]]*\] 0\/10 \| epoch 0\.00 \| loss - \| lr - \| 0\.0 samples\/s \| ETA \?/);
    expect(text).toMatch(/1\/10 \| epoch 0\.10 \| loss 2\.5000 \| lr 1\.00e-4/);
    expect(text).not.toMatch(/^train \d+\/\d+ epoch/m);  // no plain lines on a terminal
  });
});

describe('JsonlLoggerCallback', () => {
  it('appends each logged entry as one JSON line, making the folder, and skips events without an entry', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jsonl-')), 'out', 'log.jsonl');
    const cb = new JsonlLoggerCallback(file);
    cb.onLog(ev(1, 2, 0, { loss: 1, step: 1 }));
    cb.onLog(ev(1, 2, 0));
    cb.onLog(ev(2, 2, 1, { eval_loss: 0.5, step: 2 }));
    expect(fs.readFileSync(file, 'utf8')).toBe('{"loss":1,"step":1}\n{"eval_loss":0.5,"step":2}\n');
  });
});
