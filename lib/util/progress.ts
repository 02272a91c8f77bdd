// One progress bar for long work (CLI commands, training): count, rate and ETA, to stderr so stdout
// stays parseable; plain periodic lines when stderr is not a terminal.
import { SingleBar } from 'cli-progress';

export interface Progress {
  tick(values?: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(label: string, total: number, unit = 'it'): Progress {
  if (!process.stderr.isTTY && !process.env.NODE_PEFT_PROGRESS) {
    // Not a terminal (CI, pipes): one line per ~10% instead of redrawing.
    let done = 0;
    const start = Date.now();
    return {
      tick(values) {
        done += 1;
        if (done === total || done % Math.max(1, Math.round(total / 10)) === 0) {
          const rate = done / ((Date.now() - start) / 1000);
          const eta = (total - done) / rate;
          const extra = values ? ' ' + Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ') : '';
          process.stderr.write(`${label} ${done}/${total} ${rate.toFixed(1)} ${unit}/s ETA ${eta.toFixed(0)}s${extra}\n`);
        }
      },
      stop() {},
    };
  }
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} | {rate} ${unit}/s | ETA {eta_formatted} {extra}`,
    stream: process.stderr,
    hideCursor: true,
  });
  const start = Date.now();
  bar.start(total, 0, { rate: '0.0', extra: '' });
  return {
    tick(values) {
      const extra = values ? Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ') : '';
      const rate = ((bar.getProgress() * total + 1) / ((Date.now() - start) / 1000)).toFixed(1);
      bar.increment(1, { rate, extra });
    },
    stop: () => bar.stop(),
  };
}
