// TFRecord framing and Event protos: CRC-32C against its published check values, records that
// round-trip, damaged records refused, and events encoded as protobuf lays out their fields.
import { describe, expect, it } from 'vitest';
import { crc32c, decodeRecords, encodeEvent, encodeRecord, maskedCrc32c, readEvents } from '../../lib';

describe('crc32c', () => {
  it('gives the CRC-32C check values (RFC 3720 B.4, "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
  });

  it("masks as TensorFlow's crc32c::Mask: rotate right by 15, add 0xa282ead8", () => {
    const c = crc32c(Buffer.from('abc'));
    expect(maskedCrc32c(Buffer.from('abc'))).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  });
});

describe('TFRecord', () => {
  it('frames data as length, length CRC, data, data CRC and reads it back', () => {
    const rec = encodeRecord(Buffer.from('hello'));
    expect(rec.length).toBe(8 + 4 + 5 + 4);
    expect(rec.readBigUInt64LE(0)).toBe(5n);
    expect(rec.readUInt32LE(8)).toBe(maskedCrc32c(rec.subarray(0, 8)));
    expect(rec.readUInt32LE(17)).toBe(maskedCrc32c(Buffer.from('hello')));
    const two = Buffer.concat([rec, encodeRecord(Buffer.from(''))]);
    expect(decodeRecords(two).map((r) => Buffer.from(r).toString())).toEqual(['hello', '']);
  });

  it('refuses a flipped data byte and a truncated record, naming the offset', () => {
    const rec = encodeRecord(Buffer.from('hello'));
    const bad = Buffer.from(rec);
    bad[13] ^= 1;
    expect(() => decodeRecords(bad, 'f')).toThrow('f: bad data CRC in the record at byte 0');
    expect(() => decodeRecords(rec.subarray(0, 15), 'f')).toThrow('f: truncated record at byte 0 (5 bytes announced)');
  });
});

describe('Event protos', () => {
  it('encode wall_time (double), step (varint), file_version and summary values (tag, float) as protobuf does', () => {
    const bytes = encodeEvent({ wallTime: 1.5, step: 300, values: [{ tag: 'train/loss', simpleValue: 0.25 }] });
    const expected = Buffer.concat([
      Buffer.from([0x09]), Buffer.from(new Float64Array([1.5]).buffer),  // field 1, wire type 1
      Buffer.from([0x10, 0xac, 0x02]),                                    // field 2, varint 300
      Buffer.from([0x2a, 19, 0x0a, 17, 0x0a, 10]), Buffer.from('train/loss'), // summary { value { tag
      Buffer.from([0x15]), Buffer.from(new Float32Array([0.25]).buffer),  // simple_value } }
    ]);
    expect(Buffer.from(bytes).toString('hex')).toBe(expected.toString('hex'));
  });

  it('read back as written', () => {
    const file = Buffer.concat([
      encodeRecord(encodeEvent({ wallTime: 10, step: 0, fileVersion: 'brain.Event:2' })),
      encodeRecord(encodeEvent({ wallTime: 11.25, step: 7, values: [{ tag: 'a', simpleValue: 1 }, { tag: 'eval/f1', simpleValue: 0.5 }] })),
    ]);
    expect(readEvents(file)).toEqual([
      { wallTime: 10, step: 0, fileVersion: 'brain.Event:2' },
      { wallTime: 11.25, step: 7, values: [{ tag: 'a', simpleValue: 1 }, { tag: 'eval/f1', simpleValue: 0.5 }] },
    ]);
  });
});
