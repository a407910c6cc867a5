// The row kernels of alpha-entmax by bisection (entmax_bisect.cpp: EntmaxBisect, alpha learnable):
// forward and backward along dim, alpha one value or one per row; register.cpp registers them (the
// double backward stays the declaration's composite op).
#pragma once

#include <ATen/core/Tensor.h>

#include <tuple>

namespace actlab {

at::Tensor entmax_bisect(const at::Tensor& x, const at::Tensor& alpha, int64_t dim, int64_t n_iter,
                         bool ensure_sum_one);
std::tuple<at::Tensor, at::Tensor> entmax_bisect_backward(const at::Tensor& g, const at::Tensor& alpha,
                                                          const at::Tensor& y, int64_t dim, int64_t n_iter,
                                                          bool ensure_sum_one);

}  // namespace actlab
