// Per-row adapters for one forward: PEFT's `adapter_names` (mixed-adapter batches), where row i
// runs with adapter names[i] and "__base__" means no adapter. The routing belongs to the forward,
// not to the model: forwards run concurrently on worker threads over the same modules (see
// nn/guard.h), so the forward's worker sets it for its own thread (RoutingScope) and the LoRA
// layers and modules_to_save wrappers it reaches read it there (CurrentRouting).
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

namespace peft {

// PEFT's placeholder for "this row runs the base model".
inline constexpr const char* kBaseAdapter = "__base__";

// The rows of one adapter, batched together (as Punica / S-LoRA gather them).
struct AdapterGroup {
  std::string name;
  std::vector<int64_t> rows;
  at::Tensor index;  // rows as int64 on the batch's device, made on first use
};

class AdapterRouting {
 public:
  // Groups rows by adapter, in order of first appearance.
  explicit AdapterRouting(const std::vector<std::string>& names);
  int64_t batch_size() const { return batch_size_; }
  // The groups, their index tensors on `device`.
  std::vector<AdapterGroup>& Groups(const at::Device& device);
  // PEFT's _check_forward_args: a layer's input must have one row per adapter name.
  void CheckRows(const at::Tensor& x, const char* where) const;

 private:
  int64_t batch_size_;
  std::vector<AdapterGroup> groups_;
};

// The routing of the forward running on this thread; null for an ordinary forward.
AdapterRouting* CurrentRouting();

// Sets the routing of this thread for its lifetime (nothing when names is empty) and restores the
// previous one after. `batch` is the batch size of the input ids, which names must match.
class RoutingScope {
 public:
  RoutingScope(const std::vector<std::string>& names, int64_t batch);
  ~RoutingScope();
  RoutingScope(const RoutingScope&) = delete;
  RoutingScope& operator=(const RoutingScope&) = delete;

 private:
  std::unique_ptr<AdapterRouting> routing_;
  AdapterRouting* previous_ = nullptr;
};

}  // namespace peft
