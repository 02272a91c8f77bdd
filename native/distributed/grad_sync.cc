// GradSync (grad_sync.h): buckets, readiness hooks, launching in order, averaging.
#include "grad_sync.h"

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <map>
#include <utility>

namespace peft {
namespace {

// Runs after AccumulateGrad wrote the parameter's .grad: the gradient of this backward is final.
struct ReadyHook : torch::autograd::FunctionPostHook {
  ReadyHook(std::weak_ptr<GradSync> sync, size_t index) : sync_(std::move(sync)), index_(index) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    if (auto s = sync_.lock()) s->OnReady(index_);
    return outputs;
  }
  std::weak_ptr<GradSync> sync_;
  size_t index_;
};

std::vector<at::Tensor> Flatten(const std::vector<at::Tensor>& parts) {
  std::vector<at::Tensor> flat;
  for (const auto& t : parts) flat.push_back(t.reshape({-1}));
  return flat;
}

}  // namespace

std::shared_ptr<GradSync> GradSync::Create(GroupPtr group, std::vector<at::Tensor> params, int64_t bucket_cap_bytes,
                                           int64_t first_bucket_cap_bytes) {
  TORCH_CHECK(!params.empty(), "data parallel training needs at least one trainable parameter");
  for (const auto& p : params) {
    TORCH_CHECK(p.requires_grad() && p.is_leaf(), "data parallel: every parameter must be a leaf that requires grad");
    TORCH_CHECK(at::isFloatingType(p.scalar_type()), "data parallel: trainable parameters must be floating point, got ", p.scalar_type());
  }
  std::shared_ptr<GradSync> sync(new GradSync(std::move(group), std::move(params)));
  sync->Assign(bucket_cap_bytes, first_bucket_cap_bytes);
  sync->InstallHooks();
  return sync;
}

// torch's compute_bucket_assignment_by_size over the reversed parameter list (gradients arrive
// roughly in reverse order of use), one dtype and device per bucket, limits [first, cap].
void GradSync::Assign(int64_t cap, int64_t first_cap) {
  bucket_of_.assign(params_.size(), 0);
  std::map<std::pair<at::ScalarType, std::string>, size_t> open;  // (dtype, device) -> bucket
  std::map<std::pair<at::ScalarType, std::string>, int64_t> bytes;
  for (size_t k = params_.size(); k-- > 0;) {
    const at::Tensor& p = params_[k];
    auto key = std::make_pair(p.scalar_type(), p.device().str());
    auto it = open.find(key);
    if (it == open.end()) {
      buckets_.emplace_back();
      it = open.emplace(key, buckets_.size() - 1).first;
      bytes[key] = 0;
    }
    Bucket& b = buckets_[it->second];
    b.params.push_back(k);
    b.numel += p.numel();
    bucket_of_[k] = it->second;
    bytes[key] += p.numel() * static_cast<int64_t>(p.element_size());
    if (bytes[key] >= (it->second == 0 ? first_cap : cap)) open.erase(it);
  }
  for (auto& b : buckets_) b.pending = b.params.size();
}

void GradSync::InstallHooks() {
  std::weak_ptr<GradSync> self = shared_from_this();
  for (size_t i = 0; i < params_.size(); ++i) {
    auto acc = torch::autograd::impl::grad_accumulator(params_[i]);
    TORCH_CHECK(acc, "data parallel: no gradient accumulator for a trainable parameter");
    hook_keys_.push_back(acc->add_post_hook(std::make_unique<ReadyHook>(self, i)));
    accumulators_.push_back(std::move(acc));
  }
}

GradSync::~GradSync() {
  for (size_t i = 0; i < accumulators_.size(); ++i) accumulators_[i]->del_post_hook(hook_keys_[i]);
}

int64_t GradSync::BytesPerSync() const {
  // The two flags ride in the last bucket: two more elements of its dtype.
  int64_t total = 2 * static_cast<int64_t>(params_[buckets_.back().params[0]].element_size());
  for (const auto& b : buckets_) total += b.numel * static_cast<int64_t>(params_[b.params[0]].element_size());
  return total;
}

