// exchangePaths(a, b): swaps two paths atomically with renameat2(RENAME_EXCHANGE), the one way
// Linux offers to replace a non-empty directory in a single step (rename(2) refuses a non-empty
// target). lib/util/fs.ts's writeDirAtomic builds on it. Returns false where the kernel or the
// file system cannot exchange (EINVAL, ENOSYS, EOPNOTSUPP: before Linux 3.15, some network and
// FUSE file systems), so that the caller can take its non-atomic path.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "../common.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace peft {
namespace io {
namespace {

bool Exchange(const std::string& a, const std::string& b) {
#if defined(__linux__) && defined(SYS_renameat2)
  if (::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return true;
  int error = errno;
  if (error == EINVAL || error == ENOSYS || error == EOPNOTSUPP) return false;
  throw std::runtime_error("could not exchange '" + a + "' and '" + b + "': " + std::strerror(error));
#else
  return false;
#endif
}

Napi::Value ExchangePaths(const Napi::CallbackInfo& info) {
  std::string a = info[0].As<Napi::String>().Utf8Value(), b = info[1].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(info.Env(), Exchange(a, b));
}

}  // namespace

void RegisterFs(Napi::Env env, Napi::Object exports) { Export<ExchangePaths>(env, exports, "exchangePaths"); }

}  // namespace io
}  // namespace peft
