// Data-parallel gradient averaging, as torch.nn.parallel.DistributedDataParallel's Reducer does
// it: the trainable parameters in buckets (reverse order, the first bucket small so the first
// all-reduce starts early), a hook on each parameter's gradient accumulator that marks it ready,
// and each bucket all-reduced as soon as it is complete — in bucket order on every rank — while
// the backward goes on. Finish() waits, divides by the world size and writes the gradients back.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <mutex>
#include <vector>

#include "group.h"

namespace torch {
namespace autograd {
struct Node;
}
}  // namespace torch

namespace peft {

class GradSync : public std::enable_shared_from_this<GradSync> {
 public:
  static std::shared_ptr<GradSync> Create(GroupPtr group, std::vector<at::Tensor> params,
                                          int64_t bucket_cap_bytes, int64_t first_bucket_cap_bytes);
  ~GradSync();

  // Before a backward. sync=false: gradients only accumulate (DDP's no_sync(), for the
  // micro-batches inside a gradient-accumulation window). local_finite=false: this rank's loss
  // was not finite and no backward runs; the rank still joins the all-reduce. stop: this rank
  // was asked to stop (SIGINT). Both ride as two flags in the last bucket, so every rank learns
  // them at the same step without another collective.
  void Begin(bool sync, bool local_finite, bool stop);
  struct Outcome {
    bool all_finite = true;  // false: some rank's loss was not finite
    bool any_stop = false;   // some rank was asked to stop
  };
  // After the backward of a sync round.
  Outcome Finish();

  // Bytes all-reduced per synchronised step (every bucket plus the two flags).
  int64_t BytesPerSync() const;
  size_t NumBuckets() const { return buckets_.size(); }

  void OnReady(size_t param);  // the hook, from the autograd engine's thread

 private:
  struct Bucket {
    std::vector<size_t> params;
    int64_t numel = 0;
    at::Tensor flat;
    c10::intrusive_ptr<c10d::Work> work;
    size_t pending = 0;
  };
  GradSync(GroupPtr group, std::vector<at::Tensor> params) : group_(std::move(group)), params_(std::move(params)) {}
  void Assign(int64_t bucket_cap_bytes, int64_t first_bucket_cap_bytes);
  void InstallHooks();
  void Launch(size_t bucket);  // with mutex_ held
  void LaunchReady();          // with mutex_ held

  GroupPtr group_;
  std::vector<at::Tensor> params_;
  std::vector<size_t> bucket_of_;
  std::vector<Bucket> buckets_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;  // kept alive: hooks persist
  std::vector<uintptr_t> hook_keys_;
  std::mutex mutex_;
  bool syncing_ = false;
  bool local_finite_ = true;
  bool stop_ = false;
  std::vector<bool> ready_;
  size_t next_launch_ = 0;
};

using GradSyncPtr = std::shared_ptr<GradSync>;

// Copies rank `src`'s values into `tensors` on every rank, coalesced into flat buffers of at
// most 256 MiB per dtype and device (DDP's _sync_module_states at construction).
void BroadcastCoalesced(const Group& group, const std::vector<at::Tensor>& tensors, int src);

}  // namespace peft
