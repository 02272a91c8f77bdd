// report.html: one self-contained page (uPlot's script and style inlined, the data embedded as
// JSON) with the training loss, the learning rate and the evaluation metrics over the steps, and
// the run's summary. It opens offline, from a file, in any browser.
import fs from 'fs';
import { escapeXml } from './format';
import { evalSeries, learningRateSeries, lossSeries, type LogEntry, type Series } from './history';

export interface ChartData {
  title: string;
  /** Shared x values (global steps). */
  steps: number[];
  series: { label: string; values: (number | null)[] }[];
}

export interface ReportInput {
  title: string;
  history: readonly LogEntry[];
  /** Rows of the summary table (name, value), e.g. final metrics, time, peak RSS. */
  summary?: [string, string][];
}

function single(title: string, s: Series): ChartData {
  return { title, steps: s.steps, series: [{ label: s.key, values: s.values }] };
}

/** Several series on the union of their steps (null where one was not logged). */
function merged(title: string, list: Series[]): ChartData {
  const steps = [...new Set(list.flatMap((s) => s.steps))].sort((a, b) => a - b);
  return {
    title, steps,
    series: list.map((s) => ({ label: s.key, values: steps.map((x) => { const i = s.steps.indexOf(x); return i < 0 ? null : s.values[i]; }) })),
  };
}

/** The charts of a log history: loss, learning rate, eval loss, other eval metrics (empty ones left out). */
export function reportCharts(history: readonly LogEntry[]): ChartData[] {
  const charts = [single('Training loss', lossSeries(history)), single('Learning rate', learningRateSeries(history))];
  const evals = evalSeries(history);
  const loss = evals.filter((s) => s.key === 'eval_loss');
  const others = evals.filter((s) => s.key !== 'eval_loss');
  if (loss.length > 0) charts.push(single('Evaluation loss', loss[0]));
  if (others.length > 0) charts.push(merged('Evaluation metrics', others));
  return charts.filter((c) => c.steps.length > 0);
}

// Reading uPlot from its package keeps the page offline: nothing is fetched when it opens.
function uplotAssets(): { js: string; css: string } {
  // A "</script" inside the library would end the element early.
  const js = fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  const css = fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return { js, css };
}

// Runs in the page: one uPlot per chart; window.nodePeftReport exposes them (tests, devtools).
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  var root = document.getElementById('charts');
  var charts = data.charts.map(function (c) {
    var box = document.createElement('section');
    box.className = 'chart';
    box.setAttribute('data-title', c.title);
    var h = document.createElement('h2');
    h.textContent = c.title;
    box.appendChild(h);
    root.appendChild(box);
    var opts = {
      width: Math.min(900, Math.max(320, root.clientWidth - 16)), height: 260,
      scales: { x: { time: false } },
      // Steps are whole numbers: no tick at 2.5.
      axes: [{ label: 'step', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6] }, {}],
      series: [{ label: 'step' }].concat(c.series.map(function (s, i) {
        return { label: s.label, stroke: colors[i % colors.length], width: 2, spanGaps: true, points: { show: true, size: 5 } };
      })),
    };
    var plot = new uPlot(opts, [c.steps].concat(c.series.map(function (s) { return s.values; })), box);
    return { title: c.title, labels: c.series.map(function (s) { return s.label; }), plot: plot };
  });
  window.nodePeftReport = { charts: charts, data: data };
})();
`;

const PAGE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin: 16px 0 4px; }
table { border-collapse: collapse; } td { padding: 2px 12px 2px 0; } td:first-child { color: #666; }
.empty { color: #666; }
`;

/** The page's HTML. */
export function renderReportHtml(input: ReportInput): string {
  const charts = reportCharts(input.history);
  // JSON inside <script>: "<" escaped so no value can close the element.
  const json = JSON.stringify({ title: input.title, charts, history: input.history }).replace(/</g, '\\u003c');
  const rows = (input.summary ?? []).map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td>${escapeXml(v)}</td></tr>`).join('');
  const { js, css } = uplotAssets();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(input.title)}</title>
<style>${css}${PAGE_STYLE}</style></head>
<body><h1>${escapeXml(input.title)}</h1>
${rows ? `<table>${rows}</table>` : ''}
<div id="charts">${charts.length === 0 ? '<p class="empty">Nothing was logged: set loggingSteps / --logging-steps below the number of steps.</p>' : ''}</div>
<script type="application/json" id="report-data">${json}</script>
<script>${js}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
