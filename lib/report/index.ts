// Reporting: what a run or a sweep leaves to read — report.html (charts of the log history), the
// loss chart in the terminal, the sweep's table (Markdown, CSV) and plot (SVG).
export { lossSeries, learningRateSeries, evalSeries, parseLogJsonl } from './history';
export type { Series } from './history';
export { renderReportHtml, reportCharts } from './html';
export type { ChartData, ReportInput } from './html';
export { lossChart, downsample } from './terminal';
export { sweepMarkdown, sweepCsv, metricColumns } from './sweep-table';
export type { SweepRow } from './sweep-table';
export { sweepSvg } from './sweep-plot';
export { niceTicks } from './svg-frame';
export { barSvg } from './bar-plot';
export type { Bar } from './bar-plot';
export { lineSvg } from './line-plot';
export type { LineSeries } from './line-plot';
export { formatBytes, formatSeconds, formatCount, formatMetric } from './format';
