// Shared declarations of the addon: the error path, the Tensor handle and value conversions.
// Kept to ATen's headers (not <torch/torch.h>) because every include costs seconds per TU here.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <c10/util/Optional.h>
#include <string>
#include <vector>

namespace peft {

// Per-environment state (worker_threads each load their own copy of the addon).
struct AddonData {
  Napi::FunctionReference errorCtor;   // the TS TorchError class, handed over once at load
  Napi::FunctionReference busyCtor;    // the TS BusyError class (busy.h), handed over with it
  Napi::FunctionReference tensorCtor;  // AddonTensor
  Napi::FunctionReference moduleCtor;  // AddonModule
};
AddonData& Data(Napi::Env env);

// ---- errors (errors.cc) ----
Napi::Error TorchError(Napi::Env env, const std::string& message);

using Callback = Napi::Value (*)(const Napi::CallbackInfo&);

Napi::Error Translate(Napi::Env env, std::exception_ptr error);

// Every entry point runs through Safe: c10::Error and std::exception become TorchError.
template <Callback F>
Napi::Value Safe(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw Translate(info.Env(), std::current_exception());
  }
}
// The message of any exception caught on a worker thread (no N-API there).
std::string DescribeException(std::exception_ptr error);

// ---- the Tensor handle (tensor.cc) ----
class AddonTensor : public Napi::ObjectWrap<AddonTensor> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object Wrap(Napi::Env env, at::Tensor tensor);
  static bool IsTensor(Napi::Env env, const Napi::Value& value);
  static int64_t LiveCount();

  explicit AddonTensor(const Napi::CallbackInfo& info);
  ~AddonTensor() override;
  const at::Tensor& tensor() const { return tensor_; }

 private:
  void Reset(Napi::Env env, at::Tensor tensor);
  static Napi::Value Dispose(const Napi::CallbackInfo& info);
  static Napi::Value IsDisposed(const Napi::CallbackInfo& info);

  at::Tensor tensor_;
  const void* accounted_storage_ = nullptr;  // the storage whose bytes V8 was told of (tensor.cc)
};

// ---- conversions (tensor.cc) ----
const at::Tensor& ToTensor(const Napi::Value& value, const char* what = "tensor");
c10::optional<at::Tensor> ToOptionalTensor(const Napi::Value& value);
std::vector<at::Tensor> ToTensorList(const Napi::Value& value);
Napi::Value FromTensor(Napi::Env env, const at::Tensor& tensor);
Napi::Value FromTensorList(Napi::Env env, const std::vector<at::Tensor>& tensors);

at::ScalarType ToDtype(const Napi::Value& value);
std::string DtypeName(at::ScalarType dtype);
c10::Device ToDevice(const Napi::Value& value);
at::TensorOptions ToOptions(const Napi::Value& dtype, const Napi::Value& device);
std::vector<int64_t> ToIntList(const Napi::Value& value, const char* what);
std::vector<std::string> ToStringList(const Napi::Value& value, const char* what);
at::Scalar ToScalar(const Napi::Value& value);
c10::optional<int64_t> ToOptionalInt(const Napi::Value& value);
c10::optional<double> ToOptionalDouble(const Napi::Value& value);
int64_t ToInt(const Napi::Value& value, const char* what);
bool ToBool(const Napi::Value& value, bool fallback);

// ---- registration (one function per file) ----
void RegisterTensor(Napi::Env env, Napi::Object exports);
void RegisterCreation(Napi::Env env, Napi::Object exports);
void RegisterOps(Napi::Env env, Napi::Object exports);
void RegisterRuntime(Napi::Env env, Napi::Object exports);
void RegisterAllocator(Napi::Env env, Napi::Object exports);
void RegisterModules(Napi::Env env, Napi::Object exports);
void RegisterModels(Napi::Env env, Napi::Object exports);
void RegisterPeft(Napi::Env env, Napi::Object exports);
void RegisterIo(Napi::Env env, Napi::Object exports);
void RegisterRandom(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);
void RegisterTrain(Napi::Env env, Napi::Object exports);
void RegisterDistributed(Napi::Env env, Napi::Object exports);

template <Callback F>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<Safe<F>>(env, name));
}

}  // namespace peft
