// TFRecord framing, as TensorFlow's record_writer.cc writes it and TensorBoard reads it: per
// record a little-endian uint64 length, the masked CRC32C of those 8 bytes, the data, and the
// masked CRC32C of the data. TensorBoard skips a file at the first record whose CRC is wrong, so
// both checksums must be exact.

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one table lookup per byte.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TensorFlow's masked CRC: rotated and offset, so that a CRC of data holding CRCs stays useful. */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One record: header (length + its CRC), data, data CRC. */
export function encodeRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** The records of a TFRecord file's bytes; a wrong CRC or a truncated record is an error naming its offset. */
export function decodeRecords(bytes: Uint8Array, source = 'TFRecord data'): Uint8Array[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + 12 > buf.length) throw new Error(`${source}: truncated record header at byte ${offset}`);
    if (buf.readUInt32LE(offset + 8) !== maskedCrc32c(buf.subarray(offset, offset + 8))) throw new Error(`${source}: bad length CRC at byte ${offset}`);
    const length = Number(buf.readBigUInt64LE(offset));
    const start = offset + 12;
    if (start + length + 4 > buf.length) throw new Error(`${source}: truncated record at byte ${offset} (${length} bytes announced)`);
    const data = buf.subarray(start, start + length);
    if (buf.readUInt32LE(start + length) !== maskedCrc32c(data)) throw new Error(`${source}: bad data CRC in the record at byte ${offset}`);
    records.push(data);
    offset = start + length + 4;
  }
  return records;
}
