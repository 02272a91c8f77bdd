// Just enough JSON for a safetensors header: a bounds-checked cursor that reads strings,
// non-negative integers and punctuation, and quoting for the writer. The header's shape is fixed
// (objects of objects of strings and integer arrays), so the caller drives the grammar and no
// value tree is built: nothing here recurses, whatever the input.
#pragma once

#include <cstdint>
#include <string>

#include "mapping.h"

namespace peft {
namespace io {

class JsonReader {
 public:
  JsonReader(const char* data, size_t size) : p_(data), begin_(data), end_(data + size) {}

  [[noreturn]] void Fail(const std::string& what) const {
    throw FormatError("malformed JSON header at byte " + std::to_string(p_ - begin_) + ": " + what);
  }
  bool Consume(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  void Expect(char c) {
    if (!Consume(c)) Fail(std::string("expected '") + c + "'");
  }
  bool AtEnd() {
    SkipSpace();
    return p_ == end_;
  }
  bool ConsumeNull() {
    SkipSpace();
    if (end_ - p_ < 4 || std::string(p_, 4) != "null") return false;
    p_ += 4;
    return true;
  }

  // A JSON integer >= 0 that fits in 63 bits (fractions, exponents and signs are errors).
  uint64_t Unsigned() {
    SkipSpace();
    if (p_ == end_ || *p_ < '0' || *p_ > '9') Fail("expected a non-negative integer");
    if (*p_ == '0' && p_ + 1 < end_ && p_[1] >= '0' && p_[1] <= '9') Fail("leading zero in a number");
    uint64_t value = 0;
    for (; p_ < end_ && *p_ >= '0' && *p_ <= '9'; ++p_) {
      if (value > (INT64_MAX - 9) / 10) Fail("integer too large");
      value = value * 10 + static_cast<uint64_t>(*p_ - '0');
    }
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) Fail("expected an integer, found a fraction");
    return value;
  }

  std::string String() {
    Expect('"');
    std::string out;
    while (true) {
      if (p_ == end_) Fail("unterminated string");
      char c = *p_++;
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) Fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p_ == end_) Fail("unterminated escape");
      char e = *p_++;
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': AppendUtf8(out, CodePoint()); break;
        default: Fail("unknown escape " + Quote(std::string("\\") + e));
      }
    }
  }

 private:
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  uint32_t Hex4() {
    if (end_ - p_ < 4) Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      char c = *p_;
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) Fail("bad hex digit in a \\u escape");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    return v;
  }
  // After "\u": one code point, joining a UTF-16 surrogate pair.
  uint32_t CodePoint() {
    uint32_t hi = Hex4();
    if (hi >= 0xDC00 && hi <= 0xDFFF) Fail("lone low surrogate");
    if (hi < 0xD800 || hi > 0xDBFF) return hi;
    if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') Fail("lone high surrogate");
    p_ += 2;
    uint32_t lo = Hex4();
    if (lo < 0xDC00 || lo > 0xDFFF) Fail("bad surrogate pair");
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
  }
  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  const char* p_;
  const char* begin_;
  const char* end_;
};

// A JSON string literal, escaped as serde_json (the safetensors library) does: quote, backslash
// and control characters; everything else, UTF-8 included, verbatim.
inline std::string JsonQuote(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace io
}  // namespace peft
