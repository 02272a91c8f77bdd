// Per-row adapters for one forward (see routing.h).
#include "routing.h"

#include <c10/util/Exception.h>

#include <algorithm>

namespace peft {
namespace {
thread_local AdapterRouting* current_routing = nullptr;
}  // namespace

AdapterRouting::AdapterRouting(const std::vector<std::string>& names) : batch_size_(static_cast<int64_t>(names.size())) {
  for (int64_t row = 0; row < batch_size_; ++row) {
    const std::string& name = names[row];
    auto it = std::find_if(groups_.begin(), groups_.end(), [&](const AdapterGroup& g) { return g.name == name; });
    if (it == groups_.end()) it = groups_.insert(groups_.end(), AdapterGroup{name, {}, at::Tensor()});
    it->rows.push_back(row);
  }
}

std::vector<AdapterGroup>& AdapterRouting::Groups(const at::Device& device) {
  for (auto& group : groups_) {
    if (group.index.defined() && group.index.device() == device) continue;
    group.index = at::tensor(group.rows, at::kLong).to(device);
  }
  return groups_;
}

void AdapterRouting::CheckRows(const at::Tensor& x, const char* where) const {
  TORCH_CHECK(x.dim() > 0 && x.size(0) == batch_size_, "Length of adapterNames should be the same as the number of inputs, but got ",
              batch_size_, " and ", x.dim() > 0 ? x.size(0) : 0, " respectively (at ", where, ")");
}

AdapterRouting* CurrentRouting() { return current_routing; }

RoutingScope::RoutingScope(const std::vector<std::string>& names, int64_t batch) : previous_(current_routing) {
  if (names.empty()) return;
  TORCH_CHECK(static_cast<int64_t>(names.size()) == batch, "adapterNames has ", names.size(), " names but the batch has ", batch,
              " rows: give one adapter name per row ('__base__' for the base model)");
  routing_ = std::make_unique<AdapterRouting>(names);
  current_routing = routing_.get();
}

RoutingScope::~RoutingScope() { current_routing = previous_; }

}  // namespace peft
