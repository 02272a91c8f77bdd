// The one async-worker helper: long work runs on libuv's pool and settles a Promise.
// Inputs are captured by value (at::Tensor copies keep storages alive), so the JS side may
// dispose its handles while the work runs; Execute never touches N-API. A Lease taken when the
// work is queued (busy.h: a model's guard, the gradient count) is dropped just before the promise
// settles, so JS code that runs after the await already sees the work as finished.
#pragma once

#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>

#include <functional>
#include <utility>

#include "busy.h"
#include "common.h"

namespace peft {

template <typename Result>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result()>;
  using Done = std::function<Napi::Value(Napi::Env, Result&)>;

  static Napi::Promise Start(Napi::Env env, const char* name, Work work, Done done, Lease lease = nullptr) {
    auto* worker = new PromiseWorker(env, name, std::move(work), std::move(done));
    worker->lease_ = std::move(lease);
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    // Grad and inference modes are thread-local: carry the caller's into the worker thread.
    // InferenceMode(false) would switch grad mode on, so it is entered only when it was on.
    c10::optional<c10::InferenceMode> inference;
    if (inference_) inference.emplace(true);
    c10::AutoGradMode grad(grad_enabled_);
    try {
      result_ = work_();
    } catch (...) {
      SetError(DescribeException(std::current_exception()));
    }
  }
  void OnOK() override {
    lease_.reset();
    try {
      deferred_.Resolve(done_(Env(), result_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (...) {
      deferred_.Reject(Translate(Env(), std::current_exception()).Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    lease_.reset();
    deferred_.Reject(TorchError(Env(), e.Message()).Value());
  }

 private:
  PromiseWorker(Napi::Env env, const char* name, Work work, Done done)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), done_(std::move(done)),
        grad_enabled_(c10::GradMode::is_enabled()), inference_(c10::InferenceMode::is_enabled()) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  Lease lease_;
  Result result_{};
  bool grad_enabled_;
  bool inference_;
};

// The common case: work that yields one tensor.
inline Napi::Promise QueueTensor(Napi::Env env, const char* name, std::function<at::Tensor()> work, Lease lease = nullptr) {
  return PromiseWorker<at::Tensor>::Start(
      env, name, std::move(work), [](Napi::Env e, at::Tensor& t) { return FromTensor(e, t); }, std::move(lease));
}

}  // namespace peft
