// TensorBoardCallback on a real Trainer run: the event file is read back with a decoder written
// here from the formats' definitions (bitwise CRC-32C, protobuf wire format), independent of
// lib/io: every record's two CRCs must hold, the first event must be the file version, and the
// scalars must be the logged values (as float32) under transformers' tags at the logged steps.
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BertConfig, BertForSequenceClassification, TensorBoardCallback, Trainer, TrainingArguments, type Example } from '../../lib';
import type { CallbackEvent } from '../../lib/train/callbacks';

function crc32cBitwise(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const masked = (d: Uint8Array) => { const c = crc32cBitwise(d); return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0; };

type Field = [number, number, Buffer | bigint];
function protoFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = () => { let v = 0n; let s = 0n; for (;;) { const b = buf[i++]; v |= BigInt(b & 127) << s; s += 7n; if (b < 128) return v; } };
  while (i < buf.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    if (wire === 0) out.push([field, wire, varint()]);
    else {
      const n = wire === 1 ? 8 : wire === 5 ? 4 : Number(varint());
      out.push([field, wire, buf.subarray(i, i + n)]);
      i += n;
    }
  }
  return out;
}

function readEventFile(file: string) {
  const buf = fs.readFileSync(file);
  const events: { step: number; wallTime?: number; version?: string; scalars: Record<string, number> }[] = [];
  for (let at = 0; at < buf.length;) {
    const len = Number(buf.readBigUInt64LE(at));
    expect(buf.readUInt32LE(at + 8), `length CRC at ${at}`).toBe(masked(buf.subarray(at, at + 8)));
    const data = buf.subarray(at + 12, at + 12 + len);
    expect(buf.readUInt32LE(at + 12 + len), `data CRC at ${at}`).toBe(masked(data));
    at += 16 + len;
    const e: (typeof events)[number] = { step: 0, scalars: {} };
    for (const [f, , v] of protoFields(data)) {
      if (f === 1) e.wallTime = (v as Buffer).readDoubleLE(0);
      if (f === 2) e.step = Number(v);
      if (f === 3) e.version = (v as Buffer).toString();
      if (f === 5) {
        for (const [, , value] of protoFields(v as Buffer)) {
          const parts = protoFields(value as Buffer);
          e.scalars[(parts.find((p) => p[0] === 1)![2] as Buffer).toString()] = (parts.find((p) => p[0] === 2)![2] as Buffer).readFloatLE(0);
        }
      }
    }
    events.push(e);
  }
  return events;
}

function rows(n: number, seed: number): Example[] {
  let s = seed;
  const rand = () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31; };
  return Array.from({ length: n }, () => ({ inputIds: Array.from({ length: 3 + Math.floor(rand() * 6) }, () => 1 + Math.floor(rand() * 98)), labels: Math.floor(rand() * 2) }));
}

describe('TensorBoardCallback', () => {
  it('writes an event file TensorBoard can read: CRCs, file version, scalars of every log entry', async () => {
    const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-tb-'));
    try {
      const model = BertForSequenceClassification.fromConfig(new BertConfig({ vocab_size: 100, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16 }));
      const tb = new TensorBoardCallback();
      const args = new TrainingArguments({ outputDir, maxSteps: 6, perDeviceTrainBatchSize: 4, loggingSteps: 2, evaluationStrategy: 'steps', evalSteps: 3, saveStrategy: 'no', disableTqdm: true, learningRate: 1e-3 });
      const trainer = new Trainer({ model, args, trainDataset: rows(24, 1), evalDataset: rows(8, 2), callbacks: [tb] });
      await trainer.train();
      expect(path.dirname(tb.file!)).toBe(path.join(outputDir, 'runs'));
      expect(path.basename(tb.file!)).toMatch(/^events\.out\.tfevents\.\d+\..+\.\d+\.0$/);
      const events = readEventFile(tb.file!);
      expect(events[0].version).toBe('brain.Event:2');
      const history = trainer.state.logHistory;
      expect(events.slice(1).map((e) => e.step)).toEqual(history.map((h) => h.step));
      history.forEach((h, i) => {
        const want: Record<string, number> = {};
        for (const [k, v] of Object.entries(h)) if (k !== 'step') want[k.startsWith('eval_') ? `eval/${k.slice(5)}` : `train/${k}`] = Math.fround(v);
        expect(events[i + 1].scalars).toEqual(want);
      });
      expect(Object.keys(events[1].scalars)).toEqual(['train/loss', 'train/learning_rate', 'train/epoch']);
      expect(events.some((e) => e.scalars['eval/loss'] !== undefined)).toBe(true);
    } finally {
      fs.rmSync(outputDir, { recursive: true, force: true });
    }
  });

  describe('driven by hand', () => {
    afterEach(() => { vi.useRealTimers(); });
    const ev = (outputDir: string, step: number, logs?: Record<string, number>) => ({ args: { outputDir }, state: { globalStep: step }, logs } as unknown as CallbackEvent);

    it('names the file after the time in seconds, stamps events with the wall time in seconds, and makes a nested logDir', () => {
      vi.useFakeTimers();
      vi.setSystemTime(1_700_000_000_250);
      const logDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-tb-')), 'a', 'b');
      const tb = new TensorBoardCallback({ logDir });
      tb.onTrainBegin(ev('/unused', 0));
      expect(path.dirname(tb.file!)).toBe(logDir);
      expect(path.basename(tb.file!)).toBe(`events.out.tfevents.1700000000.${os.hostname()}.${process.pid}.0`);
      vi.setSystemTime(1_700_000_002_500);
      tb.onLog(ev('/unused', 3, { loss: 1.5, step: 3, eval_acc: 0.5, test_f1: 0.25, bad: Number.NaN }));
      tb.onTrainEnd();
      const events = readEventFile(tb.file!);
      expect(events.map((e) => e.wallTime)).toEqual([1_700_000_000.25, 1_700_000_002.5]);
      expect(events[1]).toMatchObject({ step: 3, scalars: { 'train/loss': 1.5, 'eval/acc': 0.5, 'test/f1': 0.25 } });
      expect(Object.keys(events[1].scalars)).toHaveLength(3);  // not step, not NaN
    });

    it('opens lazily on a log without train (evaluate), skips entries with nothing to write, and appends to the same file after close', () => {
      const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-peft-tb-'));
      const tb = new TensorBoardCallback();
      tb.onLog(ev(outputDir, 1));
      tb.onLog(ev(outputDir, 1, { step: 1 }));
      expect(tb.file).toBeNull();
      tb.onLog(ev(outputDir, 2, { eval_loss: 0.75, step: 2 }));
      expect(path.dirname(tb.file!)).toBe(path.join(outputDir, 'runs'));
      tb.close();
      tb.onLog(ev(outputDir, 4, { loss: 0.5, step: 4 }));
      tb.close();
      tb.close();  // closing twice is harmless
      const events = readEventFile(tb.file!);
      expect(events.map((e) => [e.version ?? null, e.step, e.scalars])).toEqual([['brain.Event:2', 0, {}], [null, 2, { 'eval/loss': 0.75 }], [null, 4, { 'train/loss': 0.5 }]]);
      expect(fs.readdirSync(path.join(outputDir, 'runs'))).toHaveLength(1);
    });
  });
});
