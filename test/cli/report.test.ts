// report.html in a real browser (Debian's chromium, driven by playwright-core): a short training
// run through the CLI, then the page opened from the file, offline. Each chart must be drawn and
// hold exactly the points of log.jsonl.
import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BERT_VOCAB, readJsonl, runCli, tempDir, tinyBert, TWEETEVAL } from './helpers';

// Debian's binary (the /usr/bin/chromium wrapper script adds nothing headless needs).
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p): p is string => typeof p === 'string' && fs.existsSync(p));
if (!CHROMIUM) console.warn('report.test.ts: no chromium found (apt-get install -y chromium, or set CHROMIUM_PATH): the browser test is skipped');

type Entry = Record<string, number>;
let out: string;

beforeAll(async () => {
  out = path.join(tempDir(), 'run');
  const r = await runCli([
    'train', '--model', await tinyBert(), '--tokenizer', BERT_VOCAB, '--data-dir', TWEETEVAL, '--train-split', 'test', '--eval-split', 'val',
    '--max-train-samples', '96', '--max-eval-samples', '32', '--max-length', '48', '--lr', '5e-3', '--epochs', '1', '--batch-size', '8',
    '--logging-steps', '2', '--eval-strategy', 'steps', '--eval-steps', '4', '--warmup-steps', '3', '--output-dir', out, '--threads', '2', '--quiet',
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
}, 120_000);

describe('report.html', () => {
  it('is one file that needs nothing else: no src or href pointing elsewhere', () => {
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain('<script type="application/json" id="report-data">');
  });

  it.skipIf(!CHROMIUM)('renders the loss, learning-rate and evaluation charts with the logged points in headless chromium', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => { if (!r.url().startsWith('file://')) requests.push(r.url()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`file://${path.join(out, 'report.html')}`);
      await page.waitForFunction(() => (window as unknown as { nodePeftReport?: unknown }).nodePeftReport !== undefined);
      const charts = await page.evaluate(() => {
        const report = (window as unknown as { nodePeftReport: { charts: { title: string; labels: string[]; plot: { data: (number | null)[][]; root: HTMLElement } }[] } }).nodePeftReport;
        return report.charts.map((c) => {
          const canvas = c.plot.root.querySelector('canvas')!;
          const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          let drawn = 0;
          for (let i = 3; i < px.length; i += 4) if (px[i] > 0) drawn++;
          return { title: c.title, labels: c.labels, data: c.plot.data, drawn, width: canvas.width, height: canvas.height };
        });
      });
      const log = readJsonl<Entry>(path.join(out, 'log.jsonl'));
      const trainLogs = log.filter((e) => e.learning_rate !== undefined);
      // One point per step: the final evaluation repeats the one at the last step.
      const evals = [...new Map(log.filter((e) => e.eval_loss !== undefined).map((e) => [e.step, e])).values()];
      expect(charts.map((c) => c.title)).toEqual(['Training loss', 'Learning rate', 'Evaluation loss', 'Evaluation metrics']);
      expect(charts[0].data).toEqual([trainLogs.map((e) => e.step), trainLogs.map((e) => e.loss)]);
      expect(charts[1].data).toEqual([trainLogs.map((e) => e.step), trainLogs.map((e) => e.learning_rate)]);
      expect(charts[2].data).toEqual([evals.map((e) => e.step), evals.map((e) => e.eval_loss)]);
      expect(charts[3].labels).toEqual(['eval_accuracy', 'eval_precision', 'eval_recall', 'eval_f1']);
      expect(charts[3].data).toEqual([evals.map((e) => e.step), ...charts[3].labels.map((k) => evals.map((e) => e[k]))]);
      expect(trainLogs.length).toBeGreaterThanOrEqual(5);
      expect(evals.map((e) => e.step)).toEqual([4, 8, 12]);
      for (const c of charts) {
        expect(c.width * c.height, c.title).toBeGreaterThan(0);
        expect(c.drawn, `${c.title}: pixels drawn`).toBeGreaterThan(200);
      }
      expect(await page.locator('table td').first().textContent()).toBe('status');
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
