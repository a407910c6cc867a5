// The row kernels of the selections of the grouped family (selections.cpp): Maxout, LWTA, k-WTA and CReLU,
// forward and backward (their double backward, J gg, stays the declarations' composite gather);
// register.cpp registers them.
#pragma once

#include <ATen/core/Tensor.h>

namespace actlab {

at::Tensor maxout(const at::Tensor& x, int64_t dim, int64_t pieces);
at::Tensor maxout_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t pieces);
at::Tensor lwta(const at::Tensor& x, int64_t dim, int64_t group_size);
at::Tensor lwta_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t group_size);
at::Tensor kwta(const at::Tensor& x, int64_t dim, double ratio);
at::Tensor kwta_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, double ratio);
at::Tensor crelu(const at::Tensor& x, int64_t dim);
at::Tensor crelu_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim);

}  // namespace actlab
