// The zip container of torch.save: entries are STORED (uncompressed), so reading one is finding
// its bytes. Only the central directory is parsed, every length checked against the file; zip64
// records are followed where a 32-bit field says 0xFFFFFFFF. Every entry read is checked against
// its CRC-32, as Python's zipfile does (torch.load's reader does not).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "crc32.h"
#include "mapping.h"

namespace peft {
namespace io {

struct ZipEntry {
  std::string name;
  uint64_t offset = 0;  // of the entry's data, in the file
  uint64_t size = 0;
  uint32_t crc32 = 0;
};

// The CRC-32 a zip entry stores must match its bytes; the message names the entry (the reader
// prefixes the file).
inline void CheckCrc(const ZipEntry& entry, uint32_t computed, const std::string& what = "") {
  if (computed == entry.crc32) return;
  char detail[64];
  std::snprintf(detail, sizeof detail, " (stored %08x, computed %08x)", entry.crc32, computed);
  throw FormatError("zip entry " + Quote(entry.name) + what + " fails its CRC-32 check" + detail + ": the file is corrupt");
}

class ZipReader {
 public:
  ZipReader(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}

  // All entries by name; throws FormatError naming the entry at fault.
  std::unordered_map<std::string, ZipEntry> Entries() {
    uint64_t count = 0, dir_size = 0, dir_offset = 0;
    FindDirectory(&count, &dir_size, &dir_offset);
    std::unordered_map<std::string, ZipEntry> entries;
    uint64_t pos = dir_offset, end = dir_offset + dir_size;
    for (uint64_t i = 0; i < count; ++i) {
      ZipEntry e = ReadCentralEntry(&pos, end);
      std::string name = e.name;
      if (!entries.emplace(name, std::move(e)).second) throw FormatError("zip entry " + Quote(name) + " appears twice");
    }
    return entries;
  }

 private:
  void Need(uint64_t offset, uint64_t length, const std::string& what) const {
    if (offset > size_ || length > size_ - offset) throw FormatError(what + " runs past the end of the file");
  }
  uint64_t At(uint64_t offset, int bytes) const { return ReadLE(data_ + offset, bytes); }

  // The end-of-central-directory record: the last 22+ bytes, before an optional comment.
  uint64_t FindEnd() const {
    if (size_ < 22) throw FormatError("not a zip archive (" + std::to_string(size_) + " bytes)");
    uint64_t lowest = size_ > 22 + 65535 ? size_ - 22 - 65535 : 0;
    for (uint64_t p = size_ - 22;; --p) {
      if (At(p, 4) == 0x06054b50 && p + 22 + At(p + 20, 2) <= size_) return p;
      if (p == lowest) break;
    }
    throw FormatError("not a zip archive: no end of central directory record");
  }

  void FindDirectory(uint64_t* count, uint64_t* dir_size, uint64_t* dir_offset) const {
    uint64_t end = FindEnd();
    *count = At(end + 10, 2), *dir_size = At(end + 12, 4), *dir_offset = At(end + 16, 4);
    if (*count == 0xFFFF || *dir_size == 0xFFFFFFFF || *dir_offset == 0xFFFFFFFF) {
      if (end < 20 || At(end - 20, 4) != 0x07064b50) throw FormatError("zip64 end of central directory locator missing");
      uint64_t record = At(end - 12, 8);
      Need(record, 56, "zip64 end of central directory record");
      if (At(record, 4) != 0x06064b50) throw FormatError("bad zip64 end of central directory record");
      *count = At(record + 32, 8), *dir_size = At(record + 40, 8), *dir_offset = At(record + 48, 8);
    }
    Need(*dir_offset, *dir_size, "zip central directory");
    // Each entry takes at least 46 bytes: a count beyond that is a lie, not an allocation.
    if (*count > *dir_size / 46) throw FormatError("zip central directory claims " + std::to_string(*count) + " entries in " + std::to_string(*dir_size) + " bytes");
  }

  ZipEntry ReadCentralEntry(uint64_t* pos, uint64_t end) const {
    if (*pos > end || end - *pos < 46 || At(*pos, 4) != 0x02014b50) throw FormatError("bad zip central directory entry at byte " + std::to_string(*pos));
    uint64_t p = *pos;
    uint64_t name_len = At(p + 28, 2), extra_len = At(p + 30, 2), comment_len = At(p + 32, 2);
    if (end - p - 46 < name_len + extra_len + comment_len) throw FormatError("zip central directory entry at byte " + std::to_string(p) + " runs past the directory");
    ZipEntry e;
    e.name.assign(reinterpret_cast<const char*>(data_ + p + 46), name_len);
    std::string where = "zip entry " + Quote(e.name);
    if (At(p + 8, 2) & 1) throw FormatError(where + " is encrypted");
    if (At(p + 10, 2) != 0) throw FormatError(where + " is compressed (method " + std::to_string(At(p + 10, 2)) + "); torch.save stores entries uncompressed");
    e.crc32 = static_cast<uint32_t>(At(p + 16, 4));
    uint64_t packed = At(p + 20, 4), size = At(p + 24, 4), local = At(p + 42, 4);
    ReadZip64Extra(p + 46 + name_len, extra_len, &size, &packed, &local, where);
    if (packed != size) throw FormatError(where + " has compressed size " + std::to_string(packed) + " but size " + std::to_string(size));
    e.size = size;
    e.offset = DataOffset(local, where);
    Need(e.offset, e.size, where);
    *pos = p + 46 + name_len + extra_len + comment_len;
    return e;
  }

  // Extra field 0x0001 holds, in order, the 64-bit values of the fields that read 0xFFFFFFFF.
  void ReadZip64Extra(uint64_t p, uint64_t length, uint64_t* size, uint64_t* packed, uint64_t* local, const std::string& where) const {
    uint64_t end = p + length;
    while (end - p >= 4) {
      uint64_t id = At(p, 2), len = At(p + 2, 2);
      if (len > end - p - 4) throw FormatError(where + " has a malformed extra field");
      if (id == 0x0001) {
        uint64_t q = p + 4, stop = q + len;
        for (uint64_t* field : {size, packed, local}) {
          if (*field != 0xFFFFFFFF) continue;
          if (stop - q < 8) throw FormatError(where + " has a short zip64 extra field");
          *field = At(q, 8), q += 8;
        }
      }
      p += 4 + len;
    }
  }

  // The local header repeats name and extra field (torch pads it so data is 64-byte aligned).
  uint64_t DataOffset(uint64_t local, const std::string& where) const {
    Need(local, 30, where + " local header");
    if (At(local, 4) != 0x04034b50) throw FormatError(where + " has a bad local header signature");
    return local + 30 + At(local + 26, 2) + At(local + 28, 2);
  }

  const uint8_t* data_;
  uint64_t size_;
};

}  // namespace io
}  // namespace peft
