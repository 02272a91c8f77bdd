// Continuous batching. The scheduler owns the model: one loop runs every forward and, between
// forwards, every structural change (adapter loads and unloads: they throw BusyError while a
// forward is in flight). Requests wait in a bounded queue; before each forward the loop admits
// those whose adapter is resident into the batch (up to maxBatchSize rows), prefills them and
// lets them join the next decoding step, whatever adapter the running rows use. Finished,
// cancelled and timed-out rows leave between steps.
//
// batching 'mixed' (the default): one batch, every row with its own adapter in one forward
// (PEFT's adapter_names; LoRA layers group the rows by adapter). 'per-adapter': one batch per
// adapter, decoded in turns, the active adapter switched between forwards (what a server without
// mixed batches does; kept for comparison, bench/serve.js case (b)).
import { NO_ADAPTER } from './adapter-names';
import type { AdapterRegistry } from './adapter-registry';
import { runClassification } from './classify-batch';
import { DecodeBatch, type BatchRow, type StepFn } from './decode-batch';
import { HttpError, asHttpError } from './errors';
import type { ClassificationJob, GenerationJob, Job } from './jobs';
import type { ServerMetrics } from './metrics';
import type { ModelHost } from './model-host';
import { chooseTokens } from './sampler';
import type { Tensor } from '../tensor';

export type Batching = 'mixed' | 'per-adapter';

export interface SchedulerOptions { maxBatchSize: number; maxQueue: number; batching: Batching; padTokenId: number }

interface Row extends BatchRow { readonly job: GenerationJob; generated: number; done: boolean }

const timeout = (job: Job) => new HttpError(504, 'timeout', `the request did not finish within its time limit (${job.kind === 'generation' ? 'lower max_tokens, or ' : ''}retry when the server is less busy)`);

const gone = () => new HttpError(499, 'cancelled', 'the client closed the connection');

export class Scheduler {
  #queue: Job[] = [];
  readonly #batches = new Map<string, DecodeBatch<Row>>();
  readonly #joining = new Map<string, Row[]>();
  readonly #loading = new WeakSet<Job>();
  #turn = 0;
  #wake: (() => void) | null = null;
  #draining = false;
  #stopped = false;
  #idle: (() => void)[] = [];
  readonly #loop: Promise<void>;
  readonly #step: StepFn;

  constructor(readonly host: ModelHost, readonly registry: AdapterRegistry, readonly options: SchedulerOptions, readonly metrics: ServerMetrics) {
    this.#step = (cache, ids, mask, adapters) => this.#timed(() => host.step(cache, ids, mask, adapters));
    this.#loop = this.#run();
  }

