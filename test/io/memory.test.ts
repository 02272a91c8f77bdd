// A ~100 MB checkpoint is memory-mapped, not copied: loading and reading every tensor adds about
// one file's worth of RSS (mapped file pages), no anonymous copy, and disposing the tensors unmaps it.
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../lib/io';
import { tmpDir } from './helpers';

const MiB = 2 ** 20;
const TENSORS = 25;
const ROWS = 1024;
const COLS = 1024; // float32: 4 MiB per tensor, 100 MiB in all

/** RSS and its parts from /proc (Linux): file-backed pages are the mapping, anonymous ones copies. */
function memory(): { rss: number; anon: number; file: number } {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
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
  it('a 100 MB safetensors file costs one mapping, not a copy, and is unmapped when its tensors die', async () => {
    const file = path.join(tmpDir(), 'large.safetensors');
    const size = writeLargeSafetensors(file);
    gc();
    await settle();
    const before = memory();

    const t0 = performance.now();
    const { tensors } = await loadSafetensors(file);
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
