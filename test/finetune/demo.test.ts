// The README's first command: `npm run demo` (node-peft demo) on the pre-trained models in
// models/, here shortened (--quick: a few steps on a few rows) and run through the real CLI binary.
import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

describe('node-peft demo --quick', () => {
  it('adapts mini-bert-cased on TweetEval and mini-opt on Plato, and prints every step of the demo', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-demo-test-'));
    const stdout = execFileSync(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'demo', '--quick', '--output-dir', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    const lines = stdout.split('\n');
    const expectLine = (re: RegExp) => expect(lines.some((l) => re.test(l)), `a line matching ${re}\n${stdout}`).toBe(true);
    expectLine(/^1\. LoRA on mini-bert-cased \(\d+\.\d MiB\), TweetEval sentiment/);
    expectLine(/^ {3}before training: precision 0\.\d{4}, F1 0\.\d{4} \(macro\)/);
    expectLine(/^ {3}trainable params: [\d,]+ \|\| all params: [\d,]+ \|\| trainable%: \d+\.\d{4}$/);
    expectLine(/^ {3}after training: {2}precision 0\.\d{4}, F1 0\.\d{4} \(macro\)/);
    expectLine(/^ {3}adapter: \d+ KiB on disk, next to the \d+\.\d MiB base model/);
    expect(lines.filter((l) => /^ {5}(negative|neutral|positive) +\d+% {2}"/.test(l)).length).toBe(3);
    expectLine(/^2\. LoRA on mini-opt/);
    expectLine(/^ {3}Apology loss: \d+\.\d{3} with the base model, \d+\.\d{3} with the adapter$/);
    expectLine(/^ {3}base: {4}SOCRATES: And is not justice\S*\s+\S+/);
    expectLine(/^ {3}adapted: SOCRATES: And is not justice\S*\s+\S+/);
    expectLine(/^Charts of both runs: .*report\.html/);
    for (const run of ['tweeteval-lora', 'plato-lora']) {
      for (const f of ['adapter_model.safetensors', 'adapter_config.json', 'report.html', 'log.jsonl']) expect(fs.existsSync(path.join(out, run, f)), `${run}/${f}`).toBe(true);
    }
  }, 600_000);
});
