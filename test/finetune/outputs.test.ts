// The output folder of a run: a new run never mixes its files with an earlier run's, resuming
// needs a checkpoint, --overwrite removes only what runs write, and class names are read back
// from labels.json or a config's real id2label.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareOutputDir, readLabels, writeLabels } from '../../lib/finetune/outputs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-outputs-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
function folder(files: string[]): string {
  const dir = path.join(root, String(n++));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), '{}');
  }
  return dir;
}
const fresh = { resume: false, overwrite: false };

describe('prepareOutputDir', () => {
  it('accepts a new or empty folder, and refuses --resume there', async () => {
    await prepareOutputDir(path.join(root, 'new'), fresh);
    await expect(prepareOutputDir(path.join(root, 'new'), { resume: true, overwrite: false })).rejects.toThrow(/--resume: no checkpoint-N folder in .*new; run without --resume/);
  });

  it('refuses checkpoints of an earlier run unless resuming or overwriting', async () => {
    const dir = folder(['checkpoint-4/trainer_state.json', 'log.jsonl']);
    await expect(prepareOutputDir(dir, fresh)).rejects.toThrow(/holds checkpoints of an earlier run \(checkpoint-4\): pass --resume to continue it or --overwrite/);
    await prepareOutputDir(dir, { resume: true, overwrite: false });
    expect(fs.existsSync(path.join(dir, 'checkpoint-4'))).toBe(true);
  });

  it('refuses a finished run; --overwrite removes the run files and nothing else', async () => {
    const dir = folder(['summary.json', 'log.jsonl', 'adapter_model.safetensors', 'runs/events.out.tfevents.1', 'notes.txt']);
    await expect(prepareOutputDir(dir, fresh)).rejects.toThrow(/holds a finished run \(summary\.json\): pass --overwrite/);
    fs.mkdirSync(path.join(dir, 'checkpoint-2'));
    await prepareOutputDir(dir, { resume: false, overwrite: true });
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('drops the log of a run that died before its first checkpoint', async () => {
    const dir = folder(['log.jsonl']);
    await prepareOutputDir(dir, fresh);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('labels', () => {
  it('reads labels.json, else a config with real class names, not LABEL_N', async () => {
    const dir = folder([]);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ id2label: { 0: 'LABEL_0', 1: 'LABEL_1' } }));
    expect(readLabels(dir)).toBeNull();
    await writeLabels(dir, { id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 } });
    expect(readLabels(dir)).toEqual({ id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 } });
    const other = folder([]);
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'config.json'), JSON.stringify({ id2label: { 0: 'no', 1: 'yes' } }));
    expect(readLabels(other)).toEqual({ id2label: { 0: 'no', 1: 'yes' }, label2id: { no: 0, yes: 1 } });
  });
});
