// The server's metrics in Prometheus' text format (version 0.0.4): counters, gauges and histograms
// with labels. Written here rather than taken from prom-client: the handful of series the server
// keeps needs ~80 lines, and the package would be the server's only dependency.

type Labels = Record<string, string>;

const key = (labels: Labels) => Object.keys(labels).sort().map((k) => `${k}="${labels[k].replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',');
const braces = (inner: string) => (inner === '' ? '' : `{${inner}}`);

abstract class Metric {
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge' | 'histogram') {}
  abstract lines(): string[];
  render(): string { return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join('\n'); }
}

export class Counter extends Metric {
  readonly #values = new Map<string, number>();
  constructor(name: string, help: string) { super(name, help, 'counter'); }
  inc(labels: Labels = {}, by = 1): void { const k = key(labels); this.#values.set(k, (this.#values.get(k) ?? 0) + by); }
  get(labels: Labels = {}): number { return this.#values.get(key(labels)) ?? 0; }
  lines(): string[] { return [...this.#values].map(([k, v]) => `${this.name}${braces(k)} ${v}`); }
}

/** A gauge read when the metrics are rendered (queue depth, adapters loaded, memory). */
export class Gauge extends Metric {
  constructor(name: string, help: string, readonly read: () => number | [Labels, number][]) { super(name, help, 'gauge'); }
  lines(): string[] {
    const v = this.read();
    return typeof v === 'number' ? [`${this.name} ${v}`] : v.map(([l, n]) => `${this.name}${braces(key(l))} ${n}`);
  }
}

export class Histogram extends Metric {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, readonly buckets: number[]) { super(name, help, 'histogram'); }
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.#series.get(k);
    if (!s) this.#series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => { if (value <= b) s!.counts[i]++; });
    s.sum += value;
    s.count++;
  }
  lines(): string[] {
    return [...this.#series].flatMap(([k, s]) => {
      const le = (b: string) => braces(k === '' ? `le="${b}"` : `${k},le="${b}"`);
      return [...this.buckets.map((b, i) => `${this.name}_bucket${le(String(b))} ${s.counts[i]}`), `${this.name}_bucket${le('+Inf')} ${s.count}`,
        `${this.name}_sum${braces(k)} ${s.sum}`, `${this.name}_count${braces(k)} ${s.count}`];
    });
  }
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The series the server keeps; gauges are bound to their sources by serve(). */
export class ServerMetrics {
  readonly requests = new Counter('node_peft_requests_total', 'HTTP requests answered, by route and status code');
  readonly promptTokens = new Counter('node_peft_prompt_tokens_total', 'prompt tokens processed, by model');
  readonly generatedTokens = new Counter('node_peft_generated_tokens_total', 'tokens generated, by model');
  readonly latency = new Histogram('node_peft_request_duration_seconds', 'time from a request to its last byte, by route', LATENCY_BUCKETS);
  readonly firstToken = new Histogram('node_peft_time_to_first_token_seconds', 'time from a completion request to its first generated token', LATENCY_BUCKETS);
  readonly stepSeconds = new Histogram('node_peft_step_duration_seconds', 'duration of one batched forward (prefill or decoding step)', LATENCY_BUCKETS);
  readonly batchRows = new Histogram('node_peft_batch_rows', 'rows in each decoding step', [1, 2, 4, 8, 16, 32, 64, 128]);
  readonly #gauges: Gauge[] = [];

  gauge(name: string, help: string, read: Gauge['read']): void { this.#gauges.push(new Gauge(name, help, read)); }

  render(): string {
    const all: Metric[] = [this.requests, this.promptTokens, this.generatedTokens, this.latency, this.firstToken, this.stepSeconds, this.batchRows, ...this.#gauges];
    return `${all.map((m) => m.render()).join('\n')}\n`;
  }
}
