// Input checks the models run before embedding: ids outside an embedding table or sequences
// longer than the position table would otherwise fail inside at::embedding with a bare
// "index out of range in self". The common case costs one min/max reduction; the offending
// position is only searched for once a check has failed.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <string>

namespace peft {

// ids must be integers in [0, size): `size_name` is the config field that sets size
// (vocab_size, type_vocab_size), `hint` says what to do about an id outside it.
inline void CheckIdsInRange(const at::Tensor& ids, const char* name, int64_t size, const char* size_name, const char* hint) {
  at::ScalarType type = ids.scalar_type();
  TORCH_CHECK(at::isIntegralType(type, /*includeBool=*/false), name, " must be a tensor of integer ids (int64), got ", type);
  if (ids.numel() == 0) return;
  auto bounds = at::aminmax(ids);
  if (std::get<0>(bounds).item<int64_t>() >= 0 && std::get<1>(bounds).item<int64_t>() < size) return;
  // The first offending element, as [row, column].
  at::Tensor index = at::nonzero(at::logical_or(ids < 0, ids >= size))[0].cpu();
  std::string where;
  at::Tensor value = ids;
  for (int64_t d = 0; d < index.numel(); ++d) {
    int64_t i = index[d].item<int64_t>();
    where += (d ? ", " : "") + std::to_string(i);
    value = value.select(0, i);
  }
  TORCH_CHECK(false, name, "[", where, "] = ", value.item<int64_t>(), " is outside this model's ", size_name, " (", size,
              "): ", name, " must lie in [0, ", size - 1, "]; ", hint);
}

}  // namespace peft
