// What reports are made of, from plain log histories and sweep rows: the chart series, the
// terminal chart, report.html's embedded data, the sweep table (Markdown, CSV) and plot (SVG).
import { describe, expect, it } from 'vitest';
import {
  downsample, evalSeries, formatBytes, formatSeconds, lossChart, lossSeries, niceTicks, parseLogJsonl, renderReportHtml, reportCharts,
  sweepCsv, sweepMarkdown, sweepSvg, type SweepRow,
} from '../../lib/report';

const history = [
  { loss: 1.1, learning_rate: 1e-3, epoch: 0.5, step: 2 },
  { loss: 0.9, learning_rate: 5e-4, epoch: 1, step: 4 },
  { eval_loss: 0.8, eval_f1: 0.5, eval_runtime: 0.1, eval_samples_per_second: 10, epoch: 1, step: 4 },
  { train_runtime: 3, train_loss: 1.0, epoch: 1, step: 4 },
  { eval_loss: 0.8, eval_f1: 0.5, eval_runtime: 0.2, epoch: 1, step: 4 },
];

describe('log history series', () => {
  it('takes losses from logging entries only, eval metrics without timings, one point per step', () => {
    expect(lossSeries(history)).toEqual({ key: 'loss', steps: [2, 4], values: [1.1, 0.9] });
    expect(evalSeries(history).map((s) => [s.key, s.steps, s.values])).toEqual([['eval_loss', [4], [0.8]], ['eval_f1', [4], [0.5]]]);
    expect(reportCharts(history).map((c) => c.title)).toEqual(['Training loss', 'Learning rate', 'Evaluation loss', 'Evaluation metrics']);
    expect(reportCharts([{ train_runtime: 1, step: 1 }])).toEqual([]);
  });

  it('parses log.jsonl and names a damaged line', () => {
    expect(parseLogJsonl('{"loss":1,"step":1}\n\n{"loss":2,"step":2}\n')).toEqual([{ loss: 1, step: 1 }, { loss: 2, step: 2 }]);
    expect(() => parseLogJsonl('{"loss":1}\n{"lo', 'run/log.jsonl')).toThrow('run/log.jsonl:2: not a JSON object');
  });
});

describe('terminal loss chart', () => {
  it('averages long runs down to the width and labels the step range', () => {
    expect(downsample([1, 3, 5, 7], 2)).toEqual([2, 6]);
    expect(downsample([1, 2], 5)).toEqual([1, 2]);
    const chart = lossChart(history);
    expect(chart.split('\n').length).toBe(10);  // height 8 + 1 row, and the label
    expect(chart).toContain('training loss, steps 2..4 (2 logged)');
    expect(lossChart(history.slice(0, 1))).toBe('');
  });
});

describe('report.html', () => {
  it('embeds the history as JSON that no value can break out of, and escapes the title', () => {
    const html = renderReportHtml({ title: 'run <b>', history: [{ loss: 1, learning_rate: 0, step: 1, '</script><script>alert(1)': 2 }], summary: [['a&b', '<c>']] });
    expect(html).toContain('<title>run &lt;b&gt;</title>');
    expect(html).toContain('<td>a&amp;b</td><td>&lt;c&gt;</td>');
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(JSON.parse(json).history[0]['</script><script>alert(1)']).toBe(2);
    expect(html.match(/<\/script>/g)!.length).toBe(3);  // data, uPlot, page script
  });

  it('says so when nothing was logged', () => {
    expect(renderReportHtml({ title: 't', history: [] })).toContain('Nothing was logged');
  });
});

const row = (run: string, method: string, r: number | null, metrics: Record<string, number>, trainable: number): SweepRow => ({
  run, method, r, metrics, trainableParams: trainable, allParams: 1e6, wallSeconds: 75, peakRssBytes: 300 * 2 ** 20, savedBytes: 10240,
});

describe('sweep table and plot', () => {
  const rows = [row('full', 'full', null, { eval_precision: 0.7, eval_f1: 0.65 }, 1e6), row('lora-r4', 'lora', 4, { eval_precision: 0.6, eval_f1: 0.55 }, 2000)];

  it('Markdown: method or r, precision and F1 for classification, sizes and times as people read them', () => {
    expect(sweepMarkdown(rows)).toBe([
      '| Method | r | Precision | F1 (macro) | Trainable params | Wall time | Peak RSS | Saved size |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| full |  | 0.7000 | 0.6500 | 1,000,000 | 1m15s | 300 MiB | 10.0 KiB |',
      '| lora | 4 | 0.6000 | 0.5500 | 2,000 | 1m15s | 300 MiB | 10.0 KiB |',
      '',
    ].join('\n'));
  });

  it('CSV: raw numbers; eval loss and perplexity for causal LM', () => {
    expect(sweepCsv(rows).split('\n')[1]).toBe('full,full,,0.7,0.65,1000000,1000000,75,314572800,10240');
    const causal = sweepCsv([row('lora-r8', 'lora', 8, { eval_loss: 2.5, eval_perplexity: Math.exp(2.5) }, 100)]);
    expect(causal.split('\n')[0]).toBe('run,method,r,eval_loss,eval_perplexity,trainable_params,all_params,wall_seconds,peak_rss_bytes,saved_bytes');
  });

  it('SVG: one labelled point per run at its metric, a log axis of trainable parameters', () => {
    const svg = sweepSvg(rows);
    expect(svg).toContain('F1 (macro) vs trainable parameters');
    expect([...svg.matchAll(/data-run="([^"]+)" data-value="([^"]+)" data-params="(\d+)"/g)].map((m) => m.slice(1))).toEqual([['full', '0.65', '1000000'], ['lora-r4', '0.55', '2000']]);
    for (const tick of ['1k', '10k', '100k', '1M']) expect(svg).toContain(`>${tick}</text>`);
    expect(sweepSvg([])).toContain('no finished runs');
    expect(niceTicks(0.55, 0.65)).toEqual([0.56, 0.58, 0.6, 0.62, 0.64]);
  });

  it('formats bytes and seconds', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 2 ** 30)]).toEqual(['512 B', '1.5 KiB', '5.0 GiB']);
    expect([formatSeconds(9.94), formatSeconds(61), formatSeconds(3725)]).toEqual(['9.9 s', '1m01s', '1h02m']);
  });
});
