// A sweep: the same fine-tuning over several methods (full, topN) and LoRA ranks, one run after
// the other, each in its own folder and child process, then the write-up's table (Markdown,
// CSV) and plot (SVG). Resumable: a finished run (summary.json "completed", same options) is
// not redone; an interrupted one resumes from its last checkpoint.
import { fork, type ChildProcess } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { sweepCsv, sweepMarkdown, type SweepRow } from '../report/sweep-table';
import { sweepSvg } from '../report/sweep-plot';
import { getLastCheckpoint } from '../train/checkpoint';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs';
import type { Method } from './methods';
import { SUMMARY_FILE } from './outputs';
import type { FineTuneResult, FineTuneSpec } from './run';
import { SIGINT_EXIT_CODE } from './signals';
import type { WorkerReply, WorkerRequest } from './worker';

export interface SweepSpec {
  /** The shared run description; method, r and outputDir are set per run. */
  base: Omit<FineTuneSpec, 'method' | 'resume' | 'overwrite'>;
  methods: Exclude<Method, 'lora'>[];
  ranks: number[];
  /** The learning rate of the LoRA runs (default: base.args.learningRate): adapters usually want a larger one than full fine-tuning. */
  loraLearningRate?: number;
  outputDir: string;
  /** Redo every run, replacing earlier results. */
  overwrite?: boolean;
  quiet?: boolean;
}

export interface SweepRun { name: string; spec: FineTuneSpec }

export interface SweepResult {
  status: 'completed' | 'interrupted';
  rows: SweepRow[];
  files: { markdown: string; csv: string; svg: string };
}

const RUN_FILE = 'sweep-run.json';

export function sweepRuns(s: SweepSpec): SweepRun[] {
  const at = (name: string) => path.join(s.outputDir, name);
  const runs: SweepRun[] = s.methods.map((m) => ({ name: m, spec: { ...s.base, method: m, args: { ...s.base.args, outputDir: at(m) } } }));
  const lr = s.loraLearningRate !== undefined ? { learningRate: s.loraLearningRate } : {};
  for (const r of s.ranks) runs.push({ name: `lora-r${r}`, spec: { ...s.base, method: 'lora', lora: { ...s.base.lora, r }, args: { ...s.base.args, ...lr, outputDir: at(`lora-r${r}`) } } });
  return runs;
}

/** What makes two runs the same experiment (not threads, progress display or TensorBoard). */
function runHash(spec: FineTuneSpec): string {
  const { threads: _t, tensorboard: _b, resume: _r, overwrite: _o, args, ...rest } = spec;
  const { disableTqdm: _d, ...kept } = args;
  return crypto.createHash('sha256').update(JSON.stringify({ ...rest, args: kept })).digest('hex').slice(0, 16);
}

export function toRow(name: string, r: Omit<FineTuneResult, 'history'>): SweepRow {
  return { run: name, method: r.method, r: r.r, metrics: r.metrics, trainableParams: r.trainable, allParams: r.all, wallSeconds: r.wallSeconds, peakRssBytes: r.peakRssBytes, savedBytes: r.savedBytes };
}

type RunState = { done: Omit<FineTuneResult, 'history'> } | { resume: boolean };

/** A finished run's summary, or whether to resume; a run made with other options is an error. */
function runState(run: SweepRun, overwrite: boolean): RunState {
  const dir = run.spec.args.outputDir;
  if (overwrite || !fs.existsSync(dir)) return { resume: false };
  const recorded = fs.existsSync(path.join(dir, RUN_FILE)) ? (JSON.parse(fs.readFileSync(path.join(dir, RUN_FILE), 'utf8')) as { hash: string }).hash : null;
  if (recorded !== null && recorded !== runHash(run.spec)) throw new Error(`sweep run ${run.name} in ${dir} was made with other options: pass --overwrite to redo it, or use another --output-dir`);
  const summaryFile = path.join(dir, SUMMARY_FILE);
  const summary = fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, 'utf8')) : null;
  if (recorded !== null && summary?.status === 'completed') return { done: summary };
  return { resume: getLastCheckpoint(dir) !== null };
}

