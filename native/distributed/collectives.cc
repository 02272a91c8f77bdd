// torch.distributed's collectives on Tensors, as Promises. Each call is issued to the backend
// on the JS thread — so collectives start in the order JS calls them, the same on every rank, as
// c10d requires — and waited for on a worker thread; the event loop never blocks.
#include <c10/util/Exception.h>

#include "../async.h"
#include "binding.h"

namespace peft {
namespace {

c10d::ReduceOp ToReduceOp(const std::string& op) {
  if (op == "sum" || op == "avg") return c10d::ReduceOp::SUM;  // avg: sum, then divide (Gloo has no AVG)
  if (op == "product") return c10d::ReduceOp::PRODUCT;
  if (op == "min") return c10d::ReduceOp::MIN;
  if (op == "max") return c10d::ReduceOp::MAX;
  TORCH_CHECK(false, "unknown reduce op '", op, "' (expected sum, avg, product, min or max)");
}

// c10d works on contiguous tensors; others go through a contiguous copy that is written back.
struct InPlace {
  at::Tensor target, buffer;
  explicit InPlace(const at::Tensor& t) : target(t), buffer(t.is_contiguous() ? t : t.contiguous()) {}
  void WriteBack() const {
    if (!buffer.is_same(target)) at::Tensor(target).copy_(buffer);
  }
};

Napi::Promise Wait(Napi::Env env, const char* name, GroupPtr g, c10::intrusive_ptr<c10d::Work> work, const char* what,
                   std::function<at::Tensor()> after) {
  return QueueTensor(env, name, [g, work, what, after]() {
    at::NoGradGuard no_grad;
    WaitWork(*g, work, what);
    return after();
  });
}

// distAllReduceAsync(tensor, op) -> the same tensor, reduced in place
Napi::Value AllReduce(const Napi::CallbackInfo& info) {
  GroupPtr g = CurrentGroup();
  InPlace t(ToTensor(info[0]));
  std::string op = info[1].As<Napi::String>().Utf8Value();
  c10d::AllreduceOptions opts;
  opts.reduceOp = ToReduceOp(op);
  std::vector<at::Tensor> io{t.buffer};
  auto work = g->backend->allreduce(io, opts);
  return Wait(info.Env(), "node-peft:all-reduce", g, work, "allReduce", [t, op, g]() {
    if (op == "avg") at::Tensor(t.buffer).div_(g->size());
    t.WriteBack();
    return t.target;
  });
}

// distBroadcastAsync(tensor, src) -> the same tensor, holding rank src's values
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  GroupPtr g = CurrentGroup();
  InPlace t(ToTensor(info[0]));
  c10d::BroadcastOptions opts;
  opts.rootRank = ToInt(info[1], "src");
  std::vector<at::Tensor> io{t.buffer};
  auto work = g->backend->broadcast(io, opts);
  return Wait(info.Env(), "node-peft:broadcast", g, work, "broadcast", [t]() {
    t.WriteBack();
    return t.target;
  });
}

// distAllGatherAsync(tensor) -> one tensor per rank, stacked along a new first dimension
Napi::Value AllGather(const Napi::CallbackInfo& info) {
  GroupPtr g = CurrentGroup();
  at::Tensor input = ToTensor(info[0]).contiguous();
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < g->size(); ++r) outputs[0].push_back(at::empty_like(input, at::MemoryFormat::Contiguous));
  std::vector<at::Tensor> in{input};
  auto work = g->backend->allgather(outputs, in);
  auto parts = outputs[0];
  return Wait(info.Env(), "node-peft:all-gather", g, work, "allGather", [parts]() { return at::stack(parts); });
}

// distReduceScatterAsync(inputs (one per rank), op) -> the reduction of every rank's inputs[rank].
// Gloo (torch 1.13) has no reduce_scatter: there it is an all-reduce of the whole stack, of
// which each rank keeps its row — the same result, with worldSize times the traffic.
Napi::Value ReduceScatter(const Napi::CallbackInfo& info) {
  GroupPtr g = CurrentGroup();
  std::vector<at::Tensor> list = ToTensorList(info[0]);
  std::string op = info[1].As<Napi::String>().Utf8Value();
  TORCH_CHECK(static_cast<int>(list.size()) == g->size(), "reduceScatter: expected ", g->size(), " inputs (one per rank), got ", list.size());
  at::Tensor inputs = at::stack(list);
  int rank = g->rank();
  c10::intrusive_ptr<c10d::Work> work;
  at::Tensor result;
  if (g->spec.backend == "gloo") {
    result = inputs.clone(at::MemoryFormat::Contiguous);
    c10d::AllreduceOptions opts;
    opts.reduceOp = ToReduceOp(op);
    std::vector<at::Tensor> io{result};
    work = g->backend->allreduce(io, opts);
    result = result.select(0, rank);
  } else {
    c10d::ReduceScatterOptions opts;
    opts.reduceOp = ToReduceOp(op);
    result = at::empty_like(inputs.select(0, rank), at::MemoryFormat::Contiguous);
    std::vector<at::Tensor> out{result};
    std::vector<std::vector<at::Tensor>> in(1);
    for (int r = 0; r < g->size(); ++r) in[0].push_back(inputs.select(0, r).contiguous());
    work = g->backend->reduce_scatter(out, in, opts);
  }
  return Wait(info.Env(), "node-peft:reduce-scatter", g, work, "reduceScatter", [result, op, g, inputs]() {
    at::Tensor out = result.clone();
    if (op == "avg") out.div_(g->size());
    return out;
  });
}

// distBarrierAsync() -> resolves when every rank has called it
Napi::Value Barrier(const Napi::CallbackInfo& info) {
  GroupPtr g = CurrentGroup();
  auto work = g->backend->barrier();
  return PromiseWorker<bool>::Start(
      info.Env(), "node-peft:barrier", [g, work]() { WaitWork(*g, work, "barrier"); return true; },
      [](Napi::Env env, bool&) -> Napi::Value { return env.Undefined(); });
}

}  // namespace

void RegisterCollectives(Napi::Env env, Napi::Object e) {
  Export<AllReduce>(env, e, "distAllReduceAsync");
  Export<Broadcast>(env, e, "distBroadcastAsync");
  Export<AllGather>(env, e, "distAllGatherAsync");
  Export<ReduceScatter>(env, e, "distReduceScatterAsync");
  Export<Barrier>(env, e, "distBarrierAsync");
}

}  // namespace peft
