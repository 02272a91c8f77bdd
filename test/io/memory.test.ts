// A ~100 MB checkpoint is read through a mapping. By default each tensor is copied out and the
// mapped pages given back as it goes: the file is held once, as anonymous memory, never next to
// its mapping. With {mmap: true} loading and reading every tensor adds about one file's worth of
// RSS (mapped file pages), no anonymous copy, and disposing the tensors unmaps it.
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../lib/io';
import { tmpDir } from './helpers';

const MiB = 2 ** 20;
const TENSORS = 25;
const ROWS = 1024;
const COLS = 1024; // float32: 4 MiB per tensor, 100 MiB in all

/** RSS, its parts and its peak from /proc (Linux): file-backed pages are the mapping, anonymous ones copies. */
function memory(): { rss: number; anon: number; file: number; peak: number } {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), peak: kb('VmHWM') };
}

/** Resets the peak RSS (VmHWM) to the current RSS; false where the kernel does not allow it. */
function resetPeak(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Streams a safetensors file to disk 4 MiB at a time, so the test itself holds no copy. */
function writeLargeSafetensors(file: string): number {
  const header: Record<string, unknown> = {};
  const bytes = ROWS * COLS * 4;
  for (let i = 0; i < TENSORS; i++) {
    header[`layer.${String(i).padStart(2, '0')}.weight`] = { dtype: 'F32', shape: [ROWS, COLS], data_offsets: [i * bytes, (i + 1) * bytes] };
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, length);
  fs.writeSync(fd, text);
  const chunk = new Float32Array(ROWS * COLS);
  for (let i = 0; i < TENSORS; i++) {
    chunk.fill(i + 1);
    fs.writeSync(fd, new Uint8Array(chunk.buffer));
  }
  fs.closeSync(fd);
  return fs.statSync(file).size;
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('memory-mapped loading', () => {
  it('a 100 MB safetensors file loads into owned memory without ever holding the file twice (peak RSS < 1.25x the file)', async () => {
    const file = path.join(tmpDir(), 'large.safetensors');
    const size = writeLargeSafetensors(file);
    gc();
    await settle();
    const canPeak = resetPeak();
    const before = memory();
    const { tensors } = await loadSafetensors(file);
    const loaded = memory();
    let total = 0;
    for (const t of tensors.values()) total += t.sum().item() as number;
    expect(total).toBe((ROWS * COLS * TENSORS * (TENSORS + 1)) / 2);
    const mib = (bytes: number) => bytes / MiB;
    console.log(`${mib(size).toFixed(1)} MiB file, copied: RSS +${mib(loaded.rss - before.rss).toFixed(1)} MiB (anonymous +${mib(loaded.anon - before.anon).toFixed(1)}, file-backed +${mib(loaded.file - before.file).toFixed(1)}), peak +${mib(loaded.peak - before.rss).toFixed(1)} MiB`);
    if (!Number.isNaN(loaded.anon)) {
      expect(mib(loaded.anon - before.anon)).toBeGreaterThan(mib(0.9 * size)); // the tensors' own memory ...
      expect(mib(loaded.file - before.file)).toBeLessThan(mib(0.1 * size)); // ... and no mapped pages left
    }
    if (canPeak) expect(mib(loaded.peak - before.rss)).toBeLessThan(mib(1.25 * size));
    for (const t of tensors.values()) t.dispose();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('with {mmap: true} a 100 MB safetensors file costs one mapping, not a copy, and is unmapped when its tensors die', async () => {
    const file = path.join(tmpDir(), 'large.safetensors');
    const size = writeLargeSafetensors(file);
    gc();
    await settle();
    const before = memory();

    const t0 = performance.now();
    const { tensors } = await loadSafetensors(file, { mmap: true });
    const loadMs = performance.now() - t0;
    let total = 0;
    const t1 = performance.now();
    for (const t of tensors.values()) total += t.sum().item() as number; // touches every page
    const touchMs = performance.now() - t1;
    const loaded = memory();
    expect(total).toBe((ROWS * COLS * TENSORS * (TENSORS + 1)) / 2);

    const grew = (loaded.rss - before.rss) / MiB;
    const anon = (loaded.anon - before.anon) / MiB;
    const mapped = (loaded.file - before.file) / MiB;
    console.log(`${(size / MiB).toFixed(1)} MiB file: load ${loadMs.toFixed(1)} ms, read all ${touchMs.toFixed(0)} ms; RSS +${grew.toFixed(1)} MiB (file-backed +${mapped.toFixed(1)}, anonymous +${anon.toFixed(1)})`);
    expect(grew).toBeLessThan((1.5 * size) / MiB); // a copy would make it ~2x
    if (!Number.isNaN(anon)) {
      expect(mapped).toBeGreaterThan((0.9 * size) / MiB); // the pages are the file's ...
      expect(anon).toBeLessThan((0.25 * size) / MiB); // ... not a private copy
    }

    for (const t of tensors.values()) t.dispose();
    gc();
    await settle();
    const released = memory();
    if (!Number.isNaN(released.file)) expect((loaded.file - released.file) / MiB).toBeGreaterThan((0.9 * size) / MiB);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
