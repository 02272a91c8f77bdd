// What a fine-tuning run keeps in its output folder besides the Trainer's files: labels.json (the
// class names an adapter's classifier was trained with: adapters do not carry them),
// summary.json (the run's figures, read back by sweeps and on resume), and the checks that keep
// a new run from mixing its files with an old one's.
import fs from 'fs';
import path from 'path';
import { getLastCheckpoint } from '../train/checkpoint';
import { writeJsonAtomic } from '../util/fs';
import type { LabelNames } from './task';

export const LABELS_FILE = 'labels.json';
export const SUMMARY_FILE = 'summary.json';

// Files a run writes into outputDir, removed by --overwrite (nothing else of the folder is touched).
const RUN_FILES = ['log.jsonl', 'trainer_state.json', 'training_args.json', 'report.html', SUMMARY_FILE, LABELS_FILE, 'eval_predictions.jsonl', 'adapter_model.safetensors', 'adapter_config.json', 'model.safetensors', 'config.json'];

export async function writeLabels(dir: string, labels: LabelNames): Promise<void> {
  await writeJsonAtomic(path.join(dir, LABELS_FILE), { id2label: labels.id2label, label2id: labels.label2id });
}

/** labels.json of a folder, else the id2label of its config.json when that names real classes; null when neither. */
export function readLabels(dir: string): LabelNames | null {
  for (const file of [LABELS_FILE, 'config.json']) {
    const p = path.join(dir, file);
    if (!fs.existsSync(p)) continue;
    const dict = JSON.parse(fs.readFileSync(p, 'utf8')) as { id2label?: Record<string, string>; label2id?: Record<string, number> };
    if (!dict.id2label || Object.values(dict.id2label).every((v) => /^LABEL_\d+$/.test(v))) continue;
    const id2label = Object.fromEntries(Object.entries(dict.id2label).map(([k, v]) => [Number(k), v]));
    return { id2label, label2id: dict.label2id ?? Object.fromEntries(Object.entries(id2label).map(([k, v]) => [v, Number(k)])) };
  }
  return null;
}

/** Bytes of the files that exist among `names` in dir. */
export function filesSize(dir: string, names: readonly string[]): number {
  return names.map((n) => path.join(dir, n)).filter((f) => fs.existsSync(f)).reduce((s, f) => s + fs.statSync(f).size, 0);
}

/**
 * Makes sure outputDir can take a run: resuming needs a checkpoint; a fresh run refuses a folder
 * with checkpoints unless `overwrite`, which removes the earlier run's files (only those).
 */
export async function prepareOutputDir(dir: string, o: { resume: boolean | string; overwrite: boolean }): Promise<void> {
  const last = getLastCheckpoint(dir);
  if (o.resume === true && !last) throw new Error(`--resume: no checkpoint-N folder in ${dir}; run without --resume to start training`);
  if (typeof o.resume === 'string' && !fs.existsSync(path.join(o.resume, 'trainer_state.json'))) throw new Error(`--resume ${o.resume}: not a checkpoint folder (no trainer_state.json)`);
  if (o.resume) return;
  if (last && !o.overwrite) throw new Error(`--output-dir ${dir} holds checkpoints of an earlier run (${path.basename(last)}): pass --resume to continue it or --overwrite to start over`);
  if (!fs.existsSync(dir)) return;
  if (o.overwrite) {
    for (const entry of await fs.promises.readdir(dir)) {
      if (/^checkpoint-\d+$/.test(entry) || entry === 'runs' || RUN_FILES.includes(entry)) await fs.promises.rm(path.join(dir, entry), { recursive: true, force: true });
    }
    return;
  }
  // No checkpoint but a log of an unfinished run: appending to it would mix two runs.
  if (fs.existsSync(path.join(dir, 'log.jsonl')) && !fs.existsSync(path.join(dir, SUMMARY_FILE))) await fs.promises.rm(path.join(dir, 'log.jsonl'));
  else if (fs.existsSync(path.join(dir, SUMMARY_FILE))) throw new Error(`--output-dir ${dir} holds a finished run (summary.json): pass --overwrite to replace it or choose another folder`);
}
