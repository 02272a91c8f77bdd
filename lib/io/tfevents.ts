// TensorBoard event files (events.out.tfevents.*): TFRecords holding tensorflow.Event protos.
// Only the fields a scalar log needs are written — Event {wall_time = 1 (double), step = 2
// (int64), file_version = 3 (string), summary = 5 (Summary)}, Summary {value = 1 (repeated
// Value)}, Value {tag = 1 (string), simple_value = 2 (float)} — so a hand-written encoder of
// four wire types is shorter and easier to check than a protobuf library with .proto files.
import { decodeRecords, encodeRecord } from './tfrecord';

export interface ScalarValue {
  tag: string;
  simpleValue: number;
}

export interface TfEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values?: ScalarValue[];
}

// ---- encoding ----
function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

const key = (field: number, wireType: number) => varint((field << 3) | wireType);

function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([...key(field, 2), ...varint(bytes.length)]), bytes]);
}

function encodeValue(v: ScalarValue): Uint8Array {
  const f = Buffer.alloc(4);
  f.writeFloatLE(v.simpleValue);
  return Buffer.concat([lengthDelimited(1, Buffer.from(v.tag, 'utf8')), Buffer.from(key(2, 5)), f]);
}

/** An Event proto's bytes. */
export function encodeEvent(e: TfEvent): Buffer {
  const wall = Buffer.alloc(8);
  wall.writeDoubleLE(e.wallTime);
  const parts: Uint8Array[] = [Buffer.from(key(1, 1)), wall, Buffer.from([...key(2, 0), ...varint(e.step)])];
  if (e.fileVersion !== undefined) parts.push(lengthDelimited(3, Buffer.from(e.fileVersion, 'utf8')));
  if (e.values) parts.push(lengthDelimited(5, Buffer.concat(e.values.map((v) => lengthDelimited(1, encodeValue(v))))));
  return Buffer.concat(parts);
}

/** An Event as one TFRecord, ready to append to an event file. */
export function eventRecord(e: TfEvent): Buffer {
  return encodeRecord(encodeEvent(e));
}

// ---- decoding (reading logs back; unknown fields are skipped as protobuf requires) ----
type Field = { field: number; wire: number; value: bigint | Buffer };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length) throw new Error('truncated varint in an event proto');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  };
  while (pos < buf.length) {
    const k = Number(readVarint());
    const wire = k & 7;
    const field = k >>> 3;
    const size = wire === 0 ? -1 : wire === 1 ? 8 : wire === 5 ? 4 : wire === 2 ? Number(readVarint()) : NaN;
    if (Number.isNaN(size)) throw new Error(`unsupported wire type ${wire} in an event proto`);
    if (size < 0) out.push({ field, wire, value: readVarint() });
    else {
      out.push({ field, wire, value: buf.subarray(pos, pos + size) });
      pos += size;
    }
  }
  return out;
}

function decodeValue(buf: Buffer): ScalarValue | null {
  let tag = '';
  let simpleValue: number | null = null;
  for (const f of fields(buf)) {
    if (f.field === 1 && f.wire === 2) tag = (f.value as Buffer).toString('utf8');
    if (f.field === 2 && f.wire === 5) simpleValue = (f.value as Buffer).readFloatLE(0);
  }
  return simpleValue === null ? null : { tag, simpleValue };
}

export function decodeEvent(bytes: Uint8Array): TfEvent {
  const e: TfEvent = { wallTime: 0, step: 0 };
  for (const f of fields(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
    if (f.field === 1 && f.wire === 1) e.wallTime = (f.value as Buffer).readDoubleLE(0);
    else if (f.field === 2 && f.wire === 0) e.step = Number(BigInt.asIntN(64, f.value as bigint));
    else if (f.field === 3 && f.wire === 2) e.fileVersion = (f.value as Buffer).toString('utf8');
    else if (f.field === 5 && f.wire === 2) {
      e.values = fields(f.value as Buffer).filter((v) => v.field === 1 && v.wire === 2).map((v) => decodeValue(v.value as Buffer)).filter((v): v is ScalarValue => v !== null);
    }
  }
  return e;
}

/** Every event of an event file's bytes (CRCs checked). */
export function readEvents(bytes: Uint8Array, source?: string): TfEvent[] {
  return decodeRecords(bytes, source).map(decodeEvent);
}
