// A view of a whole file through mmap, from which tensors are copied (the default) or which they
// view (the mmap option), keeping the mapping alive. MAP_PRIVATE with PROT_WRITE: tensors are
// mutable (an optimizer updates weights in place), and a private mapping turns such writes into
// anonymous copies of the touched pages, never file writes. Pages nobody wrote still follow the
// file: a tensor viewing a file that is truncated dies with SIGBUS, one viewing a file rewritten
// in place changes with it; hence copies by default.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace peft {
namespace io {

// A malformed or unreadable checkpoint: the message names the file and the entry at fault.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An operating-system failure (missing file, full disk): already names the path, so the format
// readers do not prefix it again as they do FormatError.
inline std::runtime_error SystemError(const std::string& verb, const std::string& path) {
  return std::runtime_error("could not " + verb + " '" + path + "': " + std::strerror(errno));
}

// Closes a file descriptor on every path out of a function.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { if (fd_ >= 0) ::close(fd_); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  int get() const { return fd_; }
  int release() { int fd = fd_; fd_ = -1; return fd; }

 private:
  int fd_;
};

inline FileDescriptor OpenForReading(const std::string& path, uint64_t* size) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw SystemError("open", path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw SystemError("stat", path);
  if (!S_ISREG(st.st_mode)) throw std::runtime_error("could not read '" + path + "': not a regular file");
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

class Mapping {
 public:
  // Maps all of `path`; an empty file gets no mapping (mmap refuses length 0).
  static std::shared_ptr<Mapping> Open(const std::string& path) {
    uint64_t size = 0;
    FileDescriptor fd = OpenForReading(path, &size);
    if (size > SIZE_MAX) throw std::runtime_error("could not map '" + path + "': file too large for this platform");
    void* data = nullptr;
    if (size > 0) {
      data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get(), 0);
      if (data == MAP_FAILED) throw SystemError("map", path);
      // Start reading ahead now: loads are queued on a worker, the first forward pass is not.
      ::madvise(data, size, MADV_WILLNEED);
    }
    return std::shared_ptr<Mapping>(new Mapping(static_cast<uint8_t*>(data), size));
  }
  ~Mapping() { if (data_ != nullptr) ::munmap(data_, size_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

  // Gives the pages wholly inside [offset, offset + length) back to the kernel (they stay in the
  // page cache, and a later read maps them again from the file). Only for bytes this process has
  // not written: MADV_DONTNEED discards a private mapping's modified pages.
  void DropPages(uint64_t offset, uint64_t length) const {
    static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    uint64_t begin = (offset + page - 1) / page * page, end = (offset + length) / page * page;
    if (data_ != nullptr && end > begin && end <= size_) ::madvise(data_ + begin, end - begin, MADV_DONTNEED);
  }

 private:
  Mapping(uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  uint8_t* data_;
  uint64_t size_;
};

// A string from a file, quoted for an error message: control bytes escaped (a NUL would cut the
// message short) and long strings shortened.
inline std::string Quote(const std::string& s) {
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < 200; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != 0x7f) {
      out += s[i];
      continue;
    }
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
    out += escaped;
  }
  return out + (s.size() > 200 ? "...'" : "'");
}

// Little-endian reads from a byte buffer whose bounds the caller has checked.
inline uint64_t ReadLE(const uint8_t* p, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

// a*b, or false when it exceeds `limit` (or overflows on the way).
inline bool MulWithin(uint64_t a, uint64_t b, uint64_t limit, uint64_t* out) {
  if (a != 0 && b > limit / a) return false;
  *out = a * b;
  return *out <= limit;
}

}  // namespace io
}  // namespace peft
