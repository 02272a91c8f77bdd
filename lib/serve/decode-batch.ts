// The rows being decoded together and their key/value cache: continuous batching's state.
//
// Rows join and leave between decoding steps. A joining group is prefilled in its own cache
// (its prompts left-padded to the longest), then appended below the running rows: the cache
// with fewer time steps is left-padded with zeros (native generationCacheAppend). Leaving rows
// are dropped from the cache, and time steps that are padding in every remaining row are cut
// off the left. Each row's padding is tracked here and becomes zeros in the attention mask, so
// padded keys are never attended; OPT's positions count only attended tokens, so a row's
// positions, and with them its logits, are those it would have alone (up to float rounding of
// batched matrix products). This keeps one forward per step over all rows, with no re-prefill
// of the rows already running when others join.
import { native, type NativeCache } from '../binding';
import { tensor } from '../creation';
import type { Device } from '../dtype';
import type { Tensor } from '../tensor';

/** One forward over rows: ids [rows, new] and mask [rows, past + new] -> next-token logits [rows, vocab]. */
export type StepFn = (cache: NativeCache, inputIds: Tensor, attentionMask: Tensor, adapters: string[]) => Promise<Tensor>;

export interface BatchRow {
  /** The adapter this row runs with (NO_ADAPTER for the base model). */
  readonly adapter: string;
  /** The prompt's ids, then every token generated so far. */
  readonly tokens: number[];
}

export class DecodeBatch<R extends BatchRow> {
  #cache: NativeCache = native.generationCache();
  #rows: R[] = [];
  #pads: number[] = [];  // left padding of each row in the cache
  #length = 0;  // time steps in the cache

  constructor(readonly device: Device, readonly padTokenId: number) {}

  get rows(): readonly R[] { return this.#rows; }
  get size(): number { return this.#rows.length; }

  /**
   * [async] Prefills new rows (one forward) and appends them to the batch; returns their
   * next-token logits [rows, vocab] (the caller's to dispose).
   */
  async join(rows: R[], step: StepFn): Promise<Tensor> {
    const longest = Math.max(...rows.map((r) => r.tokens.length));
    const pads = rows.map((r) => longest - r.tokens.length);
    const ids = tensor(rows.map((r, i) => [...new Array<number>(pads[i]).fill(this.padTokenId), ...r.tokens]), { dtype: 'int64', device: this.device });
    const mask = this.#mask(pads, longest);
    const cache = native.generationCache();
    try {
      const logits = await step(cache, ids, mask, rows.map((r) => r.adapter));
      this.#append(cache, rows, pads, longest);
      return logits;
    } finally {
      ids.dispose();
      mask.dispose();
      native.generationCacheSelect(cache, [], 0);  // frees its tensors now (its rows were copied)
    }
  }

  /** [async] One decoding step of every row (its last token in); returns the logits [rows, vocab]. */
  async step(step: StepFn): Promise<Tensor> {
    const ids = tensor(this.#rows.map((r) => [r.tokens[r.tokens.length - 1]]), { dtype: 'int64', device: this.device });
    const mask = this.#mask(this.#pads, this.#length + 1);
    try {
      const logits = await step(this.#cache, ids, mask, this.#rows.map((r) => r.adapter));
      this.#length += 1;
      return logits;
    } finally {
      ids.dispose();
      mask.dispose();
    }
  }

  /** Keeps the rows for which keep() holds (between steps), freeing the others' cache. */
  retain(keep: (row: R) => boolean): void {
    const kept = this.#rows.map((r, i) => (keep(r) ? i : -1)).filter((i) => i >= 0);
    if (kept.length === this.#rows.length) return;
    const drop = kept.length === 0 ? this.#length : Math.min(...kept.map((i) => this.#pads[i]));
    native.generationCacheSelect(this.#cache, kept, drop);
    this.#rows = kept.map((i) => this.#rows[i]);
    this.#pads = kept.map((i) => this.#pads[i] - drop);
    this.#length -= drop;
  }

  // The appended cache has `length` steps; whichever of the two is shorter is padded on the left.
  #append(cache: NativeCache, rows: R[], pads: number[], length: number): void {
    native.generationCacheAppend(this.#cache, cache);
    const total = Math.max(this.#length, length);
    this.#pads = [...this.#pads.map((p) => p + total - this.#length), ...pads.map((p) => p + total - length)];
    this.#rows = [...this.#rows, ...rows];
    this.#length = total;
  }

  #mask(pads: number[], length: number): Tensor {
    return tensor(pads.map((p) => Array.from({ length }, (_, j) => (j < p ? 0 : 1))), { dtype: 'int64', device: this.device });
  }
}
