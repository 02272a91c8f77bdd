// Cross-entropy of a linear layer's output, without the [tokens x vocab] logits: the idea of
// Liger Kernel's fused linear cross-entropy. Rows are processed in chunks; each chunk's logits,
// softmax and gradients are computed and dropped before the next, and the gradients of the
// inputs are kept for backward (which only scales them). The loss and gradients equal
// cross_entropy(hidden @ weight^T + bias, labels, ignore_index=-100, reduction='mean').
#pragma once

#include <ATen/ATen.h>

namespace peft {

// hidden [N, H], weight [V, H], bias [V] or undefined, labels [N] int64 (-100 = ignored).
// Differentiable in hidden, weight and bias; labels are not.
at::Tensor LinearCrossEntropy(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& bias, const at::Tensor& labels);

}  // namespace peft