void GradSync::Begin(bool sync, bool local_finite, bool stop) {
  std::lock_guard<std::mutex> lock(mutex_);
  syncing_ = sync;
  local_finite_ = local_finite;
  stop_ = stop;
  ready_.assign(params_.size(), false);
  next_launch_ = 0;
  for (auto& b : buckets_) {
    b.pending = b.params.size();
    b.flat = at::Tensor();
    b.work.reset();
  }
}

void GradSync::OnReady(size_t param) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!syncing_ || ready_[param]) return;
  ready_[param] = true;
  buckets_[bucket_of_[param]].pending -= 1;
  LaunchReady();
}

// Buckets start strictly in index order, so every rank issues the same all-reduces in the same
// sequence even if its gradients became ready in another order (torch's Reducer does the same).
void GradSync::LaunchReady() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) Launch(next_launch_++);
}

void GradSync::Launch(size_t index) {
  at::NoGradGuard no_grad;
  Bucket& b = buckets_[index];
  std::vector<at::Tensor> parts;
  for (size_t k : b.params) {
    const at::Tensor& p = params_[k];
    // A parameter without a gradient (unused in this forward, or a rank that skipped its
    // backward) contributes zeros, as DDP does for unused parameters.
    parts.push_back(p.grad().defined() ? p.grad().detach() : at::zeros_like(p, at::MemoryFormat::Contiguous));
  }
  if (index + 1 == buckets_.size()) {
    auto options = params_[b.params[0]].options().requires_grad(false);
    parts.push_back(at::tensor({local_finite_ ? 0.0 : 1.0, stop_ ? 1.0 : 0.0}, options.dtype(at::kDouble)).to(options));
  }
  b.flat = at::cat(Flatten(parts));
  std::vector<at::Tensor> io{b.flat};
  b.work = group_->backend->allreduce(io);
}

GradSync::Outcome GradSync::Finish() {
  Outcome outcome;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!syncing_) return outcome;
    for (auto& b : buckets_) b.pending = 0;  // what has not arrived is zeros
    LaunchReady();
    syncing_ = false;
  }
  at::NoGradGuard no_grad;
  const double size = group_->size();
  for (size_t i = 0; i < buckets_.size(); ++i) {
    Bucket& b = buckets_[i];
    WaitWork(*group_, b.work, "the gradient all-reduce");
    b.flat.div_(size);
    int64_t offset = 0;
    for (size_t k : b.params) {
      at::Tensor& p = params_[k];
      at::Tensor slice = b.flat.narrow(0, offset, p.numel()).view(p.sizes());
      offset += p.numel();
      if (p.grad().defined()) p.mutable_grad().copy_(slice);
      else p.mutable_grad() = slice.clone();
    }
    if (i + 1 == buckets_.size()) {
      outcome.all_finite = b.flat[offset].item<double>() == 0;
      outcome.any_stop = b.flat[offset + 1].item<double>() != 0;
    }
    b.flat = at::Tensor();
    b.work.reset();
  }
  return outcome;
}

void BroadcastCoalesced(const Group& group, const std::vector<at::Tensor>& tensors, int src) {
  at::NoGradGuard no_grad;
  constexpr int64_t kCap = int64_t{256} << 20;
  size_t i = 0;
  while (i < tensors.size()) {
    const auto& first = tensors[i];
    std::vector<at::Tensor> chunk;
    int64_t bytes = 0;
    while (i < tensors.size() && tensors[i].scalar_type() == first.scalar_type() && tensors[i].device() == first.device() &&
           (chunk.empty() || bytes + tensors[i].nbytes() <= kCap)) {
      bytes += tensors[i].nbytes();
      chunk.push_back(tensors[i++]);
    }
    std::vector<at::Tensor> io{at::cat(Flatten(chunk))};
    c10d::BroadcastOptions opts;
    opts.rootRank = src;
    WaitWork(group, group.backend->broadcast(io, opts), "the parameter broadcast");
    if (group.rank() == src) continue;
    int64_t offset = 0;
    for (auto& t : chunk) {
      at::Tensor(t).copy_(io[0].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

}  // namespace peft
