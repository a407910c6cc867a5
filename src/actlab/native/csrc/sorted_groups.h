// The row kernels of the sorting maps of the grouped family (sorted_groups.cpp): GroupSort and
// MaxMin, forward and backward (their double backward stays the declarations' composite gather);
// register.cpp registers them.
#pragma once

#include <ATen/core/Tensor.h>

namespace actlab {

at::Tensor group_sort(const at::Tensor& x, int64_t dim, int64_t group_size);
at::Tensor group_sort_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t group_size);
at::Tensor max_min(const at::Tensor& x, int64_t dim);
at::Tensor max_min_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim);

}  // namespace actlab
