// The softmax-based maps of the normalizer family written with x (softmax_maps.cpp): SoLU and
// RadixSoftmax, forward and backward (their double backward stays the declaration's composite);
// register.cpp registers them.
#pragma once

#include <ATen/core/Tensor.h>

namespace actlab {

at::Tensor solu(const at::Tensor& x, int64_t dim);
at::Tensor solu_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim);
at::Tensor radix_softmax(const at::Tensor& x, int64_t dim, int64_t radix, int64_t cardinality);
at::Tensor radix_softmax_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t radix,
                                  int64_t cardinality);

}  // namespace actlab
