// One error path: every exception that crosses into JS becomes the TS TorchError class.
#include <c10/util/Exception.h>

#include "busy.h"
#include "common.h"

namespace peft {

AddonData& Data(Napi::Env env) {
  auto* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) {
    data = new AddonData();
    env.SetInstanceData(data);
  }
  return *data;
}

Napi::Error TorchError(Napi::Env env, const std::string& message) {
  AddonData& data = Data(env);
  if (data.errorCtor.IsEmpty()) return Napi::Error::New(env, message);
  Napi::Object err = data.errorCtor.New({Napi::String::New(env, message)});
  return Napi::Error(env, err);
}

std::string DescribeException(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const c10::Error& e) {
    // The backtrace names libtorch's internals, not the user's mistake.
    return e.what_without_backtrace();
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown native exception";
  }
}

Napi::Error Translate(Napi::Env env, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const BusyError& e) {
    // Its own class, so that callers can tell "await and retry" from a failed operation.
    AddonData& data = Data(env);
    if (data.busyCtor.IsEmpty()) return TorchError(env, e.what());
    return Napi::Error(env, data.busyCtor.New({Napi::String::New(env, e.what())}));
  } catch (...) {
    return TorchError(env, DescribeException(error));
  }
}

}  // namespace peft
