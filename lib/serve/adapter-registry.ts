// The adapters resident on the served model: an LRU under a memory budget. An adapter is loaded
// on first use (or POST /v1/adapters): its files are read asynchronously while forwards keep
// running, and the scheduler adds it between two forwards (apply()), evicting the least recently
// used adapters that no running request uses when the budget would be exceeded. A broken adapter,
// or one that does not fit the base, is refused with the reason and leaves the others as they were.
import { readAdapter, type AdapterFiles } from '../peft/peft-model';
import { adapterDir, listAdapterNames } from './adapter-names';
import { HttpError, modelNotFound } from './errors';
import type { ModelHost } from './model-host';

interface Resident { bytes: number; lastUsed: number; pins: number }
interface Waiting { resolve: () => void; reject: (err: unknown) => void }
interface Read extends Waiting { name: string; files: AdapterFiles }

export interface AdapterInfo { name: string; loaded: boolean; bytes: number | null; inUse: number }

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export class AdapterRegistry {
  readonly #resident = new Map<string, Resident>();
  readonly #loading = new Map<string, Promise<void>>();
  #read: Read[] = [];  // read from disk, to be added by apply()
  readonly #unloading = new Map<string, Waiting[]>();
  #clock = 0;

  /** wake(): tells the scheduler that apply() has work (it may be idle). */
  constructor(readonly host: ModelHost, readonly root: string | null, readonly budgetBytes: number, readonly wake: () => void) {}

  isResident(name: string): boolean { return this.#resident.has(name) && !this.#unloading.has(name); }
  get usedBytes(): number { return [...this.#resident.values()].reduce((n, r) => n + r.bytes, 0); }
  get residentCount(): number { return this.#resident.size; }

  /** [async] Every adapter the server can run: those resident and those in the adapters folder. */
  async list(): Promise<AdapterInfo[]> {
    const names = new Set([...(await listAdapterNames(this.root)), ...this.#resident.keys()]);
    return [...names].sort().map((name) => {
      const r = this.isResident(name) ? this.#resident.get(name)! : null;
      return { name, loaded: r !== null, bytes: r?.bytes ?? null, inUse: r?.pins ?? 0 };
    });
  }

  /** [async] Settles once the adapter is resident (or is refused: not found, broken, too large). */
  load(name: string): Promise<void> {
    if (this.isResident(name)) return Promise.resolve();
    let loading = this.#loading.get(name);
    if (!loading) {
      const unloaded = this.#unloading.has(name) ? new Promise<void>((resolve, reject) => this.#unloading.get(name)!.push({ resolve, reject })) : Promise.resolve();
      loading = unloaded.then(() => this.#readFiles(name)).finally(() => this.#loading.delete(name));
      this.#loading.set(name, loading);
    }
    return loading;
  }

  async #readFiles(name: string): Promise<void> {
    const dir = await adapterDir(this.root, name);
    if (dir === null) throw modelNotFound(name, await listAdapterNames(this.root));
    let files: AdapterFiles;
    try {
      files = await readAdapter(dir);
    } catch (err) {
      throw new HttpError(422, 'invalid_request_error', `adapter '${name}' cannot be loaded from ${dir}: ${(err as Error).message}`, 'model', 'adapter_load_failed');
    }
    if (files.nbytes > this.budgetBytes) {
      files.dispose();
      throw new HttpError(507, 'insufficient_storage', `adapter '${name}' needs ${mib(files.nbytes)}, more than the whole memory budget (${mib(this.budgetBytes)}): start the server with a larger --memory-budget`, 'model', 'adapter_too_large');
    }
    await new Promise<void>((resolve, reject) => {
      this.#read.push({ name, files, resolve, reject });
      this.wake();
    });
  }

  /** [async] Removes the adapter once no running request uses it. */
  unload(name: string): Promise<void> {
    if (!this.#resident.has(name)) return Promise.reject(modelNotFound(name, [...this.#resident.keys()]));
    return new Promise((resolve, reject) => {
      const waiting = this.#unloading.get(name) ?? [];
      waiting.push({ resolve, reject });
      this.#unloading.set(name, waiting);
      this.wake();
    });
  }

  /** A running request uses the adapter: it is not evicted until unpin(). */
  pin(name: string): void {
    const r = this.#resident.get(name);
    if (!r) throw new Error(`adapter '${name}' is not resident`);
    r.pins++;
    r.lastUsed = ++this.#clock;
  }
  unpin(name: string): void {
    const r = this.#resident.get(name);
    if (r) r.pins--;
    if (r && r.pins === 0 && this.#unloading.has(name)) this.wake();
  }

  /** Whether apply() has structural changes to make. */
  get pending(): boolean { return this.#read.length > 0 || [...this.#unloading.keys()].some((n) => (this.#resident.get(n)?.pins ?? 0) === 0); }

  /**
   * The structural changes: unloads, then additions (evicting as needed). Synchronous; the
   * scheduler calls it only while no forward runs on the model.
   */
  apply(): void {
    for (const [name, waiting] of [...this.#unloading]) {
      const r = this.#resident.get(name);
      if (r && r.pins > 0) continue;
      this.#unloading.delete(name);
      this.#remove(name);
      waiting.forEach((w) => w.resolve());
    }
    const waiting: Read[] = [];
    for (const read of this.#read) {
      if (!this.#makeRoom(read.files.nbytes)) { waiting.push(read); continue; }  // running requests hold the room: next time
      this.#add(read);
    }
    this.#read = waiting;
  }

  #add({ name, files, resolve, reject }: Read): void {
    try {
      this.host.add(name, files);
      this.#resident.set(name, { bytes: files.nbytes, lastUsed: ++this.#clock, pins: 0 });
      resolve();
    } catch (err) {
      reject(new HttpError(422, 'invalid_request_error', `adapter '${name}' does not fit the base model: ${(err as Error).message}`, 'model', 'adapter_load_failed'));
    } finally {
      files.dispose();
    }
  }

  // Evicts unused adapters, least recently used first, until `bytes` more fit the budget.
  #makeRoom(bytes: number): boolean {
    const idle = [...this.#resident].filter(([, r]) => r.pins === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (this.usedBytes + bytes > this.budgetBytes) {
      const next = idle.shift();
      if (!next) return false;
      this.#remove(next[0]);
    }
    return true;
  }

  #remove(name: string): void {
    if (this.host.has(name)) this.host.remove(name);
    this.#resident.delete(name);
  }
}