function workerPath(): string {
  const file = path.join(__dirname, 'worker.js');
  if (!fs.existsSync(file)) throw new Error(`sweep: ${file} is missing (run the compiled package: npm run build)`);
  return file;
}

/** Runs one spec in a child process; SIGINT to this process is passed on once, and the child saves a checkpoint. */
function runInChild(spec: FineTuneSpec, quiet: boolean, onInterrupt: (child: ChildProcess) => void): Promise<{ code: number; reply: WorkerReply | null }> {
  return new Promise((resolve, reject) => {
    // Its own process group: a Ctrl-C in the terminal reaches only the sweep, which forwards it
    // once (two SIGINTs would make the child abort without a checkpoint).
    const child = fork(workerPath(), [], { detached: true, stdio: 'inherit' });
    let reply: WorkerReply | null = null;
    child.on('message', (m: WorkerReply) => { reply = m; });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 128 + 2 : 1), reply }));
    onInterrupt(child);
    child.send({ spec, quiet } satisfies WorkerRequest);
  });
}

export interface SweepHooks {
  print?: (line: string) => void;
}

/** [async] Runs (or resumes) the sweep; the table and plot are rewritten after every finished run. */
export async function runSweep(s: SweepSpec, hooks: SweepHooks = {}): Promise<SweepResult> {
  const print = hooks.print ?? (() => undefined);
  const runs = sweepRuns(s);
  if (runs.length === 0) throw new Error('sweep: nothing to run: give --methods and/or --lora-r');
  const states = runs.map((run) => runState(run, s.overwrite ?? false));
  const rows: SweepRow[] = [];
  let current: ChildProcess | null = null;
  let interrupted = false;
  // Each Ctrl-C goes to the running child: the first makes it checkpoint and stop, a second abort.
  const onSigint = () => {
    interrupted = true;
    current?.kill('SIGINT');
  };
  process.on('SIGINT', onSigint);
  try {
    for (let i = 0; i < runs.length && !interrupted; i++) {
      const run = runs[i];
      const state = states[i];
      if ('done' in state) {
        print(`sweep: ${run.name} (${i + 1}/${runs.length}) finished earlier, not redone`);
        rows.push(toRow(run.name, state.done));
        continue;
      }
      print(`sweep: ${run.name} (${i + 1}/${runs.length})${state.resume ? ' resumes from its last checkpoint' : ''}`);
      await fs.promises.mkdir(run.spec.args.outputDir, { recursive: true });
      await writeJsonAtomic(path.join(run.spec.args.outputDir, RUN_FILE), { name: run.name, hash: runHash(run.spec) });
      const { code, reply } = await runInChild({ ...run.spec, resume: state.resume, overwrite: !state.resume }, s.quiet ?? false, (c) => { current = c; });
      current = null;
      if (reply && 'error' in reply) throw new Error(`sweep run ${run.name}: ${reply.error}`);
      if (code === SIGINT_EXIT_CODE || interrupted) { interrupted = true; break; }
      if (code !== 0 || !reply) throw new Error(`sweep run ${run.name}: the worker exited with status ${code}`);
      rows.push(toRow(run.name, reply.result));
      await writeTables(s.outputDir, rows);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const files = await writeTables(s.outputDir, rows);
  return { status: interrupted ? 'interrupted' : 'completed', rows, files };
}

async function writeTables(dir: string, rows: SweepRow[]): Promise<SweepResult['files']> {
  const files = { markdown: path.join(dir, 'sweep.md'), csv: path.join(dir, 'sweep.csv'), svg: path.join(dir, 'sweep.svg') };
  await fs.promises.mkdir(dir, { recursive: true });
  await writeFileAtomic(files.markdown, sweepMarkdown(rows));
  await writeFileAtomic(files.csv, sweepCsv(rows));
  await writeFileAtomic(files.svg, sweepSvg(rows));
  return files;
}