  get queueDepth(): number { return this.#queue.length; }
  get running(): number { return this.#rows().length; }

  /** Queues a job; 429 when the queue is full, 503 once draining. */
  submit(job: Job): void {
    if (this.#draining) throw new HttpError(503, 'unavailable', 'the server is shutting down: retry on another instance');
    if (this.#queue.length >= this.options.maxQueue) throw new HttpError(429, 'rate_limit_exceeded', `the queue is full (${this.options.maxQueue} requests waiting): retry later (the server's --max-queue bounds it)`);
    this.#queue.push(job);
    this.wake();
  }

  wake(): void { this.#wake?.(); }

  /** [async] Refuses new jobs and settles once every queued and running one has finished. */
  drain(): Promise<void> {
    this.#draining = true;
    this.wake();
    return this.#isIdle() ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  /** [async] Stops the loop (after drain(): nothing is left to run). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#iterate();
      } catch (err) {
        // A failed forward fails the rows it ran; the server goes on.
        this.#failAll(asHttpError(err));
      }
      if (this.#isIdle()) this.#idle.splice(0).forEach((resolve) => resolve());
    }
  }

  async #iterate(): Promise<void> {
    if (this.registry.pending) this.registry.apply();  // no forward is in flight here
    this.#expire();
    const classify = this.#takeClassification();
    if (classify.length > 0) return this.#classify(classify);
    this.#admit();
    const key = this.#nextBatch();
    if (key === null) return this.#sleep();
    const batch = this.#batches.get(key) ?? new DecodeBatch<Row>(this.host.device, this.options.padTokenId);
    this.#batches.set(key, batch);
    const joining = this.#joining.get(key) ?? [];
    if (joining.length > 0) {
      const logits = await batch.join(joining, this.#step);  // on failure the rows are still in #joining: #failAll fails them
      this.#joining.delete(key);
      this.#emit(joining, logits);
    } else {
      this.metrics.batchRows.observe(batch.size);
      this.#emit(batch.rows, await batch.step(this.#step));
    }
    this.#retain(batch);
  }

  // Rows joining are in #joining until their prefill has returned, then in their batch.
  #rows(): Row[] { return [...[...this.#batches.values()].flatMap((b) => b.rows), ...[...this.#joining.values()].flat()]; }
  #isIdle(): boolean { return this.#queue.length === 0 && this.#rows().length === 0; }
  #keyOf(adapter: string): string { return this.options.batching === 'mixed' ? '*' : adapter; }

  // Round robin over the batches with work (one batch in mixed mode).
  #nextBatch(): string | null {
    const keys = [...new Set([...[...this.#joining].filter(([, rows]) => rows.length > 0).map(([k]) => k), ...[...this.#batches].filter(([, b]) => b.size > 0).map(([k]) => k)])].sort();
    if (keys.length === 0) return null;
    return keys[this.#turn++ % keys.length];
  }

  // Moves queued generations whose adapter is resident into the batch, in arrival order; the
  // adapters of the others are loaded meanwhile (they join once resident).
  #admit(): void {
    let free = this.options.maxBatchSize - this.#rows().length;
    const waiting: Job[] = [];
    for (const job of this.#queue) {
      if (job.kind !== 'generation' || free <= 0 || !this.#ready(job)) { waiting.push(job); continue; }
      this.#pin(job.adapter);
      const row: Row = { adapter: job.adapter, tokens: [...job.promptIds], job, generated: 0, done: false };
      const key = this.#keyOf(job.adapter);
      this.#joining.set(key, [...(this.#joining.get(key) ?? []), row]);
      this.metrics.promptTokens.inc({ model: job.adapter }, job.promptIds.length);
      free--;
    }
    this.#queue = waiting;
  }

  // Whether the job's adapter is resident; starts loading it when not.
  #ready(job: Job): boolean {
    if (job.adapter === NO_ADAPTER || this.registry.isResident(job.adapter)) return true;
    if (!this.#loading.has(job)) {
      this.#loading.add(job);
      // Once resident it may still be evicted before the job is admitted: then it is loaded again.
      this.registry.load(job.adapter).then(() => { this.#loading.delete(job); this.wake(); }, (err) => this.#dropQueued(job, asHttpError(err)));
    }
    return false;
  }

  #pin(adapter: string): void { if (adapter !== NO_ADAPTER) this.registry.pin(adapter); }
  #unpin(adapter: string): void { if (adapter !== NO_ADAPTER) this.registry.unpin(adapter); }

  #dropQueued(job: Job, err: HttpError): void {
    if (!this.#queue.includes(job)) return;
    this.#queue = this.#queue.filter((j) => j !== job);
    job.onError(err);
    this.wake();
  }

  // Each row's next token: passed on, and the row marked done at the end token or max_tokens.
  #emit(rows: readonly Row[], logits: Tensor): void {
    let tokens: number[];
    try {
      tokens = chooseTokens(logits, rows.map((r) => r.job.sampling));
    } finally {
      logits.dispose();
    }
    rows.forEach((row, i) => {
      if (row.done) return;
      const token = tokens[i];
      row.tokens.push(token);
      row.generated++;
      this.metrics.generatedTokens.inc({ model: row.adapter });
      const end = token === row.job.eosTokenId;
      if (!end) row.job.onToken(token);
      if (end || row.generated >= row.job.maxTokens) this.#finish(row, () => row.job.onFinish(end ? 'stop' : 'length'));
    });
  }

  #finish(row: Row, notify: () => void): void {
    if (row.done) return;
    row.done = true;
    this.#unpin(row.adapter);
    notify();
  }

  #retain(batch: DecodeBatch<Row>): void { batch.retain((r) => !r.done); }

  // Cancelled and timed-out jobs leave: queued ones at once, running rows at this step.
  #expire(): void {
    const now = Date.now();
    for (const job of [...this.#queue]) {
      if (job.cancelled) this.#dropQueued(job, gone());
      else if (now > job.deadline) this.#dropQueued(job, timeout(job));
    }
    for (const row of this.#rows()) {
      if (row.job.cancelled) this.#finish(row, () => row.job.onError(gone()));
      else if (now > row.job.deadline) this.#finish(row, () => row.job.onError(timeout(row.job)));
    }
    for (const [key, rows] of this.#joining) this.#joining.set(key, rows.filter((r) => !r.done));
    for (const batch of this.#batches.values()) this.#retain(batch);
  }

  // Queued classifications whose adapter is resident (one adapter per forward unless mixed).
  #takeClassification(): ClassificationJob[] {
    const jobs: ClassificationJob[] = [];
    let rows = 0;
    for (const job of this.#queue) {
      if (job.kind !== 'classification' || !this.#ready(job)) continue;
      if (jobs.length > 0 && (rows + job.inputs.length > this.options.maxBatchSize || (this.options.batching !== 'mixed' && job.adapter !== jobs[0].adapter))) continue;
      jobs.push(job);
      rows += job.inputs.length;
    }
    this.#queue = this.#queue.filter((j) => !jobs.includes(j as ClassificationJob));
    return jobs;
  }

  async #classify(jobs: ClassificationJob[]): Promise<void> {
    jobs.forEach((j) => this.#pin(j.adapter));
    try {
      await this.#timed(() => runClassification(this.host, jobs, this.options.padTokenId));
    } catch (err) {
      jobs.forEach((j) => j.onError(asHttpError(err)));
    } finally {
      jobs.forEach((j) => this.#unpin(j.adapter));
    }
  }

  async #timed<T>(fn: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      this.metrics.stepSeconds.observe(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }

  // After a failed forward: its batch's state is unknown; every running row fails, the queue stays.
  #failAll(err: HttpError): void {
    for (const row of this.#rows()) this.#finish(row, () => row.job.onError(err));
    for (const batch of this.#batches.values()) this.#retain(batch);
    this.#batches.clear();
    this.#joining.clear();
  }

  // Waits for new work: a submitted job, a read adapter, a cancellation, or the nearest deadline.
  async #sleep(): Promise<void> {
    const next = Math.min(...this.#queue.map((j) => j.deadline), Date.now() + 1000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, next - Date.now() + 1));
      timer.unref();
      this.#wake = () => { clearTimeout(timer); resolve(); };
    });
    this.#wake = null;
  }
}
