// savePretrained writes a checkpoint as one unit (issue #12, item 4a): a child process saves two
// checkpoints alternately into one folder and is killed with SIGKILL at random moments; the
// folder must then load as one of the two, complete, config beside its weights. Before, 1 kill in
// 10 left a new model.safetensors (3 labels) beside the old config.json (2 labels), and each kill
// during the weights' write left a model.safetensors.tmp-<pid>-* file for good.
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib';
import { maxAbsDiff } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const KILLS = 6;

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-kill-'));

/** Starts `script` (which prints 'ready' once saving), kills it with SIGKILL after a random delay. */
async function killWhileSaving(script: string, maxDelayMs: number): Promise<void> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  await new Promise((resolve) => setTimeout(resolve, Math.random() * maxDelayMs));
  child.kill('SIGKILL');
  await exited;
}

/** Temporary files and folders of interrupted saves, inside `dir` and beside it. */
function leftovers(dir: string): string[] {
  const inside = fs.readdirSync(dir).filter((n) => n.includes('.tmp-'));
  const beside = fs.readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`${path.basename(dir)}.`));
  return [...inside, ...beside];
}

function expectSameWeights(a: torch.Module, b: torch.Module): void {
  const theirs = b.stateDict();
  for (const [key, t] of a.stateDict()) expect(maxAbsDiff(t, theirs.get(key)!), key).toBe(0);
}

describe('savePretrained killed at random moments', () => {
  it(`PreTrainedModel: after each of ${KILLS} SIGKILLs the folder loads as the complete old or new checkpoint; no temp files pile up`, async () => {
    const root = tmp();
    const config = (numLabels: number) => torch.bertConfig({ vocab_size: 200, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 32, num_labels: numLabels });
    const refs = { 2: path.join(root, 'ref2'), 3: path.join(root, 'ref3') };
    for (const n of [2, 3] as const) await torch.BertForSequenceClassification.fromConfig(config(n)).savePretrained(refs[n]);
    const dir = path.join(root, 'ckpt');
    fs.cpSync(refs[2], dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"kept": true}');
    const script = `
      const torch = require(${JSON.stringify(path.join(ROOT, 'dist'))});
      (async () => {
        const models = [await torch.BertForSequenceClassification.fromPretrained(${JSON.stringify(refs[2])}, { warn: false }),
                        await torch.BertForSequenceClassification.fromPretrained(${JSON.stringify(refs[3])}, { warn: false })];
        console.log('ready');
        for (let i = 0; ; i++) await models[i % 2].savePretrained(${JSON.stringify(dir)});
      })();`;
    const reference = { 2: await torch.BertForSequenceClassification.fromPretrained(refs[2], { warn: false }), 3: await torch.BertForSequenceClassification.fromPretrained(refs[3], { warn: false }) };
    const seen = new Set<number>();
    for (let kill = 0; kill < KILLS; kill++) {
      await killWhileSaving(script, 200);
      const loaded = await torch.BertForSequenceClassification.fromPretrained(dir, { warn: false }); // a mixed pair fails here
      const labels = loaded.config.numLabels as 2 | 3;
      seen.add(labels);
      expectSameWeights(loaded, reference[labels]);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'))).toEqual({ kept: true });
      expect(leftovers(dir).length, `after kill ${kill}: ${leftovers(dir)}`).toBeLessThanOrEqual(1); // the last kill's staging folder at most
    }
    await reference[2].savePretrained(dir); // the next save cleans up after the dead
    expect(leftovers(dir)).toEqual([]);
    console.log(`${KILLS} kills: the folder held checkpoint(s) with ${[...seen].join(' and ')} labels`);
  });

  it('PeftModel: after each of 3 SIGKILLs the adapter folder loads, its config matching its weights; no temp files pile up', async () => {
    const root = tmp();
    const base = path.join(root, 'base');
    await torch.BertForSequenceClassification.fromConfig(torch.bertConfig({ vocab_size: 200, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 32, num_labels: 2 })).savePretrained(base);
    const dir = path.join(root, 'adapter');
    const script = `
      const torch = require(${JSON.stringify(path.join(ROOT, 'dist'))});
      (async () => {
        const make = async (r) => torch.getPeftModel(await torch.BertForSequenceClassification.fromPretrained(${JSON.stringify(base)}, { warn: false }), new torch.LoraConfig({ taskType: torch.TaskType.SEQ_CLS, r }));
        const models = [await make(2), await make(4)];
        await models[0].savePretrained(${JSON.stringify(dir)});
        console.log('ready');
        for (let i = 1; ; i++) await models[i % 2].savePretrained(${JSON.stringify(dir)});
      })();`;
    for (let kill = 0; kill < 3; kill++) {
      await killWhileSaving(script, 200);
      const model = await torch.BertForSequenceClassification.fromPretrained(base, { warn: false });
      const peft = await torch.PeftModel.fromPretrained(model, dir); // r in the config must match the weights
      expect([2, 4]).toContain(peft.peftConfig.get('default')!.r);
      expect(leftovers(dir).length, `after kill ${kill}: ${leftovers(dir)}`).toBeLessThanOrEqual(1);
    }
  });
});
